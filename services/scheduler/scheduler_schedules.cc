// Schedules: definitions, the fire loop's decisions (missed fire times, concurrency
// policy, at most one run per fire time) and the schedule views.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"
#include "services/common/time_util.h"
#include "services/scheduler/fire_timing.h"
#include "services/scheduler/scheduler.h"
#include "services/scheduler/submit_limits.h"

namespace meshproof::scheduler {

namespace rv1 = meshproof::result::v1;

namespace {

// Missed fire times recorded per catch-up, newest kept: a week of downtime under a
// once-a-minute schedule must not write ten thousand rows.
constexpr int kMaxMissedRecorded = 10;
constexpr int kMaxDueScanned = 100000;

absl::Status ValidateScheduleId(const std::string& id) {
  if (id.empty() || id.size() > 63) {
    return absl::InvalidArgumentError("schedule_id: 1 to 63 characters of [a-z0-9-]");
  }
  for (char c : id) {
    if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
          absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return absl::InvalidArgumentError(absl::StrCat(
          "schedule_id: \"", id, "\" may contain only lower-case letters, digits and '-'"));
    }
  }
  return absl::OkStatus();
}

std::string Rfc3339(absl::Time t) { return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone()); }

v1::StartRunRequest RunRequestFor(const v1::Schedule& s) {
  v1::StartRunRequest req;
  req.set_scenario(s.scenario());
  req.mutable_vars()->insert(s.vars().begin(), s.vars().end());
  if (s.has_target()) *req.mutable_target() = s.target();
  req.mutable_labels()->insert(s.labels().begin(), s.labels().end());
  return req;
}

}  // namespace

absl::StatusOr<v1::Schedule> Scheduler::ScheduleViewLocked(const ScheduleRow& row) {
  v1::Schedule view = row.schedule;
  view.set_paused(row.paused);
  if (!row.paused) {
    absl::StatusOr<FireTiming> timing = FireTiming::ForSchedule(row.schedule);
    if (timing.ok()) {
      for (absl::Time t : timing->Upcoming(row.next_fire, 5)) {
        *view.add_next_fire_times() = ToProtoTimestamp(t);
      }
    }
  }
  MP_ASSIGN_OR_RETURN(std::vector<v1::FireRecord> recent,
                      schedules_.Recent(row.schedule.schedule_id(), 10));
  for (v1::FireRecord& record : recent) {
    if (!record.run_id().empty()) {
      MP_ASSIGN_OR_RETURN(std::optional<RunRow> run, runs_.Find(record.run_id()));
      if (run) record.set_run_state(run->run.state());
    }
    *view.add_recent() = std::move(record);
  }
  return view;
}

absl::StatusOr<v1::Schedule> Scheduler::CreateSchedule(const v1::CreateScheduleRequest& req) {
  MP_RETURN_IF_ERROR(ValidateScheduleId(req.schedule_id()));
  if (req.scenario().empty()) return absl::InvalidArgumentError("scenario: is required");
  MP_RETURN_IF_ERROR(CheckScheduleRequest(req));
  if (!v1::ConcurrencyPolicy_IsValid(req.concurrency_policy())) {
    return absl::InvalidArgumentError("concurrency_policy: unknown value");
  }
  const absl::Duration starting_deadline =
      DurationOr(req.starting_deadline(), absl::Minutes(5));
  if (starting_deadline < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("starting_deadline: must not be negative");
  }
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_->Now();
  MP_ASSIGN_OR_RETURN(std::optional<v1::ScenarioVersion> scenario, catalog_.Get(req.scenario(), ""));
  if (!scenario) {
    return absl::NotFoundError(absl::StrCat("scenario: \"", req.scenario(), "\" not found"));
  }
  ScheduleRow row;
  v1::Schedule& s = row.schedule;
  s.set_schedule_id(req.schedule_id());
  s.set_scenario(req.scenario());
  s.set_team(scenario->team());
  if (req.has_interval()) {
    *s.mutable_interval() = req.interval();
  } else {
    s.set_cron(req.cron());
    s.set_time_zone(req.time_zone().empty() ? "UTC" : req.time_zone());
  }
  s.set_concurrency_policy(req.concurrency_policy() == v1::CONCURRENCY_POLICY_UNSPECIFIED
                               ? v1::CONCURRENCY_POLICY_FORBID
                               : req.concurrency_policy());
  *s.mutable_starting_deadline() = ToProtoDuration(starting_deadline);
  s.mutable_vars()->insert(req.vars().begin(), req.vars().end());
  if (req.has_target()) *s.mutable_target() = req.target();
  s.mutable_labels()->insert(req.labels().begin(), req.labels().end());
  *s.mutable_created_at() = ToProtoTimestamp(absl::FromUnixMicros(absl::ToUnixMicros(now)));
  MP_ASSIGN_OR_RETURN(FireTiming timing, FireTiming::ForSchedule(s));
  row.next_fire = timing.NextAfter(now);
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get(), true));
  MP_RETURN_IF_ERROR(schedules_.Insert(row));
  MP_RETURN_IF_ERROR(CommitLocked(tx));
  LogInfo("schedule ", s.schedule_id(), " created for ", s.scenario(), " (",
          s.has_interval() ? absl::StrCat("every ", absl::FormatDuration(FromProtoDuration(s.interval())))
                           : absl::StrCat("cron \"", s.cron(), "\" in ", s.time_zone()),
          ", ", v1::ConcurrencyPolicy_Name(s.concurrency_policy()), "); next fire ",
          Rfc3339(row.next_fire));
  return ScheduleViewLocked(row);
}

