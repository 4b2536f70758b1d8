-- Latest per cluster, kept per (scenario, cluster) instead of per test. FinishRun used to
-- upsert one latest_results row for every test of its run (a run of 100 tests, 100
-- b-tree writes), which made it dearer than appending the results themselves. Now
-- latest_runs names the latest finished run of each scenario in each cluster: every
-- test of that run is latest there with no row of its own. latest_results keeps only
-- the exceptions, tests missing from that run (removed from the scenario, or not
-- reached), each pointing at the newest older run that has it. A night whose runs have
-- the same tests as the night before writes one row per run.
CREATE TABLE latest_runs (
  scenario_id INTEGER NOT NULL REFERENCES scenarios(id),
  cluster_id  INTEGER NOT NULL REFERENCES clusters(id),
  -- A finished run of this scenario and cluster (no foreign key, as in 0004: retention
  -- deletes the row itself).
  run_pk      INTEGER NOT NULL,
  started_at  INTEGER NOT NULL,
  PRIMARY KEY (scenario_id, cluster_id)
) WITHOUT ROWID;

-- The newest finished run of each (scenario, cluster): started last, the larger key
-- breaking a tie, as FinishRun decides.
INSERT INTO latest_runs (scenario_id, cluster_id, run_pk, started_at)
SELECT u.scenario_id, u.cluster_id, u.id, u.started_at FROM runs u
WHERE u.finished_at IS NOT NULL AND NOT EXISTS (
  SELECT 1 FROM runs v
  WHERE v.scenario_id = u.scenario_id AND v.cluster_id = u.cluster_id
    AND v.finished_at IS NOT NULL
    AND (v.started_at > u.started_at OR (v.started_at = u.started_at AND v.id > u.id)));

-- Tests of those runs need no row of their own any more (3 is PHASE_TEST).
DELETE FROM latest_results WHERE EXISTS (
  SELECT 1 FROM latest_runs k
  JOIN runs u ON u.id = k.run_pk
  JOIN results r ON r.run_pk = k.run_pk AND r.test_id = latest_results.test_id
    AND r.phase = 3 AND r.attempt = u.latest_attempt
  WHERE k.scenario_id = latest_results.scenario_id AND k.cluster_id = latest_results.cluster_id);
