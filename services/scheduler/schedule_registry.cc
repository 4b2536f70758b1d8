// Schedule definitions: validation, creation, pause and resume, deletion and the views.
#include "services/scheduler/schedule_registry.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/log.h"
#include "services/common/redaction.h"
#include "services/common/status_macros.h"
#include "services/common/time_util.h"
#include "services/scenario/secrets.h"
#include "services/scheduler/approval_wait.h"
#include "services/scheduler/fire_timing.h"
#include "services/scheduler/page_size.h"
#include "services/scheduler/submit_limits.h"

namespace meshproof::scheduler {

namespace {

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

}  // namespace

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
}

absl::StatusOr<ScheduleRow> ScheduleRegistry::FindLocked(const std::string& schedule_id,
                                                         const CallerScope& scope) {
  MP_ASSIGN_OR_RETURN(std::optional<ScheduleRow> row, state_->schedules.Find(schedule_id));
  if (row && !scope.Sees(row->schedule.team(), absl::StrCat("schedule ", schedule_id))) {
    row.reset();
  }
  if (!row) return absl::NotFoundError(absl::StrCat("schedule \"", schedule_id, "\" not found"));
  return *std::move(row);
}

absl::StatusOr<v1::Schedule> ScheduleRegistry::ViewLocked(const ScheduleRow& row) {
  v1::Schedule view = row.schedule;
  // The stored definition keeps the secret values to start each run; no view shows them.
  const std::set<std::string> secret_names(view.secret_vars().begin(), view.secret_vars().end());
  const Redactor redactor(meshproof::scenario::SecretValues(
      std::map<std::string, std::string>(view.vars().begin(), view.vars().end()), secret_names));
  meshproof::scenario::MaskSecretVars(secret_names, view.mutable_vars());
  redactor.RedactMessage(&view);
  // The names that scope and find the schedule stay as they are.
  view.set_schedule_id(row.schedule.schedule_id());
  view.set_scenario(row.schedule.scenario());
  view.set_team(row.schedule.team());
  view.set_paused(row.paused);
  if (!row.paused) {
    absl::StatusOr<FireTiming> timing = FireTiming::ForSchedule(row.schedule);
    if (timing.ok()) {
      for (absl::Time t : timing->Upcoming(row.next_fire, 5)) {
        *view.add_next_fire_times() = ToProtoTimestamp(t);
      }
    }
  }
  const ApprovalWait wait = ApprovalWaitFor(row.schedule);
  *view.mutable_approval_timeout() = ToProtoDuration(wait.timeout);
  view.set_on_approval_timeout(wait.policy);
  MP_ASSIGN_OR_RETURN(std::vector<v1::FireRecord> recent,
                      state_->schedules.Recent(row.schedule.schedule_id(), 10));
  for (v1::FireRecord& record : recent) {
    if (!record.run_id().empty()) {
      MP_ASSIGN_OR_RETURN(
          std::optional<RunRow> run,
          runs_->FindLocked(record.run_id(), CallerScope::Everyone(), ScenarioColumn::kSkip));
      if (run) record.set_run_state(run->run.state());
    }
    *view.add_recent() = std::move(record);
  }
  // The last fire: a failure to handle a fire time is newer than every record (the
  // records are written only when a fire time is handled, which clears the failure).
  if (!row.fire_error.empty()) {
    v1::FireRecord* last = view.mutable_last_fire();
    *last->mutable_fire_time() = ToProtoTimestamp(row.fire_error_fire_time);
    last->set_outcome(v1::FireRecord::OUTCOME_NOT_FIRED);
    last->set_message(absl::StrCat("could not fire (last tried ", Rfc3339(row.fire_error_at),
                                   "): ", row.fire_error));
  } else if (!view.recent().empty()) {
    *view.mutable_last_fire() = view.recent(0);
  }
  MP_ASSIGN_OR_RETURN(std::string waiting, WaitingForLocked(row));
  view.set_waiting_for(std::move(waiting));
  return view;
}

