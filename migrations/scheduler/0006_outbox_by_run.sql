-- Outbox rows found by run, oldest first: the forwarder keeps one call in flight per run
-- and reads each run's next rows with one indexed query instead of scanning the outbox.
CREATE INDEX outbox_by_run ON outbox (run_id, id);
