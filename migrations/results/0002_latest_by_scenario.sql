-- latest_results keyed by (scenario, cluster, test) instead of (test, cluster): FinishRun
-- updates one run's tests, which are now neighbours in one or two pages instead of being
-- spread over the whole table (each a page written to the WAL), and
-- GetLatestPerCluster reads one key range per scenario.
CREATE TABLE latest_results_v2 (
  scenario_id INTEGER NOT NULL REFERENCES scenarios(id),
  cluster_id  INTEGER NOT NULL REFERENCES clusters(id),
  test_id     INTEGER NOT NULL REFERENCES tests(id),
  run_pk      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  started_at  INTEGER NOT NULL,
  PRIMARY KEY (scenario_id, cluster_id, test_id)
) WITHOUT ROWID;

INSERT INTO latest_results_v2 (scenario_id, cluster_id, test_id, run_pk, started_at)
SELECT t.scenario_id, l.cluster_id, l.test_id, l.run_pk, l.started_at
FROM latest_results l JOIN tests t ON t.id = l.test_id;

DROP TABLE latest_results;
ALTER TABLE latest_results_v2 RENAME TO latest_results;
-- Lets the cascade from a deleted run find its rows without a scan.
CREATE INDEX latest_results_by_run ON latest_results (run_pk);
