// The scheduler's domain class (no gRPC): scenarios and their versions, runs and their
// state machine, approvals, schedules, the agents' sessions and leases, and the outbox of
// writes to the results store. State lives in its SQLite database; every change is one
// transaction, and what others must see of it (WatchRun events, messages to agents, the
// forwarder's wake-up) is released only after that transaction committed.
//
// Run states: PENDING → (AWAITING_APPROVAL →) QUEUED → RUNNING → PASSED / FAILED /
// INCONCLUSIVE / ERROR / CANCELLED / TIMED_OUT; a RUNNING run whose lease expires goes
// back to QUEUED with attempt + 1, or ends ERROR after the last attempt
// (docs/scheduler.md).
#ifndef MESHPROOF_SERVICES_SCHEDULER_SCHEDULER_H_
#define MESHPROOF_SERVICES_SCHEDULER_SCHEDULER_H_

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "meshproof/result/v1/result.pb.h"
#include "meshproof/scheduler/v1/agent_gateway.pb.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"
#include "services/common/clock.h"
#include "services/scheduler/agent_sink.h"
#include "services/scheduler/database.h"
#include "services/scheduler/outbox.h"
#include "services/scheduler/run_events.h"
#include "services/scheduler/run_queue.h"
#include "services/scheduler/scenario_catalog.h"
#include "services/scheduler/schedule_book.h"
#include "services/scheduler/scheduler_config.h"

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

  // Called (without locks held) after each commit that added to the outbox.
  void SetOutboxListener(std::function<void()> listener);

  // ------------------------------------------------------------------ scenarios
  // INVALID_ARGUMENT with the parser's "file:line:col: field: message" lines, or the
  // validator's "field: message" lines; nothing is stored then. PERMISSION_DENIED when
  // the name belongs to another team.
  absl::StatusOr<v1::SubmitScenarioResponse> SubmitScenario(const v1::SubmitScenarioRequest& req);
  absl::StatusOr<v1::ListScenariosResponse> ListScenarios(const v1::ListScenariosRequest& req);
  // NOT_FOUND for an unknown name or version.
  absl::StatusOr<v1::ScenarioVersion> GetScenario(const v1::GetScenarioRequest& req);
  absl::StatusOr<v1::ListScenarioVersionsResponse> ListScenarioVersions(
      const v1::ListScenarioVersionsRequest& req);
  // Deletes the scenario, its versions and its schedules; runs stay. NOT_FOUND.
  absl::Status DeleteScenario(const v1::DeleteScenarioRequest& req);

  // ----------------------------------------------------------------------- runs
  // Queues a run (or parks it AWAITING_APPROVAL). NOT_FOUND (scenario or version),
  // INVALID_ARGUMENT (unknown only_tests entry, undefined variable named in the message,
  // bad request_id or timeout). A repeated request_id returns the run it started.
  absl::StatusOr<v1::Run> StartRun(const v1::StartRunRequest& req,
                                   meshproof::result::v1::Trigger trigger);
  absl::StatusOr<v1::Run> GetRun(const v1::GetRunRequest& req);
  absl::StatusOr<v1::ListRunsResponse> ListRuns(const v1::ListRunsRequest& req);
  // FAILED_PRECONDITION when the run already ended.
  absl::StatusOr<v1::Run> CancelRun(const v1::CancelRunRequest& req);
  // FAILED_PRECONDITION unless AWAITING_APPROVAL; INVALID_ARGUMENT without a reason.
  // Approved: the run is queued and its gated tests run. Rejected: the run is queued
  // without approval, so its gated tests are SKIPPED (docs/scheduler.md).
  absl::StatusOr<v1::Run> ApproveRun(const v1::ApprovalRequest& req, const std::string& by);
  absl::StatusOr<v1::Run> RejectRun(const v1::ApprovalRequest& req, const std::string& by);

  // What a new watcher sends first, and where it then waits in events().
  struct Watch {
    std::vector<v1::RunEvent> initial;
    uint64_t cursor = 0;
    bool ended = false;
  };
  // NOT_FOUND for an unknown run.
  absl::StatusOr<Watch> BeginWatch(const std::string& run_id);
  RunEventHub* events() { return &events_; }

  // ------------------------------------------------------------------ schedules
  absl::StatusOr<v1::Schedule> CreateSchedule(const v1::CreateScheduleRequest& req);
  absl::StatusOr<v1::ListSchedulesResponse> ListSchedules(const v1::ListSchedulesRequest& req);
  absl::StatusOr<v1::Schedule> GetSchedule(const std::string& schedule_id);
  absl::StatusOr<v1::Schedule> PauseSchedule(const std::string& schedule_id);
  // Fire times that passed while paused are not made up for.
  absl::StatusOr<v1::Schedule> ResumeSchedule(const std::string& schedule_id);
  // FAILED_PRECONDITION under FORBID while a run of the schedule is active.
  absl::StatusOr<v1::Run> TriggerSchedule(const std::string& schedule_id);
  absl::Status DeleteSchedule(const std::string& schedule_id);

  // --------------------------------------------------------------------- agents
  v1::ListAgentsResponse ListAgents();
  // A session opened with `hello`. Returns the session id; INVALID_ARGUMENT without an
  // agent id, ALREADY_EXISTS while another live session uses the id. `sink` must stay
  // valid until AgentDisconnected (or its Close).
  absl::StatusOr<std::string> AgentConnected(const v1::Hello& hello, AgentSink* sink);
  void OnAgentMessage(const std::string& session_id, const v1::AgentMessage& message);
  // Messages that arrived together, handled in order; consecutive results share one
  // transaction (one commit, one run-row read and write per run, one acknowledgement per
  // assignment), which is what keeps a 1,000-test run from costing 1,000 commits.
  void OnAgentMessages(const std::string& session_id,
                       absl::Span<const v1::AgentMessage> messages);
  void AgentDisconnected(const std::string& session_id);

  // ----------------------------------------------------------------------- loop
  // Expires leases, times out runs, fires due schedules and hands queued runs to agents,
  // at the clock's now. Returns when it next has something due (at most tick_interval
  // away). Errors are logged; the loop keeps going.
  absl::Time Tick();
  // Closes every agent session and wakes every watcher for good.
  void Shutdown();

  const SchedulerConfig& config() const { return config_; }
  const Clock* clock() const { return clock_; }

 private:
  struct AgentEntry {
    meshproof::agent::v1::AgentInfo info;
    AgentSink* sink = nullptr;  // null while disconnected
    std::string session_id;
    absl::Time connected_at;
    absl::Time last_heartbeat;
  };

  Scheduler(std::unique_ptr<Database> db, const SchedulerConfig& config, const Clock* clock);

  // All below: mu_ held.
  absl::Status CommitLocked(Transaction& tx) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DiscardPendingLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SendLocked(const std::string& agent_id, v1::SchedulerMessage message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SetStateLocked(RunRow* row, v1::RunState state, const std::string& reason)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status EnsureStoreBegunLocked(RunRow* row) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<bool> RecordResultLocked(RunRow* row,
                                          const meshproof::result::v1::TestResult& result)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status EndRunLocked(RunRow* row, v1::RunState state, const std::string& reason,
                            const meshproof::result::v1::ScenarioOutcome* outcome)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status RequeueOrFailLocked(RunRow* row, const std::string& reason)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<RunRow> CreateRunLocked(const v1::StartRunRequest& req,
                                         meshproof::result::v1::Trigger trigger,
                                         const std::string& schedule_id, const std::string& team)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<v1::Run> DecideApprovalLocked(const v1::ApprovalRequest& req,
                                               const std::string& by, bool approved)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DispatchLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status AssignLocked(RunRow* row, const AgentEntry& agent)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  v1::Assignment AssignmentFor(const RunRow& row) const;
  absl::Status ExpireLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FireDueLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status FireScheduleLocked(const ScheduleRow& row, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Applies the concurrency policy and starts a run for `fire_time` (inside a
  // transaction). Returns the outcome recorded.
  absl::StatusOr<v1::FireRecord> FireAtLocked(const ScheduleRow& row, absl::Time fire_time,
                                              bool manual) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<v1::Schedule> ScheduleViewLocked(const ScheduleRow& row)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnResultsLocked(const std::string& agent_id,
                       absl::Span<const v1::AgentMessage> reports)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnDoneLocked(const std::string& agent_id, const v1::AssignmentDone& done)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnHeartbeatLocked(const std::string& agent_id, const v1::Heartbeat& heartbeat)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string NewId(absl::string_view prefix) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SchedulerConfig config_;
  const Clock* clock_;
  RunEventHub events_;

  absl::Mutex mu_;
  std::unique_ptr<Database> db_ ABSL_GUARDED_BY(mu_);
  ScenarioCatalog catalog_ ABSL_GUARDED_BY(mu_);
  RunQueue runs_ ABSL_GUARDED_BY(mu_);
  ScheduleBook schedules_ ABSL_GUARDED_BY(mu_);
  Outbox outbox_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, AgentEntry> agents_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> sessions_ ABSL_GUARDED_BY(mu_);  // session → agent
  // Report sequences received beyond the contiguous acked one, per assignment.
  std::map<std::string, std::set<uint64_t>> ahead_ ABSL_GUARDED_BY(mu_);
  // Released by CommitLocked.
  std::vector<std::pair<std::string, v1::RunEvent>> pending_events_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<std::string, v1::SchedulerMessage>> pending_sends_ ABSL_GUARDED_BY(mu_);
  bool pending_outbox_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void()> outbox_listener_ ABSL_GUARDED_BY(mu_);
  uint64_t id_counter_ ABSL_GUARDED_BY(mu_) = 0;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

// Maps an agent's verdict to the run state it ends in.
v1::RunState StateForVerdict(meshproof::result::v1::RunVerdict verdict);
// Maps an ended run's state to the store's verdict.
meshproof::result::v1::RunVerdict VerdictForState(v1::RunState state);
// Whether an agent may run a scenario with `target`.
bool AgentMatches(const meshproof::scenario::v1::Target& target,
                  const meshproof::agent::v1::AgentInfo& agent);

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_SCHEDULER_H_
