// The front's routing: each call goes to the class that decides it; the lock is taken
// here only where one call spans several of them (a run queued and then dispatched, a
// tick, shutdown).
#include "services/scheduler/scheduler.h"

#include <algorithm>
#include <utility>

#include "services/common/log.h"
#include "services/common/status_macros.h"
#include "services/scheduler/migrations.h"

namespace meshproof::scheduler {

Scheduler::Scheduler(std::unique_ptr<Database> db, const SchedulerConfig& config,
                     const Clock* clock)
    : state_(std::move(db), config, clock),
      scenarios_(&state_),
      runs_(&state_, &scenarios_),
      dispatch_(&state_, &runs_),
      agents_(&state_, &runs_, &dispatch_),
      schedules_(&state_, &scenarios_, &runs_),
      firing_(&state_, &schedules_, &runs_) {}

Scheduler::~Scheduler() = default;

absl::StatusOr<std::unique_ptr<Scheduler>> Scheduler::Open(const std::string& path,
                                                           const SchedulerConfig& config,
                                                           const Clock* clock) {
  DatabaseOptions options;
  options.synchronous = config.synchronous;
  MP_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(path, options));
  MP_RETURN_IF_ERROR(ApplyMigrations(db.get(), SchedulerMigrations()).status());
  std::unique_ptr<Scheduler> scheduler(new Scheduler(std::move(db), config, clock));
  SchedulerState& state = scheduler->state_;
  absl::MutexLock lock(&state.mu);
  // The scheduler was down, so no agent could renew: give every running run one lease
  // from now for its agent to reconnect and say it still holds the assignment.
  MP_ASSIGN_OR_RETURN(int running, scheduler->runs_.RenewLeasesAfterRestartLocked());
  MP_ASSIGN_OR_RETURN(std::vector<RunRow> open,
                      state.runs.InStates({v1::RUN_STATE_AWAITING_APPROVAL, v1::RUN_STATE_QUEUED,
                                           v1::RUN_STATE_RUNNING}));
  MP_ASSIGN_OR_RETURN(int64_t outbox, state.outbox.Size());
  LogInfo("database ", path, " open: ", open.size(), " open runs (", running, " running), ", outbox,
          " outbox entries to forward");
  return scheduler;
}

void Scheduler::SetOutboxListener(std::function<void()> listener) {
  absl::MutexLock lock(&state_.mu);
  state_.publisher.SetOutboxListener(std::move(listener));
}

// ------------------------------------------------------------------ scenarios

absl::StatusOr<v1::SubmitScenarioResponse> Scheduler::SubmitScenario(
    const v1::SubmitScenarioRequest& req, const CallerScope& scope) {
  return scenarios_.Submit(req, scope);
}

absl::StatusOr<v1::ListScenariosResponse> Scheduler::ListScenarios(
    const v1::ListScenariosRequest& req, const CallerScope& scope) {
  return scenarios_.List(req, scope);
}

absl::StatusOr<v1::ScenarioVersion> Scheduler::GetScenario(const v1::GetScenarioRequest& req,
                                                           const CallerScope& scope) {
  return scenarios_.Get(req, scope);
}

absl::StatusOr<v1::ListScenarioVersionsResponse> Scheduler::ListScenarioVersions(
    const v1::ListScenarioVersionsRequest& req, const CallerScope& scope) {
  return scenarios_.ListVersions(req, scope);
}

absl::Status Scheduler::DeleteScenario(const v1::DeleteScenarioRequest& req,
                                       const CallerScope& scope) {
  return scenarios_.Delete(req, scope);
}

// ----------------------------------------------------------------------- runs

absl::StatusOr<v1::Run> Scheduler::StartRun(const v1::StartRunRequest& req,
                                            meshproof::result::v1::Trigger trigger,
                                            const CallerScope& scope) {
  absl::MutexLock lock(&state_.mu);
  MP_ASSIGN_OR_RETURN(RunLifecycle::Started started, runs_.StartLocked(req, trigger, scope));
  if (!started.created) return started.run;
  dispatch_.DispatchLocked();
  return runs_.CurrentLocked(started.run);
}

absl::StatusOr<v1::Run> Scheduler::GetRun(const v1::GetRunRequest& req, const CallerScope& scope) {
  return runs_.Get(req, scope);
}

absl::StatusOr<v1::ListRunsResponse> Scheduler::ListRuns(const v1::ListRunsRequest& req,
                                                         const CallerScope& scope) {
  return runs_.List(req, scope);
}

absl::StatusOr<v1::Run> Scheduler::CancelRun(const v1::CancelRunRequest& req,
                                             const CallerScope& scope) {
  return runs_.Cancel(req, scope);
}

