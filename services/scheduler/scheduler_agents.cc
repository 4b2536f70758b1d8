// The agents' side of the scheduler: sessions (hello, heartbeats, reports, done),
// acknowledgements once results are durable, and handing queued runs to matching agents.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"
#include "services/common/time_util.h"
#include "services/scheduler/scheduler.h"
#include "services/scheduler/submit_limits.h"

namespace meshproof::scheduler {

namespace rv1 = meshproof::result::v1;

bool AgentMatches(const meshproof::scenario::v1::Target& target,
                  const meshproof::agent::v1::AgentInfo& agent) {
  if (!target.cluster().empty() && target.cluster() != agent.cluster()) return false;
  if (!target.namespace_().empty() && target.namespace_() != agent.namespace_()) return false;
  for (const auto& [key, value] : target.agent_selector()) {
    auto it = agent.labels().find(key);
    if (it == agent.labels().end() || it->second != value) return false;
  }
  return true;
}

v1::Assignment Scheduler::AssignmentFor(const RunRow& row) const {
  v1::Assignment a;
  a.set_assignment_id(row.assignment_id);
  a.set_run_id(row.run.run_id());
  a.set_attempt(row.run.attempt());
  *a.mutable_scenario() = row.scenario;
  for (const std::string& t : row.run.only_tests()) a.add_only_tests(t);
  a.set_approved(row.run.has_approval() && row.run.approval().approved());
  *a.mutable_lease() = ToProtoDuration(config_.lease);
  if (row.deadline != absl::InfiniteFuture()) *a.mutable_deadline() = ToProtoTimestamp(row.deadline);
  return a;
}

absl::Status Scheduler::AssignLocked(RunRow* row, const AgentEntry& agent) {
  const absl::Time now = clock_->Now();
  row->run.set_agent_id(agent.info.agent_id());
  row->assignment_id = absl::StrCat(row->run.run_id(), ".", row->run.attempt());
  row->lease_expiry = now + config_.lease;
  row->acked_seq = 0;
  if (!row->run.has_started_at()) *row->run.mutable_started_at() = ToProtoTimestamp(now);
  MP_RETURN_IF_ERROR(EnsureStoreBegunLocked(row));
  SetStateLocked(row, v1::RUN_STATE_RUNNING,
                 absl::StrCat("assigned to agent ", agent.info.agent_id(), " (attempt ",
                              row->run.attempt(), ")"));
  MP_RETURN_IF_ERROR(runs_.Update(*row));
  v1::SchedulerMessage message;
  *message.mutable_assignment() = AssignmentFor(*row);
  SendLocked(agent.info.agent_id(), std::move(message));
  return absl::OkStatus();
}

void Scheduler::DispatchLocked() {
  if (shut_down_) return;
  absl::StatusOr<std::vector<RunRow>> queued = runs_.InStates({v1::RUN_STATE_QUEUED});
  if (!queued.ok()) {
    LogError("reading the run queue failed: ", queued.status().ToString());
    return;
  }
  if (queued->empty()) return;
  absl::StatusOr<std::map<std::string, int>> running = runs_.RunningPerAgent();
  if (!running.ok()) return;
  absl::StatusOr<Transaction> tx = Transaction::Begin(db_.get(), true);
  if (!tx.ok()) return;
  int assigned = 0;
  for (RunRow& row : *queued) {
    const AgentEntry* best = nullptr;
    int best_load = 0;
    for (const auto& [id, agent] : agents_) {
      if (agent.sink == nullptr || !AgentMatches(row.run.target(), agent.info)) continue;
      const int capacity =
          std::max(1, std::min<int>(config_.max_runs_per_agent,
                                    agent.info.max_concurrency() == 0
                                        ? config_.max_runs_per_agent
                                        : static_cast<int>(agent.info.max_concurrency())));
      const int load = (*running)[id];
      if (load >= capacity) continue;
      if (best == nullptr || load < best_load) {
        best = &agent;
        best_load = load;
      }
    }
    if (best == nullptr) continue;
    if (absl::Status s = AssignLocked(&row, *best); !s.ok()) {
      LogError("assigning run ", row.run.run_id(), " failed: ", s.ToString());
      DiscardPendingLocked();
      return;
    }
    ++(*running)[best->info.agent_id()];
    ++assigned;
  }
  if (assigned == 0) return;
  if (absl::Status s = CommitLocked(*tx); !s.ok()) {
    LogError("committing assignments failed: ", s.ToString());
  }
}

absl::StatusOr<std::string> Scheduler::AgentConnected(const v1::Hello& hello, AgentSink* sink) {
  const meshproof::agent::v1::AgentInfo& info = hello.info();
  MP_RETURN_IF_ERROR(CheckHello(hello));
  absl::MutexLock lock(&mu_);
  if (shut_down_) return absl::UnavailableError("scheduler shutting down");
  const absl::Time now = clock_->Now();
  AgentEntry& entry = agents_[info.agent_id()];
  if (entry.sink != nullptr) {
    if (now - entry.last_heartbeat < 2 * config_.heartbeat_interval) {
      return absl::AlreadyExistsError(absl::StrCat("agent \"", info.agent_id(),
                                                   "\" already has a live session ",
                                                   entry.session_id));
    }
    // The old stream is dead but not yet noticed (a cut network): the new one wins.
    entry.sink->Close(absl::AbortedError("replaced by a newer session of the same agent"));
    sessions_.erase(entry.session_id);
  }
  entry.info = info;
  entry.sink = sink;
  entry.session_id = NewId("s");
  entry.connected_at = now;
  entry.last_heartbeat = now;
  sessions_[entry.session_id] = info.agent_id();
  LogInfo("agent ", info.agent_id(), " connected (cluster \"", info.cluster(), "\", namespace \"",
          info.namespace_(), "\", version ", info.version(), ", session ", entry.session_id, ", ",
          hello.active_assignments_size(), " active assignments)");

  v1::SchedulerMessage welcome;
  *welcome.mutable_welcome()->mutable_heartbeat_interval() =
      ToProtoDuration(config_.heartbeat_interval);
  welcome.mutable_welcome()->set_session_id(entry.session_id);
  SendLocked(info.agent_id(), std::move(welcome));

  std::set<std::string> active(hello.active_assignments().begin(),
                               hello.active_assignments().end());
  absl::Status status = [&]() -> absl::Status {
    MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get(), true));
    MP_ASSIGN_OR_RETURN(std::vector<RunRow> running, runs_.InStates({v1::RUN_STATE_RUNNING}));
    for (RunRow& row : running) {
      if (row.run.agent_id() != info.agent_id()) continue;
      if (active.erase(row.assignment_id) > 0) {
        row.lease_expiry = now + config_.lease;
        MP_RETURN_IF_ERROR(runs_.Update(row));
      } else if (row.acked_seq == 0) {
        // Probably never delivered (the stream broke right after it was sent): send again.
        row.lease_expiry = now + config_.lease;
        MP_RETURN_IF_ERROR(runs_.Update(row));
        LogInfo("run ", row.run.run_id(), ": assignment ", row.assignment_id, " sent again to ",
                info.agent_id());
        v1::SchedulerMessage again;
        *again.mutable_assignment() = AssignmentFor(row);
        SendLocked(info.agent_id(), std::move(again));
      } else {
        MP_RETURN_IF_ERROR(RequeueOrFailLocked(
            &row, absl::StrCat("agent ", info.agent_id(),
                               " reconnected without the assignment (it restarted)")));
      }
    }
    for (const std::string& unknown : active) {
      v1::SchedulerMessage cancel;
      cancel.mutable_cancel()->set_assignment_id(unknown);
      cancel.mutable_cancel()->set_reason("the scheduler holds no running assignment with this id");
      SendLocked(info.agent_id(), std::move(cancel));
    }
    return CommitLocked(tx);
  }();
  if (!status.ok()) {
    DiscardPendingLocked();
    LogError("agent ", info.agent_id(), " hello failed: ", status.ToString());
    entry.sink = nullptr;
    sessions_.erase(entry.session_id);
    return status;
  }
  DispatchLocked();
  return entry.session_id;
}