absl::StatusOr<v1::ListSchedulesResponse> Scheduler::ListSchedules(
    const v1::ListSchedulesRequest& req) {
  const int limit = req.page_size() == 0 ? 50 : static_cast<int>(std::min(req.page_size(), 500u));
  absl::MutexLock lock(&mu_);
  MP_ASSIGN_OR_RETURN(std::vector<ScheduleRow> page,
                      schedules_.List(req.scenario(), req.page_token(), limit + 1));
  v1::ListSchedulesResponse response;
  for (int i = 0; i < static_cast<int>(page.size()) && i < limit; ++i) {
    MP_ASSIGN_OR_RETURN(*response.add_schedules(), ScheduleViewLocked(page[i]));
  }
  if (static_cast<int>(page.size()) > limit) {
    response.set_next_page_token(page[limit - 1].schedule.schedule_id());
  }
  return response;
}

absl::StatusOr<v1::Schedule> Scheduler::GetSchedule(const std::string& schedule_id) {
  absl::MutexLock lock(&mu_);
  MP_ASSIGN_OR_RETURN(std::optional<ScheduleRow> row, schedules_.Find(schedule_id));
  if (!row) return absl::NotFoundError(absl::StrCat("schedule \"", schedule_id, "\" not found"));
  return ScheduleViewLocked(*row);
}

absl::StatusOr<v1::Schedule> Scheduler::PauseSchedule(const std::string& schedule_id) {
  absl::MutexLock lock(&mu_);
  MP_ASSIGN_OR_RETURN(std::optional<ScheduleRow> row, schedules_.Find(schedule_id));
  if (!row) return absl::NotFoundError(absl::StrCat("schedule \"", schedule_id, "\" not found"));
  if (!row->paused) {
    MP_RETURN_IF_ERROR(schedules_.SetPaused(schedule_id, true, row->next_fire));
    row->paused = true;
    LogInfo("schedule ", schedule_id, " paused");
  }
  return ScheduleViewLocked(*row);
}

absl::StatusOr<v1::Schedule> Scheduler::ResumeSchedule(const std::string& schedule_id) {
  absl::MutexLock lock(&mu_);
  MP_ASSIGN_OR_RETURN(std::optional<ScheduleRow> row, schedules_.Find(schedule_id));
  if (!row) return absl::NotFoundError(absl::StrCat("schedule \"", schedule_id, "\" not found"));
  if (row->paused) {
    MP_ASSIGN_OR_RETURN(FireTiming timing, FireTiming::ForSchedule(row->schedule));
    row->next_fire = timing.NextAfter(clock_->Now());
    row->paused = false;
    MP_RETURN_IF_ERROR(schedules_.SetPaused(schedule_id, false, row->next_fire));
    LogInfo("schedule ", schedule_id, " resumed; next fire ", Rfc3339(row->next_fire));
  }
  return ScheduleViewLocked(*row);
}

