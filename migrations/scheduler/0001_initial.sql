-- The scheduler's own state: scenarios and their versions, the durable run queue with
-- leases, schedules and their fire records, results received from agents, and the outbox
-- of writes still to be made to the results store. Times are integer microseconds since
-- the Unix epoch (UTC). Protobuf columns hold serialized meshproof.*.v1 messages; the
-- columns beside them are the fields queries filter on.

-- One row per scenario name; its versions below.
CREATE TABLE scenarios (
  name TEXT PRIMARY KEY,
  team TEXT NOT NULL,
  created_us INTEGER NOT NULL
);

-- Every distinct content of a scenario (content hash of the unsubstituted form).
CREATE TABLE scenario_versions (
  name TEXT NOT NULL REFERENCES scenarios (name) ON DELETE CASCADE,
  version TEXT NOT NULL,
  revision INTEGER NOT NULL,
  team TEXT NOT NULL,
  scenario BLOB NOT NULL,          -- meshproof.scenario.v1.Scenario, unsubstituted
  yaml TEXT NOT NULL DEFAULT '',   -- as submitted, when submitted as YAML
  created_us INTEGER NOT NULL,
  PRIMARY KEY (name, version),
  UNIQUE (name, revision)
);

-- The durable run queue. `run` is the meshproof.scheduler.v1.Run as the API shows it;
-- the other columns are the ones the loops filter and order on.
CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,   -- creation order
  run_id TEXT NOT NULL UNIQUE,
  request_id TEXT UNIQUE,                 -- StartRun idempotency key; NULL when none
  scenario_name TEXT NOT NULL,
  schedule_id TEXT NOT NULL DEFAULT '',
  state INTEGER NOT NULL,                 -- meshproof.scheduler.v1.RunState
  attempt INTEGER NOT NULL DEFAULT 1,
  agent_id TEXT NOT NULL DEFAULT '',
  assignment_id TEXT NOT NULL DEFAULT '',
  lease_expiry_us INTEGER NOT NULL DEFAULT 0,  -- RUNNING only
  deadline_us INTEGER NOT NULL DEFAULT 0,      -- 0 while awaiting approval
  acked_seq INTEGER NOT NULL DEFAULT 0,        -- highest contiguous report sequence made durable
  store_begun INTEGER NOT NULL DEFAULT 0,      -- a BeginRun is in the outbox (or done)
  run BLOB NOT NULL,                      -- meshproof.scheduler.v1.Run
  scenario BLOB NOT NULL,                 -- meshproof.scenario.v1.Scenario, substituted
  created_us INTEGER NOT NULL
);
CREATE INDEX runs_by_state ON runs (state, id);
CREATE INDEX runs_by_scenario ON runs (scenario_name, id);
CREATE INDEX runs_by_schedule ON runs (schedule_id, id);

-- Test results received from agents. The key drops a resent report.
CREATE TABLE results_received (
  run_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  test TEXT NOT NULL,
  phase INTEGER NOT NULL,
  verdict INTEGER NOT NULL,
  result BLOB NOT NULL,                   -- meshproof.result.v1.TestResult
  received_us INTEGER NOT NULL,
  PRIMARY KEY (run_id, attempt, test, phase)
) WITHOUT ROWID;

-- Schedules. `schedule` is the meshproof.scheduler.v1.Schedule definition (no computed
-- fields); next_fire_us is the first fire time not yet handled.
CREATE TABLE schedules (
  schedule_id TEXT PRIMARY KEY,
  scenario_name TEXT NOT NULL,
  paused INTEGER NOT NULL DEFAULT 0,
  next_fire_us INTEGER NOT NULL,
  schedule BLOB NOT NULL,
  created_us INTEGER NOT NULL
);
CREATE INDEX schedules_by_scenario ON schedules (scenario_name);

-- One row per handled fire time. The UNIQUE key is what makes a fire time fire at most
-- once: the row is inserted in the same transaction that creates the run.
CREATE TABLE fire_records (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  schedule_id TEXT NOT NULL REFERENCES schedules (schedule_id) ON DELETE CASCADE,
  fire_time_us INTEGER NOT NULL,
  outcome INTEGER NOT NULL,               -- FireRecord.Outcome
  run_id TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL DEFAULT '',
  recorded_us INTEGER NOT NULL,
  UNIQUE (schedule_id, fire_time_us)
);

-- Writes still to be made to the results store, forwarded in id order. `payload` is the
-- serialized BeginRunRequest, TestResult (kind 2, appended for run_id/attempt) or
-- FinishRunRequest. A row is deleted once the store accepted it.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL,
  kind INTEGER NOT NULL,                  -- 1 begin, 2 append, 3 finish
  attempt INTEGER NOT NULL DEFAULT 0,
  payload BLOB NOT NULL,
  tries INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  created_us INTEGER NOT NULL
);

-- Outbox rows the store refused for good (a bug or a contract mismatch): kept for an
-- operator instead of blocking every later write.
CREATE TABLE outbox_dead (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  kind INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  payload BLOB NOT NULL,
  error TEXT NOT NULL,
  failed_us INTEGER NOT NULL
);
