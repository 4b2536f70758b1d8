-- Why a schedule's due fire time could not be handled at all (the fire's own transaction
-- failed, so no fire record holds it), and when that was last tried. Cleared when a fire
-- time of the schedule is handled again. Shown as Schedule.last_fire (OUTCOME_NOT_FIRED)
-- while it is newer than the newest fire record.
ALTER TABLE schedules ADD COLUMN fire_error TEXT NOT NULL DEFAULT '';
ALTER TABLE schedules ADD COLUMN fire_error_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE schedules ADD COLUMN fire_error_fire_time_us INTEGER NOT NULL DEFAULT 0;
