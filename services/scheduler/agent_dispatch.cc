// Choosing an agent for each queued run and assigning it.
#include "services/scheduler/agent_dispatch.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/redaction.h"
#include "services/common/status_macros.h"
#include "services/common/time_util.h"
#include "services/scenario/secrets.h"

namespace meshproof::scheduler {

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

std::string NextAssignmentId(const std::string& run_id, uint32_t attempt,
                             const std::string& previous) {
  const std::string first = absl::StrCat(run_id, ".", attempt);
  if (previous == first) return absl::StrCat(first, ".2");
  int n = 0;
  if (absl::StartsWith(previous, absl::StrCat(first, ".")) &&
      absl::SimpleAtoi(previous.substr(first.size() + 1), &n) && n >= 2) {
    return absl::StrCat(first, ".", n + 1);
  }
  return first;
}

absl::StatusOr<v1::Assignment> AgentDispatch::AssignmentForLocked(const RunRow& row) {
  v1::Assignment a;
  a.set_assignment_id(row.assignment_id);
  a.set_run_id(row.run.run_id());
  a.set_attempt(row.run.attempt());
  // The one place a secret leaves the scheduler: the agent must use the real value. A
  // scheduler restarted since the run was created learns its secrets again here, so its
  // log lines stay redacted.
  *a.mutable_scenario() = row.scenario;
  AddLogSecrets(meshproof::scenario::SecretValues(
      std::map<std::string, std::string>(row.scenario.vars().begin(), row.scenario.vars().end()),
      std::set<std::string>(row.scenario.secret_vars().begin(), row.scenario.secret_vars().end())));
  for (const std::string& t : row.run.only_tests()) a.add_only_tests(t);
  a.set_approved(row.run.has_approval() && row.run.approval().approved());
  *a.mutable_lease() = ToProtoDuration(state_->config.lease);
  if (row.deadline != absl::InfiniteFuture())
    *a.mutable_deadline() = ToProtoTimestamp(row.deadline);
  MP_ASSIGN_OR_RETURN(std::vector<meshproof::result::v1::TestResult> recorded,
                      state_->runs.Results(row.run.run_id(), row.run.attempt()));
  for (meshproof::result::v1::TestResult& r : recorded) {
    if (r.phase() == meshproof::result::v1::PHASE_TEST) *a.add_recorded() = std::move(r);
  }
  return a;
}

absl::Status AgentDispatch::AssignLocked(RunRow* row, const AgentEntry& agent) {
  const absl::Time now = state_->clock->Now();
  row->run.set_agent_id(agent.info.agent_id());
  row->assignment_id = NextAssignmentId(row->run.run_id(), row->run.attempt(), row->assignment_id);
  row->lease_expiry = now + state_->config.lease;
  row->acked_seq = 0;
  if (!row->run.has_started_at()) *row->run.mutable_started_at() = ToProtoTimestamp(now);
  MP_RETURN_IF_ERROR(runs_->EnsureStoreBegunLocked(row));
  runs_->SetStateLocked(row, v1::RUN_STATE_RUNNING,
                        absl::StrCat("assigned to agent ", agent.info.agent_id(), " (attempt ",
                                     row->run.attempt(), ")"));
  MP_RETURN_IF_ERROR(state_->runs.Update(*row));
  v1::SchedulerMessage message;
  MP_ASSIGN_OR_RETURN(*message.mutable_assignment(), AssignmentForLocked(*row));
  state_->publisher.QueueSend(agent.info.agent_id(), std::move(message));
  return absl::OkStatus();
}

void AgentDispatch::DispatchLocked() {
  if (state_->shut_down) return;
  absl::StatusOr<std::vector<RunRow>> queued = state_->runs.InStates({v1::RUN_STATE_QUEUED});
  if (!queued.ok()) {
    LogError("reading the run queue failed: ", queued.status().ToString());
    return;
  }
  if (queued->empty()) return;
  absl::StatusOr<std::map<std::string, int>> running = state_->runs.RunningPerAgent();
  if (!running.ok()) return;
  absl::StatusOr<Transaction> tx = Transaction::Begin(state_->db.get(), true);
  if (!tx.ok()) return;
  int assigned = 0;
  for (RunRow& row : *queued) {
    const AgentEntry* best = nullptr;
    int best_load = 0;
    for (const auto& [id, agent] : state_->agents) {
      if (agent.sink == nullptr || agent.draining || !AgentMatches(row.run.target(), agent.info))
        continue;
      if (!agent.teams.empty() &&
          std::find(agent.teams.begin(), agent.teams.end(), row.run.team()) == agent.teams.end()) {
        continue;  // its token serves other teams only
      }
      const int capacity =
          std::max(1, std::min<int>(state_->config.max_runs_per_agent,
                                    agent.info.max_concurrency() == 0
                                        ? state_->config.max_runs_per_agent
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
      state_->publisher.Discard();
      return;
    }
    ++(*running)[best->info.agent_id()];
    ++assigned;
  }
  if (assigned == 0) return;
  if (absl::Status s = state_->publisher.Commit(*tx); !s.ok()) {
    LogError("committing assignments failed: ", s.ToString());
  }
}

}  // namespace meshproof::scheduler
