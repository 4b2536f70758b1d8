// The agent protocol's sessions: hello, heartbeats, reports and acknowledgements, done,
// disconnects, and the agents listing.
#include "services/scheduler/agent_sessions.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"
#include "services/common/time_util.h"
#include "services/scheduler/submit_limits.h"

namespace meshproof::scheduler {

namespace rv1 = meshproof::result::v1;

absl::StatusOr<std::string> AgentSessions::Connected(const v1::Hello& hello, AgentSink* sink,
                                                     std::vector<std::string> teams) {
  const meshproof::agent::v1::AgentInfo& info = hello.info();
  MP_RETURN_IF_ERROR(CheckHello(hello));
  absl::MutexLock lock(&state_->mu);
  if (state_->shut_down) return absl::UnavailableError("scheduler shutting down");
  const absl::Time now = state_->clock->Now();
  AgentEntry& entry = state_->agents[info.agent_id()];
  if (entry.sink != nullptr) {
    if (now - entry.last_heartbeat < 2 * state_->config.heartbeat_interval) {
      return absl::AlreadyExistsError(absl::StrCat(
          "agent \"", info.agent_id(), "\" already has a live session ", entry.session_id));
    }
    // The old stream is dead but not yet noticed (a cut network): the new one wins.
    entry.sink->Close(absl::AbortedError("replaced by a newer session of the same agent"));
    state_->sessions.erase(entry.session_id);
  }
  entry.info = info;
  entry.teams = std::move(teams);
  entry.sink = sink;
  entry.session_id = state_->NewId("s");
  entry.connected_at = now;
  entry.last_heartbeat = now;
  entry.draining = false;
  state_->sessions[entry.session_id] = info.agent_id();
  LogInfo("agent ", info.agent_id(), " connected (cluster \"", info.cluster(), "\", namespace \"",
          info.namespace_(), "\", version ", info.version(), ", session ", entry.session_id, ", ",
          hello.active_assignments_size(), " active assignments)");

  v1::SchedulerMessage welcome;
  *welcome.mutable_welcome()->mutable_heartbeat_interval() =
      ToProtoDuration(state_->config.heartbeat_interval);
  welcome.mutable_welcome()->set_session_id(entry.session_id);
  state_->publisher.QueueSend(info.agent_id(), std::move(welcome));

  std::set<std::string> active(hello.active_assignments().begin(),
                               hello.active_assignments().end());
  absl::Status status = [&]() -> absl::Status {
    MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(state_->db.get(), true));
    MP_ASSIGN_OR_RETURN(std::vector<RunRow> running,
                        state_->runs.InStates({v1::RUN_STATE_RUNNING}));
    for (RunRow& row : running) {
      if (row.run.agent_id() != info.agent_id()) continue;
      if (active.erase(row.assignment_id) > 0) {
        row.lease_expiry = now + state_->config.lease;
        MP_RETURN_IF_ERROR(state_->runs.Update(row));
      } else if (row.acked_seq == 0) {
        // Probably never delivered (the stream broke right after it was sent): send again.
        row.lease_expiry = now + state_->config.lease;
        MP_RETURN_IF_ERROR(state_->runs.Update(row));
        LogInfo("run ", row.run.run_id(), ": assignment ", row.assignment_id, " sent again to ",
                info.agent_id());
        v1::SchedulerMessage again;
        MP_ASSIGN_OR_RETURN(*again.mutable_assignment(), dispatch_->AssignmentForLocked(row));
        state_->publisher.QueueSend(info.agent_id(), std::move(again));
      } else {
        MP_RETURN_IF_ERROR(runs_->RequeueOrFailLocked(
            &row, absl::StrCat("agent ", info.agent_id(),
                               " reconnected without the assignment (it restarted)")));
      }
    }
    for (const std::string& unknown : active) {
      v1::SchedulerMessage cancel;
      cancel.mutable_cancel()->set_assignment_id(unknown);
      cancel.mutable_cancel()->set_reason("the scheduler holds no running assignment with this id");
      state_->publisher.QueueSend(info.agent_id(), std::move(cancel));
    }
    return state_->publisher.Commit(tx);
  }();
  if (!status.ok()) {
    state_->publisher.Discard();
    LogError("agent ", info.agent_id(), " hello failed: ", status.ToString());
    entry.sink = nullptr;
    state_->sessions.erase(entry.session_id);
    return status;
  }
  dispatch_->DispatchLocked();
  return entry.session_id;
}