void Scheduler::AgentDisconnected(const std::string& session_id) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return;
  auto agent = agents_.find(it->second);
  if (agent != agents_.end() && agent->second.session_id == session_id) {
    agent->second.sink = nullptr;
    LogInfo("agent ", it->second, " disconnected (session ", session_id,
            "); its leases run out unless it reconnects");
  }
  sessions_.erase(it);
}

void Scheduler::OnAgentMessage(const std::string& session_id, const v1::AgentMessage& message) {
  OnAgentMessages(session_id, absl::MakeConstSpan(&message, 1));
}

void Scheduler::OnAgentMessages(const std::string& session_id,
                                absl::Span<const v1::AgentMessage> messages) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return;
  const std::string agent_id = it->second;
  agents_[agent_id].last_heartbeat = clock_->Now();
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
      case v1::AgentMessage::kHeartbeat:
        OnHeartbeatLocked(agent_id, message.heartbeat());
        break;
      case v1::AgentMessage::kDone:
        OnDoneLocked(agent_id, message.done());
        break;
      default:
        LogWarning("agent ", agent_id, " sent an unexpected message; ignored");
    }
    ++i;
  }
}

void Scheduler::OnHeartbeatLocked(const std::string& agent_id, const v1::Heartbeat& heartbeat) {
  const absl::Time now = clock_->Now();
  absl::Status status = [&]() -> absl::Status {
    MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get(), true));
    MP_ASSIGN_OR_RETURN(std::vector<RunRow> running, runs_.InStates({v1::RUN_STATE_RUNNING}));
    for (const std::string& id : heartbeat.active_assignments()) {
      auto row = std::find_if(running.begin(), running.end(), [&](const RunRow& r) {
        return r.assignment_id == id && r.run.agent_id() == agent_id;
      });
      if (row == running.end()) {
        v1::SchedulerMessage cancel;
        cancel.mutable_cancel()->set_assignment_id(id);
        cancel.mutable_cancel()->set_reason("the run ended or moved to another agent");
        SendLocked(agent_id, std::move(cancel));
        continue;
      }
      row->lease_expiry = now + config_.lease;
      MP_RETURN_IF_ERROR(runs_.Update(*row));
    }
    return CommitLocked(tx);
  }();
  if (!status.ok()) {
    DiscardPendingLocked();
    LogError("heartbeat of agent ", agent_id, " not recorded: ", status.ToString());
  }
}

