-- FinishRun moves every test of its (scenario, cluster) to the new run. With the index on
-- run_pk and the foreign key to runs, each moved row cost three more b-tree operations
-- (remove and add an index entry, check the run exists), which made FinishRun the
-- dearest of the three writes. Runs are deleted only by retention, which now deletes
-- their latest rows itself through the key prefix (scenario, cluster), so neither the
-- index nor the cascade is needed.
CREATE TABLE latest_results_v3 (
  scenario_id INTEGER NOT NULL REFERENCES scenarios(id),
  cluster_id  INTEGER NOT NULL REFERENCES clusters(id),
  test_id     INTEGER NOT NULL REFERENCES tests(id),
  -- A run of this scenario and cluster (no foreign key: see above).
  run_pk      INTEGER NOT NULL,
  started_at  INTEGER NOT NULL,
  PRIMARY KEY (scenario_id, cluster_id, test_id)
) WITHOUT ROWID;

INSERT INTO latest_results_v3 (scenario_id, cluster_id, test_id, run_pk, started_at)
SELECT scenario_id, cluster_id, test_id, run_pk, started_at FROM latest_results;

-- Takes latest_results_by_run with it.
DROP TABLE latest_results;
ALTER TABLE latest_results_v3 RENAME TO latest_results;
