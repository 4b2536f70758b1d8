-- The results store's first schema: run history normalised so that one result is a
-- small row. Times are integer microseconds since the Unix epoch (UTC); enums are the
-- proto enum numbers of meshproof.result.v1.

-- Names stored once; runs and results refer to them by integer id.
CREATE TABLE scenarios (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

CREATE TABLE clusters (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

-- Test identity across runs is (scenario, test name).
CREATE TABLE tests (
  id          INTEGER PRIMARY KEY,
  scenario_id INTEGER NOT NULL REFERENCES scenarios(id),
  name        TEXT NOT NULL,
  UNIQUE (scenario_id, name)
);

CREATE TABLE runs (
  id               INTEGER PRIMARY KEY,
  run_id           TEXT NOT NULL UNIQUE,
  scenario_id      INTEGER NOT NULL REFERENCES scenarios(id),
  cluster_id       INTEGER NOT NULL REFERENCES clusters(id),
  scenario_version TEXT NOT NULL,
  namespace        TEXT NOT NULL,
  team             TEXT NOT NULL,
  agent_id         TEXT NOT NULL,
  trigger          INTEGER NOT NULL,
  schedule_id      TEXT NOT NULL,
  started_at       INTEGER NOT NULL,
  -- NULL while the run is open.
  finished_at      INTEGER,
  verdict          INTEGER NOT NULL DEFAULT 0,
  -- Serialized meshproof.result.v1.RunCounts; NULL while open.
  counts           BLOB,
  reason           TEXT NOT NULL DEFAULT '',
  env_cluster      TEXT NOT NULL,
  env_namespace    TEXT NOT NULL,
  istio_version    TEXT NOT NULL,
  k8s_version      TEXT NOT NULL,
  agent_version    TEXT NOT NULL,
  -- The highest attempt that appended results; queries read only its results.
  latest_attempt   INTEGER NOT NULL DEFAULT 0,
  -- The seq the next appended result gets (append order within the run).
  next_seq         INTEGER NOT NULL DEFAULT 0
);
-- History, trend, flaky and latest-per-cluster walk one scenario (and cluster) by time.
CREATE INDEX runs_by_scenario_cluster ON runs (scenario_id, cluster_id, started_at, id);
CREATE INDEX runs_by_scenario ON runs (scenario_id, started_at, id);
-- ListRuns without a scenario, and retention.
CREATE INDEX runs_by_started ON runs (started_at, id);

-- Free labels (kind 0) and environment tags (kind 1) of a run.
CREATE TABLE run_tags (
  run_pk INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind   INTEGER NOT NULL,
  key    TEXT NOT NULL,
  value  TEXT NOT NULL,
  PRIMARY KEY (run_pk, kind, key)
) WITHOUT ROWID;
CREATE INDEX run_tags_by_value ON run_tags (kind, key, value, run_pk);

-- The claim definitions a run was begun (or finished) with.
CREATE TABLE run_claims (
  run_pk    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  ord       INTEGER NOT NULL,
  claim_id  TEXT NOT NULL,
  text      TEXT NOT NULL,
  reference TEXT NOT NULL,
  note      TEXT NOT NULL,
  PRIMARY KEY (run_pk, ord)
) WITHOUT ROWID;

-- One row per (run, test, phase, attempt): the idempotency key of AppendResults. The
-- key starts with the run so a run's results are contiguous on disk (GetRun, compare,
-- flaky) and a test's result in a given run is one key lookup (history, trend).
CREATE TABLE results (
  run_pk        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  test_id       INTEGER NOT NULL REFERENCES tests(id),
  phase         INTEGER NOT NULL,
  attempt       INTEGER NOT NULL,
  -- Append order within the run.
  seq           INTEGER NOT NULL,
  verdict       INTEGER NOT NULL,
  -- HTTP status, 0 when none.
  status_code   INTEGER NOT NULL,
  -- meshproof.scenario.v1.FailureClass, 0 when none.
  failure_class INTEGER NOT NULL,
  -- Total probe time (outcome.timings.total).
  latency_us    INTEGER NOT NULL,
  -- Bits: 1 passed_on_retry, 2 has outcome, 4 outcome is HTTP, 8 has timings,
  -- 16 has failure, 32 has a result_details row.
  flags         INTEGER NOT NULL,
  attempts      INTEGER NOT NULL,
  reason        TEXT NOT NULL,
  PRIMARY KEY (run_pk, test_id, phase, attempt)
) WITHOUT ROWID;

-- Everything else of a TestResult (evidence, mismatches, bodies, summaries...), as a
-- serialized proto, zlib-compressed when that pays. Kept apart so history scans never
-- read it.
CREATE TABLE result_details (
  run_pk  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  test_id INTEGER NOT NULL,
  phase   INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  -- First byte: 0 raw, 1 zlib; then the serialized meshproof.result.v1.TestResult.
  detail  BLOB NOT NULL,
  PRIMARY KEY (run_pk, test_id, phase, attempt)
) WITHOUT ROWID;

-- The latest finished run of each test in each cluster (maintained by FinishRun), so
-- GetLatestPerCluster is one index walk instead of a search through history.
CREATE TABLE latest_results (
  test_id    INTEGER NOT NULL REFERENCES tests(id),
  cluster_id INTEGER NOT NULL REFERENCES clusters(id),
  run_pk     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  started_at INTEGER NOT NULL,
  PRIMARY KEY (test_id, cluster_id)
) WITHOUT ROWID;
-- Lets the cascade from a deleted run find its rows without a scan.
CREATE INDEX latest_results_by_run ON latest_results (run_pk);
