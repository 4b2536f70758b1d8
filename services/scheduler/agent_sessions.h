// Agent sessions: the scheduler's side of the agent protocol — hello (resuming, resending
// or requeueing the agent's assignments), heartbeats that renew leases, result reports
// acknowledged once durable (cumulatively, in sequence), done, hand-backs of a stopping
// agent, and disconnects. What a
// report or done does to a run is RunLifecycle's; who gets the next run is AgentDispatch's.
#ifndef MESHPROOF_SERVICES_SCHEDULER_AGENT_SESSIONS_H_
#define MESHPROOF_SERVICES_SCHEDULER_AGENT_SESSIONS_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "meshproof/scheduler/v1/agent_gateway.pb.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"
#include "services/scheduler/agent_dispatch.h"
#include "services/scheduler/agent_sink.h"
#include "services/scheduler/caller_scope.h"
#include "services/scheduler/run_lifecycle.h"
#include "services/scheduler/scheduler_state.h"

namespace meshproof::scheduler {

class AgentSessions {
 public:
  AgentSessions(SchedulerState* state, RunLifecycle* runs, AgentDispatch* dispatch)
      : state_(state), runs_(runs), dispatch_(dispatch) {}

  // A session opened with `hello`. Returns the session id; INVALID_ARGUMENT without an
  // agent id, ALREADY_EXISTS while another live session uses the id, UNAVAILABLE after
  // shutdown. `sink` must stay valid until Disconnected (or its Close).
  absl::StatusOr<std::string> Connected(const v1::Hello& hello, AgentSink* sink,
                                        std::vector<std::string> teams = {});
  // Messages that arrived together, handled in order; consecutive results share one
  // transaction (one commit, one run-row read and write per run, one acknowledgement per
  // assignment).
  void OnMessages(const std::string& session_id, absl::Span<const v1::AgentMessage> messages);
  void Disconnected(const std::string& session_id);
  // The agents `scope` may see: those serving every team or the caller's team, each with
  // the caller's team's active runs only (an admin sees every agent and run, audited).
  v1::ListAgentsResponse List(const CallerScope& scope = CallerScope::Everyone());
  // Closes every session for good.
  void CloseAllLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);

 private:
  void OnResultsLocked(const std::string& agent_id, absl::Span<const v1::AgentMessage> reports)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);
  void OnDoneLocked(const std::string& agent_id, const v1::AssignmentDone& done)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);
  void OnHeartbeatLocked(const std::string& agent_id, const v1::Heartbeat& heartbeat)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);
  // Queues a handed-back run again at once (RunLifecycle::HandBackLocked) and dispatches.
  void OnReleaseLocked(const std::string& agent_id, const v1::AssignmentRelease& release)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);

  SchedulerState* const state_;
  RunLifecycle* const runs_;
  AgentDispatch* const dispatch_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_AGENT_SESSIONS_H_