absl::Status Scheduler::DeleteSchedule(const std::string& schedule_id) {
  absl::MutexLock lock(&mu_);
  MP_ASSIGN_OR_RETURN(bool deleted, schedules_.Delete(schedule_id));
  if (!deleted) return absl::NotFoundError(absl::StrCat("schedule \"", schedule_id, "\" not found"));
  LogInfo("schedule ", schedule_id, " deleted");
  return absl::OkStatus();
}

absl::StatusOr<v1::FireRecord> Scheduler::FireAtLocked(const ScheduleRow& row,
                                                       absl::Time fire_time, bool manual) {
  // fire_time may move forward below (manual triggers only).
  const v1::Schedule& s = row.schedule;
  const absl::Time now = clock_->Now();
  v1::FireRecord record;
  *record.mutable_fire_time() = ToProtoTimestamp(fire_time);
  // The INSERT decides: a fire time already recorded (by an earlier life of this process)
  // is never handled again. Its outcome is filled in below, in this same transaction.
  MP_ASSIGN_OR_RETURN(bool first, schedules_.RecordFire(s.schedule_id(), fire_time,
                                                        v1::FireRecord::OUTCOME_UNSPECIFIED, "",
                                                        "", now));
  // A manual trigger is recorded at its own instant; if a scheduled fire holds that exact
  // key, the trigger takes the next free microsecond instead of being refused.
  for (int i = 0; manual && !first && i < 1000; ++i) {
    fire_time += absl::Microseconds(1);
    MP_ASSIGN_OR_RETURN(first, schedules_.RecordFire(s.schedule_id(), fire_time,
                                                     v1::FireRecord::OUTCOME_UNSPECIFIED, "",
                                                     "", now));
  }
  if (!first) return absl::AbortedError("fire time already handled");
  *record.mutable_fire_time() = ToProtoTimestamp(fire_time);
  MP_ASSIGN_OR_RETURN(std::vector<RunRow> active, runs_.ActiveForSchedule(s.schedule_id()));
  if (!active.empty() && s.concurrency_policy() == v1::CONCURRENCY_POLICY_FORBID) {
    record.set_outcome(v1::FireRecord::OUTCOME_SKIPPED_ACTIVE);
    record.set_run_id(active.front().run.run_id());
    record.set_message(absl::StrCat("run ", active.front().run.run_id(), " is still ",
                                    v1::RunState_Name(active.front().run.state())));
  } else {
    if (s.concurrency_policy() == v1::CONCURRENCY_POLICY_REPLACE) {
      for (RunRow& old : active) {
        MP_RETURN_IF_ERROR(EndRunLocked(
            &old, v1::RUN_STATE_CANCELLED,
            absl::StrCat("replaced by schedule ", s.schedule_id(), "'s fire at ", Rfc3339(fire_time)),
            nullptr));
      }
    }
    absl::StatusOr<RunRow> run =
        CreateRunLocked(RunRequestFor(s), manual ? rv1::TRIGGER_MANUAL : rv1::TRIGGER_SCHEDULE,
                        s.schedule_id(), s.team());
    if (run.ok()) {
      record.set_outcome(v1::FireRecord::OUTCOME_STARTED);
      record.set_run_id(run->run.run_id());
      record.set_run_state(run->run.state());
    } else if (absl::IsInternal(run.status()) || absl::IsUnavailable(run.status())) {
      return run.status();
    } else {
      record.set_outcome(v1::FireRecord::OUTCOME_FAILED);
      record.set_message(std::string(run.status().message()));
    }
  }
  MP_ASSIGN_OR_RETURN(Statement update,
                      db_->Prepare("UPDATE fire_records SET outcome = ?3, run_id = ?4, message = ?5"
                                   " WHERE schedule_id = ?1 AND fire_time_us = ?2"));
  MP_RETURN_IF_ERROR(update.BindText(1, s.schedule_id())
                         .Bind(2, absl::ToUnixMicros(fire_time))
                         .Bind(3, record.outcome())
                         .BindText(4, record.run_id())
                         .BindText(5, record.message())
                         .Run());
  LogInfo("schedule ", s.schedule_id(), manual ? " triggered at " : " fired for ", Rfc3339(fire_time),
          ": ", v1::FireRecord::Outcome_Name(record.outcome()),
          record.run_id().empty() ? "" : absl::StrCat(" run ", record.run_id()),
          record.message().empty() ? "" : absl::StrCat(" (", record.message(), ")"));
  return record;
}

