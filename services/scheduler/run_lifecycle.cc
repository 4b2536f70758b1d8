// The run state machine: creating, approving, cancelling, expiring, requeueing and ending
// runs, and what each step records (results, outbox entries for the store, events).
#include "services/scheduler/run_lifecycle.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "meshproof/store/v1/store.pb.h"
#include "services/common/log.h"
#include "services/common/redaction.h"
#include "services/common/results/run_counts.h"
#include "services/common/status_macros.h"
#include "services/common/time_util.h"
#include "services/scenario/scenario_parser.h"
#include "services/scenario/secrets.h"
#include "services/scheduler/page_size.h"
#include "services/scheduler/submit_limits.h"
#include "services/scheduler/webhook_events.h"

namespace meshproof::scheduler {

namespace rv1 = meshproof::result::v1;
namespace sv1 = meshproof::store::v1;
namespace scv1 = meshproof::scenario::v1;

namespace {

constexpr size_t kMaxRequestIdLength = 128;

std::string FormatApprovalTime(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
}

bool NeedsApproval(const scv1::Scenario& scenario, const std::vector<std::string>& only_tests) {
  for (const scv1::Test& test : scenario.tests()) {
    if (!test.has_deferral() || !test.deferral().requires_approval()) continue;
    if (only_tests.empty() ||
        std::find(only_tests.begin(), only_tests.end(), test.name()) != only_tests.end()) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string StateName(v1::RunState state) {
  std::string name = v1::RunState_Name(state);
  return name.substr(name.rfind("RUN_STATE_") == 0 ? 10 : 0);
}

v1::RunState StateForVerdict(rv1::RunVerdict verdict) {
  switch (verdict) {
    case rv1::RUN_VERDICT_PASSED: return v1::RUN_STATE_PASSED;
    case rv1::RUN_VERDICT_FAILED: return v1::RUN_STATE_FAILED;
    case rv1::RUN_VERDICT_INCONCLUSIVE: return v1::RUN_STATE_INCONCLUSIVE;
    case rv1::RUN_VERDICT_CANCELLED: return v1::RUN_STATE_CANCELLED;
    case rv1::RUN_VERDICT_TIMED_OUT: return v1::RUN_STATE_TIMED_OUT;
    default: return v1::RUN_STATE_ERROR;
  }
}

rv1::RunVerdict VerdictForState(v1::RunState state) {
  switch (state) {
    case v1::RUN_STATE_PASSED: return rv1::RUN_VERDICT_PASSED;
    case v1::RUN_STATE_FAILED: return rv1::RUN_VERDICT_FAILED;
    case v1::RUN_STATE_INCONCLUSIVE: return rv1::RUN_VERDICT_INCONCLUSIVE;
    case v1::RUN_STATE_CANCELLED: return rv1::RUN_VERDICT_CANCELLED;
    case v1::RUN_STATE_TIMED_OUT: return rv1::RUN_VERDICT_TIMED_OUT;
    default: return rv1::RUN_VERDICT_ERROR;
  }
}

absl::StatusOr<int> RunLifecycle::RenewLeasesAfterRestartLocked() {
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(state_->db.get(), true));
  MP_ASSIGN_OR_RETURN(std::vector<RunRow> running, state_->runs.InStates({v1::RUN_STATE_RUNNING}));
  const absl::Time lease_end = state_->clock->Now() + state_->config.lease;
  for (RunRow& row : running) {
    if (row.lease_expiry < lease_end) row.lease_expiry = lease_end;
    MP_RETURN_IF_ERROR(state_->runs.Update(row));
  }
  MP_RETURN_IF_ERROR(tx.Commit());
  return static_cast<int>(running.size());
}

absl::StatusOr<std::optional<RunRow>> RunLifecycle::FindLocked(const std::string& run_id,
                                                               const CallerScope& scope,
                                                               ScenarioColumn scenario) {
  MP_ASSIGN_OR_RETURN(std::optional<RunRow> row, state_->runs.Find(run_id, scenario));
  if (row && !scope.Sees(row->run.team(), absl::StrCat("run ", run_id))) return std::nullopt;
  return row;
}

absl::StatusOr<v1::Run> RunLifecycle::CurrentLocked(const v1::Run& run) {
  MP_ASSIGN_OR_RETURN(std::optional<RunRow> now_row,
                      FindLocked(run.run_id(), CallerScope::Everyone(), ScenarioColumn::kSkip));
  return now_row ? now_row->run : run;
}

absl::StatusOr<RunLifecycle::Started> RunLifecycle::StartLocked(const v1::StartRunRequest& req,
                                                                rv1::Trigger trigger,
                                                                const CallerScope& scope) {
  if (!req.request_id().empty()) {
    MP_ASSIGN_OR_RETURN(std::optional<RunRow> existing,
                        state_->runs.FindByRequestId(req.request_id()));
    if (existing) {
      // request_id is unique across teams: another team's run is not shown.
      if (!scope.Sees(existing->run.team(), absl::StrCat("run ", existing->run.run_id()))) {
        return absl::AlreadyExistsError("request_id: already used; choose another");
      }
      return Started{existing->run, false};
    }
  }
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(state_->db.get(), true));
  absl::StatusOr<RunRow> row = CreateLocked(req, trigger, "", "", scope);
  if (!row.ok()) {
    state_->publisher.Discard();
    return row.status();
  }
  MP_RETURN_IF_ERROR(state_->publisher.Commit(tx));
  return Started{row->run, true};
}

void RunLifecycle::SetStateLocked(RunRow* row, v1::RunState state, const std::string& reason) {
  const v1::RunState old = row->run.state();
  row->run.set_state(state);
  // A reason may carry an agent's or a probe's words.
  row->run.set_reason(meshproof::scenario::ScenarioRedactor(row->scenario).Redact(reason));
  LogInfo("run ", row->run.run_id(), " (", row->run.scenario(), "): ", StateName(old), " -> ",
          StateName(state), reason.empty() ? "" : absl::StrCat(": ", row->run.reason()));
  v1::RunEvent event;
  *event.mutable_run() = row->run;
  state_->publisher.QueueEvent(row->run.run_id(), std::move(event));
}

absl::Status RunLifecycle::EnsureStoreBegunLocked(RunRow* row) {
  if (row->store_begun) return absl::OkStatus();
  sv1::BeginRunRequest begin;
  sv1::RunRecord* rec = begin.mutable_run();
  const v1::Run& run = row->run;
  rec->set_run_id(run.run_id());
  rec->set_scenario(run.scenario());
  rec->set_scenario_version(run.scenario_version());
  rec->set_team(run.team());
  rec->set_agent_id(run.agent_id());
  rec->set_trigger(run.trigger());
  rec->set_schedule_id(run.schedule_id());
  rec->mutable_labels()->insert(run.labels().begin(), run.labels().end());
  *rec->mutable_started_at() =
      run.has_started_at() ? run.started_at() : ToProtoTimestamp(state_->clock->Now());
  for (const scv1::Claim& claim : row->scenario.claims()) *rec->add_claims() = claim;
  if (!run.only_tests().empty()) {
    // A partial run's other tests are not results; the store records which they were.
    const std::set<std::string> only(run.only_tests().begin(), run.only_tests().end());
    std::set<std::string> left_out;
    for (const scv1::Test& test : row->scenario.tests()) {
      if (only.count(test.name()) == 0) left_out.insert(test.name());
    }
    for (const std::string& name : left_out) rec->add_not_selected_tests(name);
  }
  auto agent = state_->agents.find(run.agent_id());
  if (agent != state_->agents.end()) {
    rec->set_cluster(agent->second.info.cluster());
    rec->set_namespace_(agent->second.info.namespace_());
    rec->mutable_environment()->set_cluster(agent->second.info.cluster());
    rec->mutable_environment()->set_namespace_(agent->second.info.namespace_());
    rec->mutable_environment()->set_agent_version(agent->second.info.version());
    rec->mutable_environment()->set_kind(agent->second.info.environment_kind());
  } else {
    rec->set_cluster(run.target().cluster());
    rec->set_namespace_(run.target().namespace_());
  }
  MP_RETURN_IF_ERROR(state_->outbox.Add(run.run_id(), OutboxKind::kBegin, 0,
                                        begin.SerializeAsString(), state_->clock->Now()));
  row->store_begun = true;
  state_->publisher.NoteOutbox();
  return absl::OkStatus();
}

absl::StatusOr<bool> RunLifecycle::RecordResultLocked(RunRow* row,
                                                      const rv1::TestResult& reported) {
  const auto& only = row->run.only_tests();
  if (reported.phase() == rv1::PHASE_TEST && !only.empty() &&
      std::find(only.begin(), only.end(), reported.test()) == only.end()) {
    // An agent that still reports unselected tests (SKIPPED "not selected"): those are
    // not results, and must not become the test's latest result in the store.
    return false;
  }
  // The agent redacts before sending; this is the scheduler's own guard before anything
  // is kept, forwarded to the store or shown to a watcher.
  rv1::TestResult result = reported;
  meshproof::scenario::ScenarioRedactor(row->scenario).RedactMessage(&result);
  MP_ASSIGN_OR_RETURN(bool inserted,
                      state_->runs.InsertResult(row->run.run_id(), row->run.attempt(), result,
                                                state_->clock->Now()));
  if (!inserted) return false;
  MP_RETURN_IF_ERROR(EnsureStoreBegunLocked(row));
  MP_RETURN_IF_ERROR(state_->outbox.Add(row->run.run_id(), OutboxKind::kAppend, row->run.attempt(),
                                        result.SerializeAsString(), state_->clock->Now()));
  state_->publisher.NoteOutbox();
  v1::RunEvent event;
  *event.mutable_result() = result;
  state_->publisher.QueueEvent(row->run.run_id(), std::move(event));
  return true;
}

absl::Status RunLifecycle::EndRunLocked(RunRow* row, v1::RunState state, const std::string& reason,
                                        const rv1::ScenarioOutcome* outcome) {
  const absl::Time now = state_->clock->Now();
  const bool was_running = row->run.state() == v1::RUN_STATE_RUNNING;
  rv1::RunCounts counts;
  if (outcome != nullptr) {
    counts = outcome->counts();
  } else {
    // No agent will report the tests that did not run: record them NOT_RUN with why.
    MP_ASSIGN_OR_RETURN(std::vector<rv1::TestResult> have,
                        state_->runs.Results(row->run.run_id(), row->run.attempt()));
    std::set<std::string> reported;
    for (const rv1::TestResult& r : have) {
      if (r.phase() == rv1::PHASE_TEST) reported.insert(r.test());
    }
    const auto& only = row->run.only_tests();
    for (const scv1::Test& test : row->scenario.tests()) {
      if (reported.count(test.name()) > 0) continue;
      if (!only.empty() && std::find(only.begin(), only.end(), test.name()) == only.end()) {
        continue;
      }
      rv1::TestResult r;
      r.set_scenario(row->scenario.name());
      r.set_test(test.name());
      r.set_phase(rv1::PHASE_TEST);
      r.set_verdict(rv1::TEST_VERDICT_NOT_RUN);
      r.set_reason(reason);
      r.set_proves(test.proves());
      for (const std::string& claim : test.claims()) r.add_claims(claim);
      *r.mutable_finished_at() = ToProtoTimestamp(now);
      MP_RETURN_IF_ERROR(RecordResultLocked(row, r).status());
    }
    MP_ASSIGN_OR_RETURN(have, state_->runs.Results(row->run.run_id(), row->run.attempt()));
    counts = results::CountTests(have);
  }
  if (was_running && outcome == nullptr && !row->run.agent_id().empty()) {
    v1::SchedulerMessage cancel;
    cancel.mutable_cancel()->set_assignment_id(row->assignment_id);
    cancel.mutable_cancel()->set_reason(reason);
    state_->publisher.QueueSend(row->run.agent_id(), std::move(cancel));
  }
  *row->run.mutable_counts() = counts;
  *row->run.mutable_finished_at() = ToProtoTimestamp(now);
  row->lease_expiry = absl::InfinitePast();
  SetStateLocked(row, state, reason);
  MP_RETURN_IF_ERROR(EnsureStoreBegunLocked(row));
  sv1::FinishRunRequest finish;
  finish.set_run_id(row->run.run_id());
  finish.set_verdict(VerdictForState(state));
  *finish.mutable_counts() = counts;
  finish.set_reason(reason);
  *finish.mutable_finished_at() = ToProtoTimestamp(now);
  if (outcome != nullptr) {
    for (const rv1::ClaimResult& claim : outcome->claims()) *finish.add_claims() = claim;
    if (outcome->has_environment()) *finish.mutable_environment() = outcome->environment();
  }
  meshproof::scenario::ScenarioRedactor(row->scenario).RedactMessage(&finish);
  MP_RETURN_IF_ERROR(state_->outbox.Add(row->run.run_id(), OutboxKind::kFinish, row->run.attempt(),
                                        finish.SerializeAsString(), now));
  state_->publisher.NoteOutbox();
  state_->ahead.erase(row->assignment_id);
  MP_RETURN_IF_ERROR(state_->runs.Update(*row));
  return NotifyRunEndedLocked(state_, *row);
}

absl::Status RunLifecycle::RequeueOrFailLocked(RunRow* row, const std::string& reason) {
  if (static_cast<int>(row->run.attempt()) >= state_->config.max_attempts) {
    return EndRunLocked(row, v1::RUN_STATE_ERROR,
                        absl::StrCat(reason, "; no attempts left (", row->run.attempt(), " of ",
                                     state_->config.max_attempts, ")"),
                        nullptr);
  }
  if (!row->run.agent_id().empty()) {
    v1::SchedulerMessage cancel;
    cancel.mutable_cancel()->set_assignment_id(row->assignment_id);
    cancel.mutable_cancel()->set_reason(reason);
    state_->publisher.QueueSend(row->run.agent_id(), std::move(cancel));
  }
  state_->ahead.erase(row->assignment_id);
  row->run.set_attempt(row->run.attempt() + 1);
  row->run.clear_agent_id();
  row->assignment_id.clear();
  row->acked_seq = 0;
  row->lease_expiry = absl::InfinitePast();
  SetStateLocked(row, v1::RUN_STATE_QUEUED,
                 absl::StrCat(reason, "; queued again as attempt ", row->run.attempt()));
  return state_->runs.Update(*row);
}

absl::Status RunLifecycle::HandBackLocked(RunRow* row, const std::string& reason) {
  state_->ahead.erase(row->assignment_id);
  // The assignment id stays on the row so the next one of this attempt gets a new id
  // (AgentDispatch), and a late report of this one is recognised as stale.
  row->run.clear_agent_id();
  row->acked_seq = 0;
  row->lease_expiry = absl::InfinitePast();
  SetStateLocked(row, v1::RUN_STATE_QUEUED,
                 absl::StrCat(reason, "; queued again (attempt ", row->run.attempt(),
                              ", tests already recorded are kept)"));
  return state_->runs.Update(*row);
}

absl::StatusOr<RunRow> RunLifecycle::CreateLocked(const v1::StartRunRequest& req,
                                                  rv1::Trigger trigger,
                                                  const std::string& schedule_id,
                                                  const std::string& team, const CallerScope& scope,
                                                  const ApprovalWait& wait) {
  if (req.scenario().empty()) return absl::InvalidArgumentError("scenario: is required");
  MP_RETURN_IF_ERROR(CheckRunRequest(req));
  if (req.request_id().size() > kMaxRequestIdLength) {
    return absl::InvalidArgumentError("request_id: at most 128 characters");
  }
  const absl::Duration timeout = DurationOr(req.timeout(), state_->config.default_run_timeout);
  if (timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("timeout: must be positive");
  }
  MP_ASSIGN_OR_RETURN(std::optional<v1::ScenarioVersion> version,
                      scenarios_->LookupLocked(req.scenario(), req.version(), scope));
  if (!version) {
    return absl::NotFoundError(req.version().empty()
                                   ? absl::StrCat("scenario: \"", req.scenario(), "\" not found")
                                   : absl::StrCat("version: scenario \"", req.scenario(),
                                                  "\" has no version ", req.version()));
  }
  std::set<std::string> names;
  for (const scv1::Test& test : version->scenario().tests()) names.insert(test.name());
  for (int i = 0; i < req.only_tests_size(); ++i) {
    if (names.count(req.only_tests(i)) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("only_tests[", i, "]: scenario \"",
                                                     req.scenario(), "\" has no test \"",
                                                     req.only_tests(i), "\""));
    }
  }
  std::map<std::string, std::string> vars(req.vars().begin(), req.vars().end());
  // The run's secrets: those the scenario declares and those the caller marks.
  scv1::Scenario declared = version->scenario();
  std::set<std::string> secret_names(declared.secret_vars().begin(), declared.secret_vars().end());
  secret_names.insert(req.secret_vars().begin(), req.secret_vars().end());
  MP_RETURN_IF_ERROR(meshproof::scenario::CheckSecretVars(vars, secret_names, "secret_vars"));
  declared.clear_secret_vars();
  for (const std::string& name : secret_names) declared.add_secret_vars(name);
  // A validation message may quote a value (a URL, a pattern): it is redacted here, where
  // the secrets are known.
  const Redactor redactor(meshproof::scenario::SecretValues(vars, secret_names));
  AddLogSecrets(meshproof::scenario::SecretValues(vars, secret_names));
  absl::StatusOr<scv1::Scenario> substituted = meshproof::scenario::SubstituteVars(declared, vars);
  if (!substituted.ok()) {
    return redactor.RedactStatus(absl::InvalidArgumentError(
        absl::StrCat("vars: scenario \"", req.scenario(), "\" cannot run with these variables:\n",
                     substituted.status().message())));
  }
  if (req.has_target()) *substituted->mutable_target() = req.target();
  MP_RETURN_IF_ERROR(CheckAssignmentSize(*substituted));

