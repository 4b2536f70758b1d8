// The fire decisions: missed fire times, the starting deadline, the concurrency policy,
// one run per fire time, and manual triggers.
#include "services/scheduler/schedule_firing.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"
#include "services/common/time_util.h"
#include "services/scheduler/approval_wait.h"
#include "services/scheduler/fire_timing.h"
#include "services/scheduler/webhook_events.h"

namespace meshproof::scheduler {

namespace rv1 = meshproof::result::v1;

namespace {

// Missed fire times recorded per catch-up, newest kept: a week of downtime under a
// once-a-minute schedule must not write ten thousand rows.
constexpr int kMaxMissedRecorded = 10;
constexpr int kMaxDueScanned = 100000;

v1::StartRunRequest RunRequestFor(const v1::Schedule& s) {
  v1::StartRunRequest req;
  req.set_scenario(s.scenario());
  req.mutable_vars()->insert(s.vars().begin(), s.vars().end());
  for (const std::string& name : s.secret_vars()) req.add_secret_vars(name);
  if (s.has_target()) *req.mutable_target() = s.target();
  req.mutable_labels()->insert(s.labels().begin(), s.labels().end());
  return req;
}

}  // namespace

absl::StatusOr<absl::Time> ScheduleFiring::EarliestNextFireLocked() {
  return state_->schedules.EarliestNextFire();
}

absl::StatusOr<v1::FireRecord> ScheduleFiring::FireAtLocked(const ScheduleRow& row,
                                                            absl::Time fire_time, bool manual) {
  // fire_time may move forward below (manual triggers only).
  const v1::Schedule& s = row.schedule;
  const absl::Time now = state_->clock->Now();
  v1::FireRecord record;
  *record.mutable_fire_time() = ToProtoTimestamp(fire_time);
  // The INSERT decides: a fire time already recorded (by an earlier life of this process)
  // is never handled again. Its outcome is filled in below, in this same transaction.
  MP_ASSIGN_OR_RETURN(
      bool first, state_->schedules.RecordFire(s.schedule_id(), fire_time,
                                               v1::FireRecord::OUTCOME_UNSPECIFIED, "", "", now));
  // A manual trigger is recorded at its own instant; if a scheduled fire holds that exact
  // key, the trigger takes the next free microsecond instead of being refused.
  for (int i = 0; manual && !first && i < 1000; ++i) {
    fire_time += absl::Microseconds(1);
    MP_ASSIGN_OR_RETURN(
        first, state_->schedules.RecordFire(s.schedule_id(), fire_time,
                                            v1::FireRecord::OUTCOME_UNSPECIFIED, "", "", now));
  }
  if (!first) return absl::AbortedError("fire time already handled");
  *record.mutable_fire_time() = ToProtoTimestamp(fire_time);
  MP_ASSIGN_OR_RETURN(std::vector<RunRow> active, state_->runs.ActiveForSchedule(s.schedule_id()));
  // A run waiting for a person never holds the schedule back (its own approval deadline
  // ends the wait): FORBID looks only at runs queued or running.
  std::vector<const RunRow*> busy;
  std::string waiting_note;
  for (const RunRow& r : active) {
    if (r.run.state() == v1::RUN_STATE_AWAITING_APPROVAL) {
      waiting_note = absl::StrCat(
          "fired although run ", r.run.run_id(), " still awaits approval",
          r.run.has_approval_deadline()
              ? absl::StrCat(" (until ", Rfc3339(FromProtoTimestamp(r.run.approval_deadline())),
                             ")")
              : "");
    } else {
      busy.push_back(&r);
    }
  }
  if (!busy.empty() && s.concurrency_policy() == v1::CONCURRENCY_POLICY_FORBID) {
    record.set_outcome(v1::FireRecord::OUTCOME_SKIPPED_ACTIVE);
    record.set_run_id(busy.front()->run.run_id());
    record.set_message(absl::StrCat("run ", busy.front()->run.run_id(), " is still ",
                                    v1::RunState_Name(busy.front()->run.state())));
  } else {
    if (s.concurrency_policy() == v1::CONCURRENCY_POLICY_REPLACE) {
      for (RunRow& old : active) {
        MP_RETURN_IF_ERROR(
            runs_->EndRunLocked(&old, v1::RUN_STATE_CANCELLED,
                                absl::StrCat("replaced by schedule ", s.schedule_id(),
                                             "'s fire at ", Rfc3339(fire_time)),
                                nullptr));
      }
    }
    absl::StatusOr<RunRow> run =
        runs_->CreateLocked(RunRequestFor(s), manual ? rv1::TRIGGER_MANUAL : rv1::TRIGGER_SCHEDULE,
                            s.schedule_id(), s.team(), CallerScope::Everyone(), ApprovalWaitFor(s));
    if (run.ok()) {
      record.set_outcome(v1::FireRecord::OUTCOME_STARTED);
      record.set_run_id(run->run.run_id());
      record.set_run_state(run->run.state());
      if (s.concurrency_policy() != v1::CONCURRENCY_POLICY_REPLACE) {
        record.set_message(waiting_note);
      }
    } else if (absl::IsInternal(run.status()) || absl::IsUnavailable(run.status())) {
      return run.status();
    } else {
      record.set_outcome(v1::FireRecord::OUTCOME_FAILED);
      record.set_message(std::string(run.status().message()));
      MP_RETURN_IF_ERROR(NotifyScheduleNotFiredLocked(state_, s, fire_time, record.message()));
    }
  }
  MP_ASSIGN_OR_RETURN(
      Statement update,
      state_->db->Prepare("UPDATE fire_records SET outcome = ?3, run_id = ?4, message = ?5"
                          " WHERE schedule_id = ?1 AND fire_time_us = ?2"));
  MP_RETURN_IF_ERROR(update.BindText(1, s.schedule_id())
                         .Bind(2, absl::ToUnixMicros(fire_time))
                         .Bind(3, record.outcome())
                         .BindText(4, record.run_id())
                         .BindText(5, record.message())
                         .Run());
  LogInfo("schedule ", s.schedule_id(), manual ? " triggered at " : " fired for ",
          Rfc3339(fire_time), ": ", v1::FireRecord::Outcome_Name(record.outcome()),
          record.run_id().empty() ? "" : absl::StrCat(" run ", record.run_id()),
          record.message().empty() ? "" : absl::StrCat(" (", record.message(), ")"));
  return record;
}

absl::Status ScheduleFiring::FireScheduleLocked(const ScheduleRow& row, absl::Time now) {
  const v1::Schedule& s = row.schedule;
  MP_ASSIGN_OR_RETURN(FireTiming timing, FireTiming::ForSchedule(s));
  std::vector<absl::Time> due;
  absl::Time t = row.next_fire;
  while (t <= now && static_cast<int>(due.size()) < kMaxDueScanned) {
    due.push_back(t);
    t = timing.NextAfter(t);
  }
  if (t <= now) t = timing.NextAfter(now);
  const absl::Time next = t;
  const absl::Time latest = due.back();
  const absl::Duration starting_deadline = FromProtoDuration(s.starting_deadline());

  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(state_->db.get(), true));
  // Only the latest due time may still fire; the earlier ones were missed.
  const int first_recorded = std::max(0, static_cast<int>(due.size()) - 1 - kMaxMissedRecorded);
  for (int i = first_recorded; i + 1 < static_cast<int>(due.size()); ++i) {
    MP_RETURN_IF_ERROR(state_->schedules
                           .RecordFire(s.schedule_id(), due[i], v1::FireRecord::OUTCOME_MISSED, "",
                                       "a later fire time was already due when the scheduler "
                                       "looked (it was down or paused)",
                                       now)
                           .status());
  }
  if (due.size() > 1) {
    LogWarning("schedule ", s.schedule_id(), ": ", due.size() - 1,
               " fire times missed, the last at ", Rfc3339(due[due.size() - 2]));
  }
  if (now - latest <= starting_deadline) {
    absl::StatusOr<v1::FireRecord> fired = FireAtLocked(row, latest, /*manual=*/false);
    if (absl::IsAborted(fired.status())) {
      LogWarning("schedule ", s.schedule_id(), ": fire time ", Rfc3339(latest),
                 " was already handled; not firing it again");
    } else if (!fired.ok()) {
      state_->publisher.Discard();
      return fired.status();
    }
  } else {
    MP_RETURN_IF_ERROR(state_->schedules
                           .RecordFire(s.schedule_id(), latest, v1::FireRecord::OUTCOME_MISSED, "",
                                       absl::StrCat("found ", absl::FormatDuration(now - latest),
                                                    " late, past the starting deadline of ",
                                                    absl::FormatDuration(starting_deadline)),
                                       now)
                           .status());
    LogWarning("schedule ", s.schedule_id(), ": fire time ", Rfc3339(latest),
               " missed (past its starting deadline)");
  }
  MP_RETURN_IF_ERROR(state_->schedules.SetNextFire(s.schedule_id(), next));
  return state_->publisher.Commit(tx);
}

