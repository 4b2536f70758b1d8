// Run lifecycle: the run state machine and everything that moves a run along it —
// creation (variables, only_tests, approval gate), approvals, cancellation, deadlines,
// lease expiry and requeue, results received, the end of a run — and what each step
// writes to the outbox for the results store. Reads of runs (Get, List, watch) live
// here too, so a run is found by id in one place (FindLocked).
//
// Run states: PENDING → (AWAITING_APPROVAL →) QUEUED → RUNNING → PASSED / FAILED /
// INCONCLUSIVE / ERROR / CANCELLED / TIMED_OUT; a RUNNING run whose lease expires goes
// back to QUEUED with attempt + 1, or ends ERROR after the last attempt
// (docs/scheduler.md). Which agent takes a QUEUED run is AgentDispatch's decision.
#ifndef MESHPROOF_SERVICES_SCHEDULER_RUN_LIFECYCLE_H_
#define MESHPROOF_SERVICES_SCHEDULER_RUN_LIFECYCLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "meshproof/result/v1/result.pb.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"
#include "services/scheduler/approval_wait.h"
#include "services/scheduler/run_queue.h"
#include "services/scheduler/scenario_registry.h"
#include "services/scheduler/scheduler_state.h"

namespace meshproof::scheduler {

class RunLifecycle {
 public:
  RunLifecycle(SchedulerState* state, ScenarioRegistry* scenarios)
      : state_(state), scenarios_(scenarios) {}

  // Gives every RUNNING run one lease from now (after a restart no agent could renew).
  // Returns how many runs are running.
  absl::StatusOr<int> RenewLeasesAfterRestartLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);

  // A run StartLocked returned: `created` is false when request_id named an earlier run.
  struct Started {
    v1::Run run;
    bool created = false;
  };
  // Creates a run (QUEUED, or AWAITING_APPROVAL) and commits. NOT_FOUND (scenario or
  // version), INVALID_ARGUMENT (unknown only_tests entry, undefined variable named in
  // the message, bad request_id or timeout).
  absl::StatusOr<Started> StartLocked(const v1::StartRunRequest& req,
                                      meshproof::result::v1::Trigger trigger,
                                      const CallerScope& scope)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);
  // Creates a run inside the caller's transaction (nothing committed or released). A run
  // that must wait for approval gets a deadline from `wait` (none by default).
  absl::StatusOr<RunRow> CreateLocked(const v1::StartRunRequest& req,
                                      meshproof::result::v1::Trigger trigger,
                                      const std::string& schedule_id, const std::string& team,
                                      const CallerScope& scope = CallerScope::Everyone(),
                                      const ApprovalWait& wait = {})
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);
  // Returns the run as stored now, or `run` when it is gone.
  absl::StatusOr<v1::Run> CurrentLocked(const v1::Run& run)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);

  // Each: NOT_FOUND for a run `scope` may not see, as for one that does not exist.
  absl::StatusOr<v1::Run> Get(const v1::GetRunRequest& req, const CallerScope& scope);
  absl::StatusOr<v1::ListRunsResponse> List(const v1::ListRunsRequest& req,
                                            const CallerScope& scope);
  // FAILED_PRECONDITION when the run already ended.
  absl::StatusOr<v1::Run> Cancel(const v1::CancelRunRequest& req, const CallerScope& scope);
  // Approves or rejects and commits. FAILED_PRECONDITION unless AWAITING_APPROVAL;
  // INVALID_ARGUMENT without a reason. Approved: the run is queued and its gated tests
  // run. Rejected: queued without approval, so its gated tests are SKIPPED.
  absl::StatusOr<v1::Run> DecideApprovalLocked(const v1::ApprovalRequest& req,
                                               const std::string& by, bool approved,
                                               const CallerScope& scope)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);

  // What a new watcher sends first, and where it then waits in the event hub.
  struct Watch {
    std::vector<v1::RunEvent> initial;
    uint64_t cursor = 0;
    bool ended = false;
    // `listener` was subscribed to the run's events (the run had not ended): the
    // watcher unsubscribes it when done.
    bool subscribed = false;
  };
  // NOT_FOUND for an unknown run. When the run has not ended and `listener` is given, it
  // is subscribed in the same critical section that reads the run, so no event falls
  // between the snapshot and the subscription.
  absl::StatusOr<Watch> BeginWatch(const std::string& run_id, const CallerScope& scope,
                                   std::shared_ptr<RunEventListener> listener);

  // Ends runs past their deadline (TIMED_OUT), requeues (or fails) RUNNING runs whose
  // lease expired, and applies on_approval_timeout to runs whose approval deadline
  // passed with no decision, at `now`; commits.
  absl::Status ExpireLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);

  // ---- steps other classes take inside their own transaction (nothing committed here)
  // The run `run_id`, nullopt when there is none or `scope` may not see it (the
  // scheduler's own steps — agents' reports, schedules — see every run).
  absl::StatusOr<std::optional<RunRow>> FindLocked(
      const std::string& run_id, const CallerScope& scope = CallerScope::Everyone(),
      ScenarioColumn scenario = ScenarioColumn::kRead) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);
  // Moves the run to `state` and queues the event (the row is not written).
  void SetStateLocked(RunRow* row, v1::RunState state, const std::string& reason)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);
  // Writes the store's BeginRun to the outbox once per run.
  absl::Status EnsureStoreBegunLocked(RunRow* row) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);
  // Keeps a result of the run's current attempt; false when it was a duplicate, or a
  // test the run did not select (not a result).
  absl::StatusOr<bool> RecordResultLocked(RunRow* row,
                                          const meshproof::result::v1::TestResult& result)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);
  // Ends the run in `state`. Without an agent's `outcome`, the tests not reported are
  // recorded NOT_RUN with `reason` and a running agent is told to cancel.
  absl::Status EndRunLocked(RunRow* row, v1::RunState state, const std::string& reason,
                            const meshproof::result::v1::ScenarioOutcome* outcome)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);
  // Queues the run again as the next attempt, or ends it ERROR after the last one.
  absl::Status RequeueOrFailLocked(RunRow* row, const std::string& reason)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);
  // Queues a run its agent handed back (it is stopping) again at once, in the same
  // attempt: the results recorded so far stay, and the next assignment carries them so
  // their tests are not run again. A hand-back uses no attempt: nothing failed.
  absl::Status HandBackLocked(RunRow* row, const std::string& reason)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);

 private:
  // Records the decision on an AWAITING_APPROVAL run and queues it with a fresh run
  // deadline; `why` is the run's new reason.
  absl::Status QueueDecidedLocked(RunRow* row, bool approved, const std::string& by,
                                  const std::string& reason, const std::string& why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);
  // The approval deadline passed with no decision: runs without the gated tests, or
  // ends CANCELLED, as the run's on_approval_timeout says.
  absl::Status ApprovalTimedOutLocked(RunRow* row) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);

  SchedulerState* const state_;
  ScenarioRegistry* const scenarios_;
};

// Maps an agent's verdict to the run state it ends in.
v1::RunState StateForVerdict(meshproof::result::v1::RunVerdict verdict);
// Maps an ended run's state to the store's verdict.
meshproof::result::v1::RunVerdict VerdictForState(v1::RunState state);
// Returns the state's name without its RUN_STATE_ prefix.
std::string StateName(v1::RunState state);

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_RUN_LIFECYCLE_H_