  const absl::Time now = state_->clock->Now();
  RunRow row;
  row.scenario = std::move(*substituted);
  row.request_id = req.request_id();
  v1::Run& run = row.run;
  run.set_run_id(state_->NewId("r"));
  run.set_scenario(version->name());
  run.set_scenario_version(version->version());
  run.set_team(team.empty() ? version->team() : team);
  run.set_trigger(trigger);
  run.set_schedule_id(schedule_id);
  *run.mutable_target() = row.scenario.target();
  run.mutable_labels()->insert(req.labels().begin(), req.labels().end());
  run.mutable_vars()->insert(req.vars().begin(), req.vars().end());
  meshproof::scenario::MaskSecretVars(secret_names, run.mutable_vars());
  for (const std::string& name : secret_names) run.add_secret_vars(name);
  for (const std::string& t : req.only_tests()) run.add_only_tests(t);
  const std::vector<std::string> only(req.only_tests().begin(), req.only_tests().end());
  run.set_needs_approval(NeedsApproval(row.scenario, only));
  run.set_attempt(1);
  *run.mutable_created_at() = ToProtoTimestamp(now);
  *run.mutable_timeout() = ToProtoDuration(timeout);
  run.set_state(v1::RUN_STATE_PENDING);
  // The run is persisted and returned: a secret in a label or a test list is hidden too.
  // The real values stay in row.scenario, which only the executing agent receives. The
  // names that scope and find the run are kept as they are (a secret that happens to
  // equal the team's name must not move the run out of its team).
  const v1::Run identity = run;
  redactor.RedactMessage(&run);
  run.set_run_id(identity.run_id());
  run.set_scenario(identity.scenario());
  run.set_scenario_version(identity.scenario_version());
  run.set_team(identity.team());
  run.set_schedule_id(identity.schedule_id());
  LogInfo("run ", run.run_id(), " (", run.scenario(), " ", run.scenario_version().substr(0, 12),
          ") created: PENDING, trigger ", rv1::Trigger_Name(trigger));
  if (run.needs_approval() && wait.timeout != absl::InfiniteDuration()) {
    // A scheduled run: nobody may be there to decide, so the wait has an end.
    const absl::Time approval_deadline = now + wait.timeout;
    *run.mutable_approval_deadline() = ToProtoTimestamp(approval_deadline);
    run.set_on_approval_timeout(wait.policy);
    SetStateLocked(&row, v1::RUN_STATE_AWAITING_APPROVAL,
                   absl::StrCat("has tests that require approval; waiting for an approver until ",
                                FormatApprovalTime(approval_deadline), ", then ",
                                ApprovalPolicyEffect(wait.policy)));
  } else if (run.needs_approval()) {
    SetStateLocked(&row, v1::RUN_STATE_AWAITING_APPROVAL,
                   "has tests that require approval; waiting for an approver");
  } else {
    row.deadline = now + timeout;
    *run.mutable_deadline() = ToProtoTimestamp(row.deadline);
    SetStateLocked(&row, v1::RUN_STATE_QUEUED, "waiting for a matching agent");
  }
  MP_RETURN_IF_ERROR(state_->runs.Insert(&row));
  if (row.run.state() == v1::RUN_STATE_AWAITING_APPROVAL) {
    MP_RETURN_IF_ERROR(NotifyAwaitingApprovalLocked(state_, row));
  }
  return row;
}

absl::StatusOr<v1::Run> RunLifecycle::Get(const v1::GetRunRequest& req, const CallerScope& scope) {
  if (req.run_id().empty()) return absl::InvalidArgumentError("run_id: is required");
  absl::MutexLock lock(&state_->mu);
  MP_ASSIGN_OR_RETURN(std::optional<RunRow> row,
                      FindLocked(req.run_id(), scope, ScenarioColumn::kSkip));
  if (!row) return absl::NotFoundError(absl::StrCat("run \"", req.run_id(), "\" not found"));
  return row->run;
}

absl::StatusOr<v1::ListRunsResponse> RunLifecycle::List(const v1::ListRunsRequest& req,
                                                        const CallerScope& scope) {
  int64_t before = 0;
  if (!req.page_token().empty() && !absl::SimpleAtoi(req.page_token(), &before)) {
    return absl::InvalidArgumentError("page_token: not a token this API returned");
  }
  std::vector<v1::RunState> states;
  for (int s : req.states()) {
    if (!v1::RunState_IsValid(s) || s == v1::RUN_STATE_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat("states: unknown state ", s));
    }
    states.push_back(static_cast<v1::RunState>(s));
  }
  const int limit = PageSize(req.page_size());
  const std::string team = scope.ListFilter();
  if (team.empty()) scope.AuditList("runs");
  absl::MutexLock lock(&state_->mu);
  MP_ASSIGN_OR_RETURN(
      std::vector<RunRow> page,
      state_->runs.List(team, req.scenario(), req.schedule_id(), states, before, limit + 1));
  v1::ListRunsResponse response;
  for (int i = 0; i < static_cast<int>(page.size()) && i < limit; ++i) {
    *response.add_runs() = page[i].run;
  }
  if (static_cast<int>(page.size()) > limit) {
    response.set_next_page_token(absl::StrCat(page[limit - 1].id));
  }
  return response;
}

