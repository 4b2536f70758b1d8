// What a notification says (WebhookEvent) and the two request bodies made from it: the
// generic JSON document and a Slack-compatible {"text": ...} message. Rendering is pure:
// the body is rendered once, when the event happens, and stored in the webhook outbox,
// so every retry sends the same bytes under the same signature.
#ifndef MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_PAYLOAD_H_
#define MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_PAYLOAD_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/scheduler/webhook_config.h"

namespace meshproof::scheduler {

// One test whose verdict changed against the previous comparable run.
struct TestChange {
  std::string test;
  std::string before;           // "PASS" or "FAIL"
  std::string now;              // "FAIL" or "PASS"
  std::string previous_run_id;  // the run `before` comes from
};

struct WebhookEvent {
  // Stable for the event: the same event raised twice has the same id.
  std::string event_id;
  std::string kind;  // one of WebhookEventKinds()
  std::string team;
  std::string schedule_id;  // "" when no schedule is involved
  absl::Time occurred_at;
  // One line for people (the Slack text's first line).
  std::string summary;
  // run.*, agent.lost: the run concerned.
  std::string run_id;
  std::string scenario;
  std::string cluster;
  std::string run_state;
  // run.regressed / run.fixed: the tests that changed.
  std::vector<TestChange> tests;
  // schedule.not_fired: the fire time that could not fire and why.
  absl::Time fire_time = absl::InfinitePast();
  // agent.lost: the agent; schedule.not_fired, agent.lost: what happened.
  std::string agent_id;
  std::string message;
};

// Renders the generic JSON body (docs/operations.md shows one of each kind).
std::string RenderJsonPayload(const WebhookEvent& event);
// Renders {"text": ...} for Slack incoming webhooks (and compatible chat tools).
std::string RenderSlackPayload(const WebhookEvent& event);
std::string RenderPayload(const WebhookEvent& event, WebhookFormat format);

// Returns `text` as a JSON string literal, quotes included.
std::string JsonQuote(absl::string_view text);

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_PAYLOAD_H_
