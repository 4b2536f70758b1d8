// The scheduler's front (no gRPC): the one object the gRPC adapters and main talk to. It
// owns the shared state (scheduler_state.h: database, row stores, agents, one mutex) and
// the classes that decide — ScenarioRegistry (scenarios and versions), RunLifecycle (run
// states, approvals, leases, requeue), ScheduleRegistry and ScheduleFiring (schedules and
// when they fire), AgentSessions and AgentDispatch (the agent protocol and who runs
// what) — and routes each call to one of them. It decides nothing itself beyond the
// order of a tick and "after a run was queued, offer it to the agents". Every change is
// one transaction, and what others must see of it (WatchRun events, messages to agents,
// the forwarder's wake-up) is released only after it committed (commit_publisher.h).
//
// Each request method forwards to exactly one deciding class, which finds what it names
// through one lookup (ScenarioRegistry::LookupLocked, RunLifecycle::FindLocked,
// ScheduleRegistry::FindLocked): a caller's scope, when requests carry one, passes
// through here to those classes and is checked at those lookups.
#ifndef MESHPROOF_SERVICES_SCHEDULER_SCHEDULER_H_
#define MESHPROOF_SERVICES_SCHEDULER_SCHEDULER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "meshproof/result/v1/result.pb.h"
#include "meshproof/scheduler/v1/agent_gateway.pb.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"
#include "services/common/clock.h"
#include "services/common/metrics/registry.h"
#include "services/scheduler/agent_dispatch.h"
#include "services/scheduler/agent_sessions.h"
#include "services/scheduler/agent_sink.h"
#include "services/scheduler/caller_scope.h"
#include "services/scheduler/run_events.h"
#include "services/scheduler/run_lifecycle.h"
#include "services/scheduler/scenario_registry.h"
#include "services/scheduler/schedule_firing.h"
#include "services/scheduler/schedule_registry.h"
#include "services/scheduler/scheduler_config.h"
#include "services/scheduler/scheduler_state.h"

namespace meshproof::scheduler {

class Scheduler {
 public:
  // Opens (creating) the database at `path`, applies migrations (FAILED_PRECONDITION when
  // the file is newer than this binary) and gives RUNNING runs a fresh lease, since
  // their agents could not renew while the scheduler was down.
  static absl::StatusOr<std::unique_ptr<Scheduler>> Open(const std::string& path,
                                                         const SchedulerConfig& config,
                                                         const Clock* clock);
  ~Scheduler();

  // Called (with the scheduler's lock held: it must not call back into the scheduler)
  // after each commit that added to the outbox.
  void SetOutboxListener(std::function<void()> listener);

  // Every request method takes the caller's scope (caller_scope.h): what it names must be
  // visible to it (NOT_FOUND otherwise) and lists show only what it may see. The default,
  // every team, is a service without tokens and the scheduler's own callers.
  // ------------------------------------------------------- scenarios (ScenarioRegistry)
  // INVALID_ARGUMENT with the parser's "file:line:col: field: message" lines, or the
  // validator's "field: message" lines; nothing is stored then.
  absl::StatusOr<v1::SubmitScenarioResponse> SubmitScenario(
      const v1::SubmitScenarioRequest& req, const CallerScope& scope = CallerScope::Everyone());
  absl::StatusOr<v1::ListScenariosResponse> ListScenarios(
      const v1::ListScenariosRequest& req, const CallerScope& scope = CallerScope::Everyone());
  // NOT_FOUND for an unknown name or version.
  absl::StatusOr<v1::ScenarioVersion> GetScenario(
      const v1::GetScenarioRequest& req, const CallerScope& scope = CallerScope::Everyone());
  absl::StatusOr<v1::ListScenarioVersionsResponse> ListScenarioVersions(
      const v1::ListScenarioVersionsRequest& req,
      const CallerScope& scope = CallerScope::Everyone());
  // Deletes the scenario, its versions and its schedules; runs stay. NOT_FOUND.
  absl::Status DeleteScenario(const v1::DeleteScenarioRequest& req,
                              const CallerScope& scope = CallerScope::Everyone());