absl::StatusOr<v1::Run> RunLifecycle::Cancel(const v1::CancelRunRequest& req,
                                             const CallerScope& scope) {
  if (req.run_id().empty()) return absl::InvalidArgumentError("run_id: is required");
  absl::MutexLock lock(&state_->mu);
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(state_->db.get(), true));
  MP_ASSIGN_OR_RETURN(std::optional<RunRow> row, FindLocked(req.run_id(), scope));
  if (!row) return absl::NotFoundError(absl::StrCat("run \"", req.run_id(), "\" not found"));
  if (IsTerminal(row->run.state())) {
    return absl::FailedPreconditionError(
        absl::StrCat("run ", req.run_id(), " already ended ", StateName(row->run.state())));
  }
  absl::Status status = EndRunLocked(
      &*row, v1::RUN_STATE_CANCELLED,
      req.reason().empty() ? "cancelled" : absl::StrCat("cancelled: ", req.reason()), nullptr);
  if (!status.ok()) {
    state_->publisher.Discard();
    return status;
  }
  MP_RETURN_IF_ERROR(state_->publisher.Commit(tx));
  return row->run;
}

absl::StatusOr<v1::Run> RunLifecycle::DecideApprovalLocked(const v1::ApprovalRequest& req,
                                                           const std::string& by, bool approved,
                                                           const CallerScope& scope) {
  if (req.run_id().empty()) return absl::InvalidArgumentError("run_id: is required");
  if (req.reason().empty()) {
    return absl::InvalidArgumentError("reason: say why the run is approved or rejected");
  }
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(state_->db.get(), true));
  MP_ASSIGN_OR_RETURN(std::optional<RunRow> row, FindLocked(req.run_id(), scope));
  if (!row) return absl::NotFoundError(absl::StrCat("run \"", req.run_id(), "\" not found"));
  if (row->run.state() != v1::RUN_STATE_AWAITING_APPROVAL) {
    return absl::FailedPreconditionError(absl::StrCat(
        "run ", req.run_id(), " is ", StateName(row->run.state()), ", not AWAITING_APPROVAL"));
  }
  const std::string who = by.empty() ? "anonymous" : by;
  absl::Status status = QueueDecidedLocked(
      &*row, approved, who, req.reason(),
      approved
          ? absl::StrCat("approved by ", who, ": ", req.reason())
          : absl::StrCat("rejected by ", who, ": ", req.reason(), "; gated tests will be SKIPPED"));
  if (!status.ok()) {
    state_->publisher.Discard();
    return status;
  }
  MP_RETURN_IF_ERROR(state_->publisher.Commit(tx));
  return row->run;
}