absl::StatusOr<std::string> ScheduleRegistry::WaitingForLocked(const ScheduleRow& row) {
  MP_ASSIGN_OR_RETURN(std::vector<RunRow> active,
                      state_->runs.ActiveForSchedule(row.schedule.schedule_id()));
  std::vector<std::string> parts;
  for (const RunRow& r : active) {
    const v1::Run& run = r.run;
    switch (run.state()) {
      case v1::RUN_STATE_AWAITING_APPROVAL:
        parts.push_back(run.has_approval_deadline()
                            ? absl::StrCat("run ", run.run_id(), " awaits approval until ",
                                           Rfc3339(FromProtoTimestamp(run.approval_deadline())),
                                           ", then ",
                                           ApprovalPolicyEffect(run.on_approval_timeout()),
                                           " (meshproof run approve|reject ", run.run_id(), ")")
                            : absl::StrCat("run ", run.run_id(), " awaits approval (meshproof run ",
                                           "approve|reject ", run.run_id(), ")"));
        break;
      case v1::RUN_STATE_QUEUED:
        parts.push_back(
            absl::StrCat("run ", run.run_id(), " is queued for a matching agent",
                         run.has_deadline()
                             ? absl::StrCat(" until ", Rfc3339(FromProtoTimestamp(run.deadline())))
                             : ""));
        break;
      case v1::RUN_STATE_RUNNING:
        parts.push_back(
            absl::StrCat("run ", run.run_id(), " is running on agent ", run.agent_id()));
        break;
      default: parts.push_back(absl::StrCat("run ", run.run_id(), " is ", StateName(run.state())));
    }
  }
  if (row.paused) {
    parts.push_back("paused: fires again after meshproof schedule resume");
  } else if (!row.fire_error.empty()) {
    parts.push_back(absl::StrCat("the fire due at ", Rfc3339(row.fire_error_fire_time),
                                 " to be handled (retried every tick)"));
  } else {
    parts.push_back(absl::StrCat("the next fire at ", Rfc3339(row.next_fire)));
  }
  return absl::StrJoin(parts, "; ");
}

absl::StatusOr<v1::Schedule> ScheduleRegistry::Create(const v1::CreateScheduleRequest& req,
                                                      const CallerScope& scope) {
  MP_RETURN_IF_ERROR(ValidateScheduleId(req.schedule_id()));
  if (req.scenario().empty()) return absl::InvalidArgumentError("scenario: is required");
  MP_RETURN_IF_ERROR(CheckScheduleRequest(req));
  MP_RETURN_IF_ERROR(CheckApprovalWait(req));
  if (!v1::ConcurrencyPolicy_IsValid(req.concurrency_policy())) {
    return absl::InvalidArgumentError("concurrency_policy: unknown value");
  }
  const absl::Duration starting_deadline = DurationOr(req.starting_deadline(), absl::Minutes(5));
  if (starting_deadline < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("starting_deadline: must not be negative");
  }
  absl::MutexLock lock(&state_->mu);
  const absl::Time now = state_->clock->Now();
  MP_ASSIGN_OR_RETURN(std::optional<v1::ScenarioVersion> scenario,
                      scenarios_->LookupLocked(req.scenario(), "", scope));
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
  // Stored with defaults filled in, so a later change of default leaves it as created.
  if (req.has_approval_timeout()) *s.mutable_approval_timeout() = req.approval_timeout();
  s.set_on_approval_timeout(req.on_approval_timeout());
  const ApprovalWait wait = ApprovalWaitFor(s);
  *s.mutable_approval_timeout() = ToProtoDuration(wait.timeout);
  s.set_on_approval_timeout(wait.policy);
  s.mutable_vars()->insert(req.vars().begin(), req.vars().end());
  std::set<std::string> secret_names(req.secret_vars().begin(), req.secret_vars().end());
  secret_names.insert(scenario->scenario().secret_vars().begin(),
                      scenario->scenario().secret_vars().end());
  MP_RETURN_IF_ERROR(meshproof::scenario::CheckSecretVars(
      std::map<std::string, std::string>(req.vars().begin(), req.vars().end()), secret_names,
      "secret_vars"));
  for (const std::string& name : secret_names) s.add_secret_vars(name);
  AddLogSecrets(meshproof::scenario::SecretValues(
      std::map<std::string, std::string>(req.vars().begin(), req.vars().end()), secret_names));
  if (req.has_target()) *s.mutable_target() = req.target();
  s.mutable_labels()->insert(req.labels().begin(), req.labels().end());
  *s.mutable_created_at() = ToProtoTimestamp(absl::FromUnixMicros(absl::ToUnixMicros(now)));
  MP_ASSIGN_OR_RETURN(FireTiming timing, FireTiming::ForSchedule(s));
  row.next_fire = timing.NextAfter(now);
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(state_->db.get(), true));
  MP_RETURN_IF_ERROR(state_->schedules.Insert(row));
  MP_RETURN_IF_ERROR(state_->publisher.Commit(tx));
  LogInfo("schedule ", s.schedule_id(), " created for ", s.scenario(), " (",
          s.has_interval()
              ? absl::StrCat("every ", absl::FormatDuration(FromProtoDuration(s.interval())))
              : absl::StrCat("cron \"", s.cron(), "\" in ", s.time_zone()),
          ", ", v1::ConcurrencyPolicy_Name(s.concurrency_policy()), "); next fire ",
          Rfc3339(row.next_fire));
  return ViewLocked(row);
}

