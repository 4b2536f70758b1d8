-- GetTestHistory (and GetLatencyTrend) walk one scenario and cluster newest first and
-- need, for each run, its key, run id, scenario version and latest attempt. With those
-- in the index the walk reads no run rows: the only lookup left per history point is
-- the result itself, instead of a run row and a result on two random pages.
-- AppendResults sets latest_attempt only when it grows, so the wider index costs writes
-- once per run attempt, not once per batch.
DROP INDEX runs_by_scenario_cluster;
CREATE INDEX runs_by_scenario_cluster ON runs (scenario_id, cluster_id, started_at, id,
                                               latest_attempt, run_id, scenario_version);