absl::Status Scheduler::FireScheduleLocked(const ScheduleRow& row, absl::Time now) {
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

  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get(), true));
  // Only the latest due time may still fire; the earlier ones were missed.
  const int first_recorded = std::max(0, static_cast<int>(due.size()) - 1 - kMaxMissedRecorded);
  for (int i = first_recorded; i + 1 < static_cast<int>(due.size()); ++i) {
    MP_RETURN_IF_ERROR(schedules_
                           .RecordFire(s.schedule_id(), due[i], v1::FireRecord::OUTCOME_MISSED, "",
                                       "a later fire time was already due when the scheduler "
                                       "looked (it was down or paused)",
                                       now)
                           .status());
  }
  if (due.size() > 1) {
    LogWarning("schedule ", s.schedule_id(), ": ", due.size() - 1, " fire times missed, the last at ",
               Rfc3339(due[due.size() - 2]));
  }
  if (now - latest <= starting_deadline) {
    absl::StatusOr<v1::FireRecord> fired = FireAtLocked(row, latest, /*manual=*/false);
    if (absl::IsAborted(fired.status())) {
      LogWarning("schedule ", s.schedule_id(), ": fire time ", Rfc3339(latest),
                 " was already handled; not firing it again");
    } else if (!fired.ok()) {
      DiscardPendingLocked();
      return fired.status();
    }
  } else {
    MP_RETURN_IF_ERROR(schedules_
                           .RecordFire(s.schedule_id(), latest, v1::FireRecord::OUTCOME_MISSED, "",
                                       absl::StrCat("found ", absl::FormatDuration(now - latest),
                                                    " late, past the starting deadline of ",
                                                    absl::FormatDuration(starting_deadline)),
                                       now)
                           .status());
    LogWarning("schedule ", s.schedule_id(), ": fire time ", Rfc3339(latest),
               " missed (past its starting deadline)");
  }
  MP_RETURN_IF_ERROR(schedules_.SetNextFire(s.schedule_id(), next));
  return CommitLocked(tx);
}

void Scheduler::FireDueLocked(absl::Time now) {
  absl::StatusOr<std::vector<ScheduleRow>> due = schedules_.Due(now);
  if (!due.ok()) {
    LogError("reading due schedules failed: ", due.status().ToString());
    return;
  }
  for (const ScheduleRow& row : *due) {
    absl::Status status = FireScheduleLocked(row, now);
    if (!status.ok()) {
      // Never stop silently: say so, and try again at the next tick.
      DiscardPendingLocked();
      LogError("schedule ", row.schedule.schedule_id(), " could not fire: ", status.ToString());
    }
  }
}

absl::StatusOr<v1::Run> Scheduler::TriggerSchedule(const std::string& schedule_id) {
  absl::MutexLock lock(&mu_);
  MP_ASSIGN_OR_RETURN(std::optional<ScheduleRow> row, schedules_.Find(schedule_id));
  if (!row) return absl::NotFoundError(absl::StrCat("schedule \"", schedule_id, "\" not found"));
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get(), true));
  absl::StatusOr<v1::FireRecord> fired = FireAtLocked(*row, clock_->Now(), /*manual=*/true);
  if (!fired.ok()) {
    DiscardPendingLocked();
    return fired.status();
  }
  if (fired->outcome() != v1::FireRecord::OUTCOME_STARTED) {
    DiscardPendingLocked();
    return fired->outcome() == v1::FireRecord::OUTCOME_SKIPPED_ACTIVE
               ? absl::FailedPreconditionError(
                     absl::StrCat("concurrency_policy FORBID: ", fired->message()))
               : absl::FailedPreconditionError(fired->message());
  }
  MP_RETURN_IF_ERROR(CommitLocked(tx));
  DispatchLocked();
  MP_ASSIGN_OR_RETURN(std::optional<RunRow> run, runs_.Find(fired->run_id()));
  if (!run) return absl::InternalError("a triggered run vanished");
  return run->run;
}

}  // namespace meshproof::scheduler
