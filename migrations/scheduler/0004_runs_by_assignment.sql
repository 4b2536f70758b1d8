-- Assignments found by id: an agent's heartbeat renews the leases of the assignments it
-- names with one indexed update each, instead of reading every running run.
CREATE INDEX runs_by_assignment ON runs (assignment_id);