absl::Status RunLifecycle::QueueDecidedLocked(RunRow* row, bool approved, const std::string& by,
                                              const std::string& reason, const std::string& why) {
  const absl::Time now = state_->clock->Now();
  v1::Approval* approval = row->run.mutable_approval();
  approval->set_approved(approved);
  approval->set_by(by);
  approval->set_reason(reason);
  *approval->mutable_at() = ToProtoTimestamp(now);
  row->deadline = now + DurationOr(row->run.timeout(), state_->config.default_run_timeout);
  *row->run.mutable_deadline() = ToProtoTimestamp(row->deadline);
  SetStateLocked(row, v1::RUN_STATE_QUEUED, why);
  return state_->runs.Update(*row);
}

absl::Status RunLifecycle::ApprovalTimedOutLocked(RunRow* row) {
  const std::string waited = absl::FormatDuration(FromProtoTimestamp(row->run.approval_deadline()) -
                                                  FromProtoTimestamp(row->run.created_at()));
  const v1::ApprovalTimeoutPolicy policy = row->run.on_approval_timeout();
  if (policy == v1::APPROVAL_TIMEOUT_POLICY_CANCEL) {
    return EndRunLocked(row, v1::RUN_STATE_CANCELLED,
                        absl::StrCat("no approver decided within the approval timeout of ", waited,
                                     " (on_approval_timeout: cancel)"),
                        nullptr);
  }
  // Not an approval: the gated tests are not run and are recorded so (SKIPPED "not
  // approved"), never PASS; every other test runs.
  const std::string why = absl::StrCat("no approver decided within the approval timeout of ",
                                       waited, " (on_approval_timeout: run_without_gated)");
  return QueueDecidedLocked(row, /*approved=*/false, "meshproof-scheduler", why,
                            absl::StrCat(why, "; queued without its gated tests"));
}