void Scheduler::OnResultsLocked(const std::string& agent_id,
                                absl::Span<const v1::AgentMessage> reports) {
  const absl::Time now = clock_->Now();
  absl::Status status = [&]() -> absl::Status {
    MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get(), true));
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
        MP_ASSIGN_OR_RETURN(std::optional<RunRow> found, runs_.Find(report.run_id()));
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
        SendLocked(agent_id, std::move(ack));
        continue;
      }
      MP_ASSIGN_OR_RETURN(bool inserted, RecordResultLocked(row, report.result()));
      if (!inserted) {
        LogDebug("run ", report.run_id(), ": duplicate report of ", report.result().test(),
                 " dropped");
      }
      std::set<uint64_t>& ahead = ahead_[row->assignment_id];
      if (report.sequence() > row->acked_seq) ahead.insert(report.sequence());
      while (!ahead.empty() && *ahead.begin() <= row->acked_seq + 1) {
        row->acked_seq = std::max(row->acked_seq, *ahead.begin());
        ahead.erase(ahead.begin());
      }
    }
    for (auto& [run_id, row] : rows) {
      if (row.run.state() != v1::RUN_STATE_RUNNING || row.run.agent_id() != agent_id) continue;
      row.lease_expiry = now + config_.lease;
      MP_RETURN_IF_ERROR(runs_.Update(row));
      // Acknowledgements are cumulative: one per assignment covers the whole batch.
      v1::SchedulerMessage ack;
      ack.mutable_ack()->set_assignment_id(row.assignment_id);
      ack.mutable_ack()->set_sequence(row.acked_seq);
      SendLocked(agent_id, std::move(ack));
    }
    return CommitLocked(tx);
  }();
  if (!status.ok()) {
    // Not acknowledged: the agent resends after it reconnects.
    DiscardPendingLocked();
    LogError("reports of agent ", agent_id, " not recorded: ", status.ToString());
  }
}