void ScheduleFiring::FireDueLocked(absl::Time now) {
  absl::StatusOr<std::vector<ScheduleRow>> due = state_->schedules.Due(now);
  if (!due.ok()) {
    LogError("reading due schedules failed: ", due.status().ToString());
    return;
  }
  for (const ScheduleRow& row : *due) {
    absl::Status status = FireScheduleLocked(row, now);
    if (!status.ok()) {
      // Never stop silently: say so (in the log and in the schedule's view), and try
      // again at the next tick.
      state_->publisher.Discard();
      LogError("schedule ", row.schedule.schedule_id(), " could not fire: ", status.ToString());
      RecordFireErrorLocked(row, status, now);
    }
  }
}

void ScheduleFiring::RecordFireErrorLocked(const ScheduleRow& row, const absl::Status& error,
                                           absl::Time now) {
  // An internal error's text may name tables or files: the view says only where to look.
  const std::string message =
      absl::IsInternal(error)
          ? "internal error (the scheduler's log has the details); tried again at the next tick"
          : absl::StrCat(error.message(), "; tried again at the next tick");
  absl::StatusOr<Transaction> tx = Transaction::Begin(state_->db.get(), true);
  absl::Status status = tx.status();
  if (status.ok()) {
    status =
        state_->schedules.SetFireError(row.schedule.schedule_id(), row.next_fire, message, now);
  }
  // Once per fire time: the event id is the schedule and the fire time, so the retries at
  // every later tick queue nothing more.
  if (status.ok()) {
    status = NotifyScheduleNotFiredLocked(state_, row.schedule, row.next_fire, message);
  }
  if (status.ok()) status = state_->publisher.Commit(*tx);
  if (!status.ok()) {
    state_->publisher.Discard();
    LogError("schedule ", row.schedule.schedule_id(),
             ": recording why it could not fire failed too: ", status.ToString());
  }
}

absl::StatusOr<std::string> ScheduleFiring::TriggerLocked(const std::string& schedule_id,
                                                          const CallerScope& scope) {
  MP_ASSIGN_OR_RETURN(ScheduleRow row, schedules_->FindLocked(schedule_id, scope));
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(state_->db.get(), true));
  absl::StatusOr<v1::FireRecord> fired = FireAtLocked(row, state_->clock->Now(), /*manual=*/true);
  if (!fired.ok()) {
    state_->publisher.Discard();
    return fired.status();
  }
  if (fired->outcome() != v1::FireRecord::OUTCOME_STARTED) {
    state_->publisher.Discard();
    return fired->outcome() == v1::FireRecord::OUTCOME_SKIPPED_ACTIVE
               ? absl::FailedPreconditionError(
                     absl::StrCat("concurrency_policy FORBID: ", fired->message()))
               : absl::FailedPreconditionError(fired->message());
  }
  MP_RETURN_IF_ERROR(state_->publisher.Commit(tx));
  return fired->run_id();
}

}  // namespace meshproof::scheduler
