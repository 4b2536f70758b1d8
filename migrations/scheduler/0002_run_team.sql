-- The owning team of each run as a column, so a caller's run listing is filtered by
-- team in SQL (pages stay full). Runs written before this migration take the team of
-- their scenario; a run whose scenario was deleted keeps '' and is seen only by admins.
ALTER TABLE runs ADD COLUMN team TEXT NOT NULL DEFAULT '';
UPDATE runs SET team = COALESCE((SELECT s.team FROM scenarios s WHERE s.name = runs.scenario_name), '');
CREATE INDEX runs_by_team ON runs (team, id);
