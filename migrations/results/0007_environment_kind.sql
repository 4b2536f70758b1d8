-- runs gains env_kind: what the run measured, "lab" (meshproof's own lab) or "cluster" (a
-- real mesh), from Environment.kind. Older runs did not say and read "".
ALTER TABLE runs ADD COLUMN env_kind TEXT NOT NULL DEFAULT '';