void AgentSessions::Disconnected(const std::string& session_id) {
  absl::MutexLock lock(&state_->mu);
  auto it = state_->sessions.find(session_id);
  if (it == state_->sessions.end()) return;
  auto agent = state_->agents.find(it->second);
  if (agent != state_->agents.end() && agent->second.session_id == session_id) {
    agent->second.sink = nullptr;
    LogInfo("agent ", it->second, " disconnected (session ", session_id,
            "); its leases run out unless it reconnects");
  }
  state_->sessions.erase(it);
}

void AgentSessions::OnMessages(const std::string& session_id,
                               absl::Span<const v1::AgentMessage> messages) {
  absl::MutexLock lock(&state_->mu);
  auto it = state_->sessions.find(session_id);
  if (it == state_->sessions.end()) return;
  const std::string agent_id = it->second;
  state_->agents[agent_id].last_heartbeat = state_->clock->Now();
  size_t i = 0;
  while (i < messages.size()) {
    const v1::AgentMessage& message = messages[i];
    if (message.has_result()) {
      size_t end = i;
      while (end < messages.size() && messages[end].has_result()) ++end;
      OnResultsLocked(agent_id, messages.subspan(i, end - i));
      i = end;
      continue;
    }
    switch (message.message_case()) {
      case v1::AgentMessage::kHeartbeat: OnHeartbeatLocked(agent_id, message.heartbeat()); break;
      case v1::AgentMessage::kDone: OnDoneLocked(agent_id, message.done()); break;
      case v1::AgentMessage::kRelease: OnReleaseLocked(agent_id, message.release()); break;
      default: LogWarning("agent ", agent_id, " sent an unexpected message; ignored");
    }
    ++i;
  }
}

void AgentSessions::OnHeartbeatLocked(const std::string& agent_id, const v1::Heartbeat& heartbeat) {
  const absl::Time now = state_->clock->Now();
  absl::Status status = [&]() -> absl::Status {
    if (heartbeat.active_assignments().empty()) return absl::OkStatus();
    // Only the assignments this agent names, each by index, all in one transaction: the
    // cost of a heartbeat is its own assignments', whatever else is running.
    MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(state_->db.get(), true));
    for (const std::string& id : heartbeat.active_assignments()) {
      MP_ASSIGN_OR_RETURN(bool renewed,
                          state_->runs.RenewLease(id, agent_id, now + state_->config.lease));
      if (!renewed) {
        v1::SchedulerMessage cancel;
        cancel.mutable_cancel()->set_assignment_id(id);
        cancel.mutable_cancel()->set_reason("the run ended or moved to another agent");
        state_->publisher.QueueSend(agent_id, std::move(cancel));
      }
    }
    return state_->publisher.Commit(tx);
  }();
  if (!status.ok()) {
    state_->publisher.Discard();
    LogError("heartbeat of agent ", agent_id, " not recorded: ", status.ToString());
  }
}