absl::StatusOr<v1::Run> Scheduler::ApproveRun(const v1::ApprovalRequest& req, const std::string& by,
                                              const CallerScope& scope) {
  absl::MutexLock lock(&state_.mu);
  MP_ASSIGN_OR_RETURN(v1::Run run, runs_.DecideApprovalLocked(req, by, /*approved=*/true, scope));
  dispatch_.DispatchLocked();
  return runs_.CurrentLocked(run);
}

absl::StatusOr<v1::Run> Scheduler::RejectRun(const v1::ApprovalRequest& req, const std::string& by,
                                             const CallerScope& scope) {
  absl::MutexLock lock(&state_.mu);
  MP_ASSIGN_OR_RETURN(v1::Run run, runs_.DecideApprovalLocked(req, by, /*approved=*/false, scope));
  dispatch_.DispatchLocked();
  return runs_.CurrentLocked(run);
}

absl::StatusOr<Scheduler::Watch> Scheduler::BeginWatch(const std::string& run_id,
                                                       const CallerScope& scope,
                                                       std::shared_ptr<RunEventListener> listener) {
  return runs_.BeginWatch(run_id, scope, std::move(listener));
}

// ------------------------------------------------------------------ schedules

absl::StatusOr<v1::Schedule> Scheduler::CreateSchedule(const v1::CreateScheduleRequest& req,
                                                       const CallerScope& scope) {
  return schedules_.Create(req, scope);
}

absl::StatusOr<v1::ListSchedulesResponse> Scheduler::ListSchedules(
    const v1::ListSchedulesRequest& req, const CallerScope& scope) {
  return schedules_.List(req, scope);
}

absl::StatusOr<v1::Schedule> Scheduler::GetSchedule(const std::string& schedule_id,
                                                    const CallerScope& scope) {
  return schedules_.Get(schedule_id, scope);
}

absl::StatusOr<v1::Schedule> Scheduler::PauseSchedule(const std::string& schedule_id,
                                                      const CallerScope& scope) {
  return schedules_.Pause(schedule_id, scope);
}

absl::StatusOr<v1::Schedule> Scheduler::ResumeSchedule(const std::string& schedule_id,
                                                       const CallerScope& scope) {
  return schedules_.Resume(schedule_id, scope);
}

absl::StatusOr<v1::Run> Scheduler::TriggerSchedule(const std::string& schedule_id,
                                                   const CallerScope& scope) {
  absl::MutexLock lock(&state_.mu);
  MP_ASSIGN_OR_RETURN(std::string run_id, firing_.TriggerLocked(schedule_id, scope));
  dispatch_.DispatchLocked();
  MP_ASSIGN_OR_RETURN(std::optional<RunRow> run,
                      runs_.FindLocked(run_id, CallerScope::Everyone(), ScenarioColumn::kSkip));
  if (!run) return absl::InternalError("a triggered run vanished");
  return run->run;
}

absl::Status Scheduler::DeleteSchedule(const std::string& schedule_id, const CallerScope& scope) {
  return schedules_.Delete(schedule_id, scope);
}

// --------------------------------------------------------------------- agents

v1::ListAgentsResponse Scheduler::ListAgents(const CallerScope& scope) {
  return agents_.List(scope);
}

absl::StatusOr<std::string> Scheduler::AgentConnected(const v1::Hello& hello, AgentSink* sink,
                                                      std::vector<std::string> teams) {
  return agents_.Connected(hello, sink, std::move(teams));
}

void Scheduler::OnAgentMessage(const std::string& session_id, const v1::AgentMessage& message) {
  agents_.OnMessages(session_id, absl::MakeConstSpan(&message, 1));
}

void Scheduler::OnAgentMessages(const std::string& session_id,
                                absl::Span<const v1::AgentMessage> messages) {
  agents_.OnMessages(session_id, messages);
}

void Scheduler::AgentDisconnected(const std::string& session_id) {
  agents_.Disconnected(session_id);
}

// ----------------------------------------------------------------------- loop

absl::Time Scheduler::Tick() {
  absl::MutexLock lock(&state_.mu);
  const absl::Time now = state_.clock->Now();
  if (absl::Status s = runs_.ExpireLocked(now); !s.ok()) {
    LogError("checking leases and deadlines failed: ", s.ToString());
  }
  firing_.FireDueLocked(now);
  dispatch_.DispatchLocked();
  state_.events.ForgetEndedBefore(now - absl::Minutes(10));
  absl::Time next = now + state_.config.tick_interval;
  absl::StatusOr<absl::Time> fire = firing_.EarliestNextFireLocked();
  if (fire.ok() && *fire < next) next = std::max(*fire, now);
  return next;
}

void Scheduler::Shutdown() {
  absl::MutexLock lock(&state_.mu);
  agents_.CloseAllLocked();
  state_.events.Shutdown();
}

}  // namespace meshproof::scheduler
