-- runs gains envoy_version: the Envoy version of the proxy whose admin the agent read at
-- the start of the run (Environment.envoy_version). Why a version could not be read is
-- kept in run_tags (kind 2: key the component, value the reason). Older runs read "" and
-- have no reasons.
ALTER TABLE runs ADD COLUMN envoy_version TEXT NOT NULL DEFAULT '';