absl::StatusOr<RunLifecycle::Watch> RunLifecycle::BeginWatch(
    const std::string& run_id, const CallerScope& scope,
    std::shared_ptr<RunEventListener> listener) {
  if (run_id.empty()) return absl::InvalidArgumentError("run_id: is required");
  absl::MutexLock lock(&state_->mu);
  MP_ASSIGN_OR_RETURN(std::optional<RunRow> row, FindLocked(run_id, scope));
  if (!row) return absl::NotFoundError(absl::StrCat("run \"", run_id, "\" not found"));
  Watch watch;
  // Events are published under the state's mutex, so nothing falls between this snapshot and the
  // cursor.
  watch.ended = IsTerminal(row->run.state());
  watch.subscribed = !watch.ended && listener != nullptr;
  watch.cursor = watch.subscribed ? state_->events.Subscribe(run_id, std::move(listener))
                                  : state_->events.Cursor(run_id);
  v1::RunEvent first;
  *first.mutable_run() = row->run;
  watch.initial.push_back(first);
  MP_ASSIGN_OR_RETURN(std::vector<rv1::TestResult> results,
                      state_->runs.Results(run_id, row->run.attempt()));
  for (rv1::TestResult& r : results) {
    v1::RunEvent e;
    *e.mutable_result() = std::move(r);
    watch.initial.push_back(std::move(e));
  }
  if (watch.ended && results.size() > 0) watch.initial.push_back(first);
  return watch;
}