absl::StatusOr<v1::ListSchedulesResponse> ScheduleRegistry::List(
    const v1::ListSchedulesRequest& req, const CallerScope& scope) {
  const int limit = PageSize(req.page_size());
  const std::string team = scope.ListFilter();
  if (team.empty()) scope.AuditList("schedules");
  absl::MutexLock lock(&state_->mu);
  MP_ASSIGN_OR_RETURN(std::vector<ScheduleRow> page,
                      state_->schedules.List(team, req.scenario(), req.page_token(), limit + 1));
  v1::ListSchedulesResponse response;
  for (int i = 0; i < static_cast<int>(page.size()) && i < limit; ++i) {
    MP_ASSIGN_OR_RETURN(*response.add_schedules(), ViewLocked(page[i]));
  }
  if (static_cast<int>(page.size()) > limit) {
    response.set_next_page_token(page[limit - 1].schedule.schedule_id());
  }
  return response;
}

absl::StatusOr<v1::Schedule> ScheduleRegistry::Get(const std::string& schedule_id,
                                                   const CallerScope& scope) {
  absl::MutexLock lock(&state_->mu);
  MP_ASSIGN_OR_RETURN(ScheduleRow row, FindLocked(schedule_id, scope));
  return ViewLocked(row);
}

absl::StatusOr<v1::Schedule> ScheduleRegistry::Pause(const std::string& schedule_id,
                                                     const CallerScope& scope) {
  absl::MutexLock lock(&state_->mu);
  MP_ASSIGN_OR_RETURN(ScheduleRow row, FindLocked(schedule_id, scope));
  if (!row.paused) {
    MP_RETURN_IF_ERROR(state_->schedules.SetPaused(schedule_id, true, row.next_fire));
    row.paused = true;
    LogInfo("schedule ", schedule_id, " paused");
  }
  return ViewLocked(row);
}

absl::StatusOr<v1::Schedule> ScheduleRegistry::Resume(const std::string& schedule_id,
                                                      const CallerScope& scope) {
  absl::MutexLock lock(&state_->mu);
  MP_ASSIGN_OR_RETURN(ScheduleRow row, FindLocked(schedule_id, scope));
  if (row.paused) {
    MP_ASSIGN_OR_RETURN(FireTiming timing, FireTiming::ForSchedule(row.schedule));
    row.next_fire = timing.NextAfter(state_->clock->Now());
    row.paused = false;
    MP_RETURN_IF_ERROR(state_->schedules.SetPaused(schedule_id, false, row.next_fire));
    LogInfo("schedule ", schedule_id, " resumed; next fire ", Rfc3339(row.next_fire));
  }
  return ViewLocked(row);
}

absl::Status ScheduleRegistry::Delete(const std::string& schedule_id, const CallerScope& scope) {
  absl::MutexLock lock(&state_->mu);
  MP_RETURN_IF_ERROR(FindLocked(schedule_id, scope).status());
  MP_ASSIGN_OR_RETURN(bool deleted, state_->schedules.Delete(schedule_id));
  if (!deleted)
    return absl::NotFoundError(absl::StrCat("schedule \"", schedule_id, "\" not found"));
  LogInfo("schedule ", schedule_id, " deleted");
  return absl::OkStatus();
}

}  // namespace meshproof::scheduler