void AgentSessions::OnResultsLocked(const std::string& agent_id,
                                    absl::Span<const v1::AgentMessage> reports) {
  const absl::Time now = state_->clock->Now();
  absl::Status status = [&]() -> absl::Status {
    MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(state_->db.get(), true));
    // Each run is read once and written once per batch, however many of its results the
    // batch holds: the row carries the whole scenario, so per-result reads and writes
    // would make a run's cost grow with the square of its size.
    std::map<std::string, RunRow> rows;
    std::set<std::string> missing;
    for (const v1::AgentMessage& message : reports) {
      const v1::ResultReport& report = message.result();
      RunRow* row = nullptr;
      if (auto cached = rows.find(report.run_id()); cached != rows.end()) {
        row = &cached->second;
      } else if (missing.count(report.run_id()) == 0) {
        MP_ASSIGN_OR_RETURN(std::optional<RunRow> found, runs_->FindLocked(report.run_id()));
        if (found) {
          row = &rows.emplace(report.run_id(), std::move(*found)).first->second;
        } else {
          missing.insert(report.run_id());
        }
      }
      if (row == nullptr || row->run.state() != v1::RUN_STATE_RUNNING ||
          row->assignment_id != report.assignment_id() || row->run.agent_id() != agent_id ||
          row->run.attempt() != report.attempt()) {
        // A report of an attempt that is over: acknowledge so the agent forgets it, keep
        // nothing.
        LogInfo("run ", report.run_id(), ": dropped a report of stale assignment ",
                report.assignment_id(), " from ", agent_id);
        v1::SchedulerMessage ack;
        ack.mutable_ack()->set_assignment_id(report.assignment_id());
        ack.mutable_ack()->set_sequence(report.sequence());
        state_->publisher.QueueSend(agent_id, std::move(ack));
        continue;
      }
      MP_ASSIGN_OR_RETURN(bool inserted, runs_->RecordResultLocked(row, report.result()));
      if (!inserted) {
        LogDebug("run ", report.run_id(), ": duplicate report of ", report.result().test(),
                 " dropped");
      }
      std::set<uint64_t>& ahead = state_->ahead[row->assignment_id];
      if (report.sequence() > row->acked_seq) ahead.insert(report.sequence());
      while (!ahead.empty() && *ahead.begin() <= row->acked_seq + 1) {
        row->acked_seq = std::max(row->acked_seq, *ahead.begin());
        ahead.erase(ahead.begin());
      }
    }
    for (auto& [run_id, row] : rows) {
      if (row.run.state() != v1::RUN_STATE_RUNNING || row.run.agent_id() != agent_id) continue;
      row.lease_expiry = now + state_->config.lease;
      MP_RETURN_IF_ERROR(state_->runs.Update(row));
      // Acknowledgements are cumulative: one per assignment covers the whole batch.
      v1::SchedulerMessage ack;
      ack.mutable_ack()->set_assignment_id(row.assignment_id);
      ack.mutable_ack()->set_sequence(row.acked_seq);
      state_->publisher.QueueSend(agent_id, std::move(ack));
    }
    return state_->publisher.Commit(tx);
  }();
  if (!status.ok()) {
    // Not acknowledged: the agent resends after it reconnects.
    state_->publisher.Discard();
    LogError("reports of agent ", agent_id, " not recorded: ", status.ToString());
  }
}

void AgentSessions::OnDoneLocked(const std::string& agent_id, const v1::AssignmentDone& done) {
  absl::Status status = [&]() -> absl::Status {
    MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(state_->db.get(), true));
    MP_ASSIGN_OR_RETURN(std::optional<RunRow> row, runs_->FindLocked(done.run_id()));
    v1::SchedulerMessage ack;
    ack.mutable_ack()->set_assignment_id(done.assignment_id());
    ack.mutable_ack()->set_sequence(done.sequence());
    ack.mutable_ack()->set_done(true);
    if (!row || row->run.state() != v1::RUN_STATE_RUNNING ||
        row->assignment_id != done.assignment_id() || row->run.agent_id() != agent_id) {
      LogInfo("run ", done.run_id(), ": done of stale assignment ", done.assignment_id(), " from ",
              agent_id, " acknowledged and ignored");
      state_->publisher.QueueSend(agent_id, std::move(ack));
      return state_->publisher.Commit(tx);
    }
    if (row->acked_seq < done.sequence()) {
      // Reports are missing; the agent resends them (and this) after a reconnect.
      LogWarning("run ", done.run_id(), ": done at sequence ", done.sequence(), " but only ",
                 row->acked_seq, " received; waiting for the rest");
      return absl::OkStatus();
    }
    const std::string reason = done.outcome().reason().empty()
                                   ? absl::StrCat("agent ", agent_id, " finished the run")
                                   : done.outcome().reason();
    MP_RETURN_IF_ERROR(runs_->EndRunLocked(&*row, StateForVerdict(done.outcome().verdict()), reason,
                                           &done.outcome()));
    state_->publisher.QueueSend(agent_id, std::move(ack));
    return state_->publisher.Commit(tx);
  }();
  if (!status.ok()) {
    state_->publisher.Discard();
    LogError("done of run ", done.run_id(), " not recorded: ", status.ToString());
    return;
  }
  dispatch_->DispatchLocked();
}

