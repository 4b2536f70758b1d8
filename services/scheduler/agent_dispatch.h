// Agent dispatch: which connected agent takes which QUEUED run — the target must match
// (cluster, namespace, agent labels), the agent must have capacity (its own
// max_concurrency capped by max_runs_per_agent), and the least loaded wins — and the
// assignment message that hands the run over with its lease.
#ifndef MESHPROOF_SERVICES_SCHEDULER_AGENT_DISPATCH_H_
#define MESHPROOF_SERVICES_SCHEDULER_AGENT_DISPATCH_H_

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "meshproof/agent/v1/agent.pb.h"
#include "meshproof/scenario/v1/scenario.pb.h"
#include "meshproof/scheduler/v1/agent_gateway.pb.h"
#include "services/scheduler/run_lifecycle.h"
#include "services/scheduler/run_queue.h"
#include "services/scheduler/scheduler_state.h"

namespace meshproof::scheduler {

class AgentDispatch {
 public:
  AgentDispatch(SchedulerState* state, RunLifecycle* runs) : state_(state), runs_(runs) {}

  // Hands queued runs to matching agents with capacity and commits. Errors are logged;
  // the runs stay queued for the next try.
  void DispatchLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);
  // Returns the message that gives `row`'s current attempt to its agent, with the test
  // results already recorded for the attempt (after a hand-back).
  absl::StatusOr<v1::Assignment> AssignmentForLocked(const RunRow& row)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);

 private:
  absl::Status AssignLocked(RunRow* row, const AgentEntry& agent)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);

  SchedulerState* const state_;
  RunLifecycle* const runs_;
};

// Whether an agent may run a scenario with `target`.
bool AgentMatches(const meshproof::scenario::v1::Target& target,
                  const meshproof::agent::v1::AgentInfo& agent);

// Returns the id of the next assignment of `run_id`'s `attempt`: "RUN.ATTEMPT" for the
// first, "RUN.ATTEMPT.2", ".3"... after hand-backs (`previous` is the row's last id).
std::string NextAssignmentId(const std::string& run_id, uint32_t attempt,
                             const std::string& previous);

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_AGENT_DISPATCH_H_
