-- Webhook notifications waiting to be sent, and those already sent or given up. A row
-- is inserted in the same transaction as the state change that caused its event, once
-- per matching webhook; the UNIQUE key makes an event reach a webhook's queue at most
-- once. `body` is the exact request body, rendered when the event happened, so a retry
-- sends (and signs) the same bytes. Delivered and abandoned rows are kept a while
-- (state 1 and 2) so an event raised again is still recognised as already handled.
CREATE TABLE webhook_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL,                 -- the X-Meshproof-Event-Id; the receiver's idempotency key
  webhook TEXT NOT NULL,                  -- the webhook's name in the scheduler's config
  kind TEXT NOT NULL,                     -- run.regressed, run.fixed, run.awaiting_approval, ...
  body TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  next_attempt_us INTEGER NOT NULL,       -- not sent before this time (backoff)
  tries INTEGER NOT NULL DEFAULT 0,
  state INTEGER NOT NULL DEFAULT 0,       -- 0 pending, 1 delivered, 2 given up
  last_error TEXT NOT NULL DEFAULT '',
  done_us INTEGER NOT NULL DEFAULT 0,     -- when it was delivered or given up
  UNIQUE (webhook, event_id)
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (state, next_attempt_us);