  // ---------------------------------------------------------------- runs (RunLifecycle)
  // Queues a run (or parks it AWAITING_APPROVAL) and offers it to the agents. NOT_FOUND
  // (scenario or version), INVALID_ARGUMENT (unknown only_tests entry, undefined variable
  // named in the message, bad request_id or timeout). A repeated request_id returns the
  // run it started.
  absl::StatusOr<v1::Run> StartRun(const v1::StartRunRequest& req,
                                   meshproof::result::v1::Trigger trigger,
                                   const CallerScope& scope = CallerScope::Everyone());
  absl::StatusOr<v1::Run> GetRun(const v1::GetRunRequest& req,
                                 const CallerScope& scope = CallerScope::Everyone());
  absl::StatusOr<v1::ListRunsResponse> ListRuns(const v1::ListRunsRequest& req,
                                                const CallerScope& scope = CallerScope::Everyone());
  // FAILED_PRECONDITION when the run already ended.
  absl::StatusOr<v1::Run> CancelRun(const v1::CancelRunRequest& req,
                                    const CallerScope& scope = CallerScope::Everyone());
  // FAILED_PRECONDITION unless AWAITING_APPROVAL; INVALID_ARGUMENT without a reason.
  // Approved: the run is queued and its gated tests run. Rejected: the run is queued
  // without approval, so its gated tests are SKIPPED (docs/scheduler.md).
  absl::StatusOr<v1::Run> ApproveRun(const v1::ApprovalRequest& req, const std::string& by,
                                     const CallerScope& scope = CallerScope::Everyone());
  absl::StatusOr<v1::Run> RejectRun(const v1::ApprovalRequest& req, const std::string& by,
                                    const CallerScope& scope = CallerScope::Everyone());

  using Watch = RunLifecycle::Watch;
  // NOT_FOUND for an unknown run. `listener`, when given, is subscribed to the run's
  // events if it has not ended (Watch::subscribed).
  absl::StatusOr<Watch> BeginWatch(const std::string& run_id,
                                   const CallerScope& scope = CallerScope::Everyone(),
                                   std::shared_ptr<RunEventListener> listener = nullptr);
  RunEventHub* events() { return &state_.events; }

  // ------------------------------------------ schedules (ScheduleRegistry, ScheduleFiring)
  absl::StatusOr<v1::Schedule> CreateSchedule(const v1::CreateScheduleRequest& req,
                                              const CallerScope& scope = CallerScope::Everyone());
  absl::StatusOr<v1::ListSchedulesResponse> ListSchedules(
      const v1::ListSchedulesRequest& req, const CallerScope& scope = CallerScope::Everyone());
  absl::StatusOr<v1::Schedule> GetSchedule(const std::string& schedule_id,
                                           const CallerScope& scope = CallerScope::Everyone());
  absl::StatusOr<v1::Schedule> PauseSchedule(const std::string& schedule_id,
                                             const CallerScope& scope = CallerScope::Everyone());
  // Fire times that passed while paused are not made up for.
  absl::StatusOr<v1::Schedule> ResumeSchedule(const std::string& schedule_id,
                                              const CallerScope& scope = CallerScope::Everyone());
  // FAILED_PRECONDITION under FORBID while a run of the schedule is active.
  absl::StatusOr<v1::Run> TriggerSchedule(const std::string& schedule_id,
                                          const CallerScope& scope = CallerScope::Everyone());
  absl::Status DeleteSchedule(const std::string& schedule_id,
                              const CallerScope& scope = CallerScope::Everyone());

  // ------------------------------------------------------------- agents (AgentSessions)
  v1::ListAgentsResponse ListAgents(const CallerScope& scope = CallerScope::Everyone());
  // A session opened with `hello`. Returns the session id; INVALID_ARGUMENT without an
  // agent id, ALREADY_EXISTS while another live session uses the id. `sink` must stay
  // valid until AgentDisconnected (or its Close).
  // `teams`: the only teams whose runs the agent may be given (empty: every team).
  absl::StatusOr<std::string> AgentConnected(const v1::Hello& hello, AgentSink* sink,
                                             std::vector<std::string> teams = {});
  void OnAgentMessage(const std::string& session_id, const v1::AgentMessage& message);
  // Messages that arrived together, handled in order; consecutive results share one
  // transaction (one commit, one run-row read and write per run, one acknowledgement per
  // assignment), which is what keeps a 1,000-test run from costing 1,000 commits.
  void OnAgentMessages(const std::string& session_id, absl::Span<const v1::AgentMessage> messages);
  void AgentDisconnected(const std::string& session_id);

  // ----------------------------------------------------------------------------- loop
  // Expires leases, times out runs, fires due schedules and hands queued runs to agents,
  // at the clock's now. Returns when it next has something due (at most tick_interval
  // away). Errors are logged; the loop keeps going.
  absl::Time Tick();
  // Closes every agent session and wakes every watcher for good.
  void Shutdown();

  // Reports the scheduler's series (runs by state and trigger, queue, approvals, schedules,
  // agents, leases lost, outbox) computed from its state at `now`; scheduler_metrics.cc.
  void CollectMetrics(metrics::CollectorSink& sink);

  const SchedulerConfig& config() const { return state_.config; }
  const Clock* clock() const { return state_.clock; }

 private:
  Scheduler(std::unique_ptr<Database> db, const SchedulerConfig& config, const Clock* clock);

  SchedulerState state_;
  ScenarioRegistry scenarios_;
  RunLifecycle runs_;
  AgentDispatch dispatch_;
  AgentSessions agents_;
  ScheduleRegistry schedules_;
  ScheduleFiring firing_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_SCHEDULER_H_