void Scheduler::OnDoneLocked(const std::string& agent_id, const v1::AssignmentDone& done) {
  absl::Status status = [&]() -> absl::Status {
    MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get(), true));
    MP_ASSIGN_OR_RETURN(std::optional<RunRow> row, runs_.Find(done.run_id()));
    v1::SchedulerMessage ack;
    ack.mutable_ack()->set_assignment_id(done.assignment_id());
    ack.mutable_ack()->set_sequence(done.sequence());
    ack.mutable_ack()->set_done(true);
    if (!row || row->run.state() != v1::RUN_STATE_RUNNING ||
        row->assignment_id != done.assignment_id() || row->run.agent_id() != agent_id) {
      LogInfo("run ", done.run_id(), ": done of stale assignment ", done.assignment_id(),
              " from ", agent_id, " acknowledged and ignored");
      SendLocked(agent_id, std::move(ack));
      return CommitLocked(tx);
    }
    if (row->acked_seq < done.sequence()) {
      // Reports are missing; the agent resends them (and this) after a reconnect.
      LogWarning("run ", done.run_id(), ": done at sequence ", done.sequence(),
                 " but only ", row->acked_seq, " received; waiting for the rest");
      return absl::OkStatus();
    }
    const std::string reason =
        done.outcome().reason().empty()
            ? absl::StrCat("agent ", agent_id, " finished the run")
            : done.outcome().reason();
    MP_RETURN_IF_ERROR(
        EndRunLocked(&*row, StateForVerdict(done.outcome().verdict()), reason, &done.outcome()));
    SendLocked(agent_id, std::move(ack));
    return CommitLocked(tx);
  }();
  if (!status.ok()) {
    DiscardPendingLocked();
    LogError("done of run ", done.run_id(), " not recorded: ", status.ToString());
    return;
  }
  DispatchLocked();
}

v1::ListAgentsResponse Scheduler::ListAgents() {
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_->Now();
  std::map<std::string, std::vector<std::string>> active;
  if (auto running = runs_.InStates({v1::RUN_STATE_RUNNING}); running.ok()) {
    for (const RunRow& row : *running) active[row.run.agent_id()].push_back(row.run.run_id());
  }
  v1::ListAgentsResponse response;
  for (const auto& [id, agent] : agents_) {
    v1::AgentStatus* status = response.add_agents();
    *status->mutable_info() = agent.info;
    status->set_state(agent.sink == nullptr ? v1::AGENT_STATE_DISCONNECTED
                      : now - agent.last_heartbeat > 2 * config_.heartbeat_interval
                          ? v1::AGENT_STATE_LATE
                          : v1::AGENT_STATE_CONNECTED);
    *status->mutable_connected_at() = ToProtoTimestamp(agent.connected_at);
    *status->mutable_last_heartbeat() = ToProtoTimestamp(agent.last_heartbeat);
    for (const std::string& run : active[id]) status->add_active_runs(run);
  }
  return response;
}

}  // namespace meshproof::scheduler