// ----------------------------------------------------------------------- loop

absl::Status RunLifecycle::ExpireLocked(absl::Time now) {
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(state_->db.get(), true));
  MP_ASSIGN_OR_RETURN(std::vector<RunRow> open,
                      state_->runs.InStates({v1::RUN_STATE_AWAITING_APPROVAL, v1::RUN_STATE_QUEUED,
                                             v1::RUN_STATE_RUNNING}));
  absl::Status status;
  uint64_t leases_lost = 0;
  for (RunRow& row : open) {
    if (row.run.state() == v1::RUN_STATE_AWAITING_APPROVAL) {
      if (row.run.has_approval_deadline() &&
          FromProtoTimestamp(row.run.approval_deadline()) <= now) {
        status = ApprovalTimedOutLocked(&row);
      }
    } else if (row.deadline < now) {
      status = EndRunLocked(
          &row, v1::RUN_STATE_TIMED_OUT,
          absl::StrCat(
              "the run's deadline passed (timeout ",
              absl::FormatDuration(FromProtoDuration(row.run.timeout())),
              row.run.state() == v1::RUN_STATE_QUEUED ? "; no matching agent took it)" : ")"),
          nullptr);
    } else if (row.run.state() == v1::RUN_STATE_RUNNING && row.lease_expiry < now) {
      ++leases_lost;
      const std::string reason =
          absl::StrCat("agent ", row.run.agent_id(), " lost: its lease expired (no heartbeat for ",
                       absl::FormatDuration(state_->config.lease), ")");
      status = NotifyAgentLostLocked(state_, row, reason);
      if (status.ok()) status = RequeueOrFailLocked(&row, reason);
    }
    if (!status.ok()) {
      state_->publisher.Discard();
      return status;
    }
  }
  MP_RETURN_IF_ERROR(state_->publisher.Commit(tx));
  // Counted once committed: a rolled-back expiry is tried again at the next tick.
  state_->leases_lost += leases_lost;
  return absl::OkStatus();
}

}  // namespace meshproof::scheduler