void AgentSessions::OnReleaseLocked(const std::string& agent_id,
                                    const v1::AssignmentRelease& release) {
  // A stopping agent takes no new runs; without this the run it hands back could go
  // straight back to it.
  state_->agents[agent_id].draining = true;
  absl::Status status = [&]() -> absl::Status {
    MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(state_->db.get(), true));
    MP_ASSIGN_OR_RETURN(std::optional<RunRow> row, runs_->FindLocked(release.run_id()));
    v1::SchedulerMessage ack;
    ack.mutable_ack()->set_assignment_id(release.assignment_id());
    ack.mutable_ack()->set_sequence(release.sequence());
    ack.mutable_ack()->set_done(true);
    if (!row || row->run.state() != v1::RUN_STATE_RUNNING ||
        row->assignment_id != release.assignment_id() || row->run.agent_id() != agent_id) {
      LogInfo("run ", release.run_id(), ": release of stale assignment ", release.assignment_id(),
              " from ", agent_id, " acknowledged and ignored");
      state_->publisher.QueueSend(agent_id, std::move(ack));
      return state_->publisher.Commit(tx);
    }
    if (row->acked_seq < release.sequence()) {
      // As for a done: the missing reports (and this) come again after a reconnect, or
      // the lease hands the run on.
      LogWarning("run ", release.run_id(), ": released at sequence ", release.sequence(),
                 " but only ", row->acked_seq, " received; waiting for the rest");
      return absl::OkStatus();
    }
    MP_RETURN_IF_ERROR(runs_->HandBackLocked(
        &*row,
        absl::StrCat("agent ", agent_id, " handed the run back",
                     release.reason().empty() ? "" : absl::StrCat(" (", release.reason(), ")"))));
    state_->publisher.QueueSend(agent_id, std::move(ack));
    return state_->publisher.Commit(tx);
  }();
  if (!status.ok()) {
    state_->publisher.Discard();
    LogError("release of run ", release.run_id(), " not recorded: ", status.ToString());
    return;
  }
  dispatch_->DispatchLocked();
}

v1::ListAgentsResponse AgentSessions::List(const CallerScope& scope) {
  if (scope.admin()) scope.AuditList("agents");
  const std::string team = scope.ListFilter();
  absl::MutexLock lock(&state_->mu);
  const absl::Time now = state_->clock->Now();
  std::map<std::string, std::vector<std::string>> active;
  if (auto running = state_->runs.InStates({v1::RUN_STATE_RUNNING}); running.ok()) {
    for (const RunRow& row : *running) {
      if (!team.empty() && row.run.team() != team) continue;
      active[row.run.agent_id()].push_back(row.run.run_id());
    }
  }
  v1::ListAgentsResponse response;
  for (const auto& [id, agent] : state_->agents) {
    // An agent bound to other teams is theirs to see; one serving every team is shared.
    if (!team.empty() && !agent.teams.empty() &&
        std::find(agent.teams.begin(), agent.teams.end(), team) == agent.teams.end()) {
      continue;
    }
    v1::AgentStatus* status = response.add_agents();
    *status->mutable_info() = agent.info;
    status->set_state(agent.sink == nullptr ? v1::AGENT_STATE_DISCONNECTED
                      : now - agent.last_heartbeat > 2 * state_->config.heartbeat_interval
                          ? v1::AGENT_STATE_LATE
                          : v1::AGENT_STATE_CONNECTED);
    *status->mutable_connected_at() = ToProtoTimestamp(agent.connected_at);
    *status->mutable_last_heartbeat() = ToProtoTimestamp(agent.last_heartbeat);
    for (const std::string& run : active[id]) status->add_active_runs(run);
  }
  return response;
}

void AgentSessions::CloseAllLocked() {
  state_->shut_down = true;
  for (auto& [id, agent] : state_->agents) {
    if (agent.sink != nullptr) agent.sink->Close(absl::UnavailableError("scheduler shutting down"));
  }
}

}  // namespace meshproof::scheduler
