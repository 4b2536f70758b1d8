// The one way work enters the agent, whoever brings it: a caller of
// ProbeAgentService.Execute (agent_service.h) or the scheduler's assignment over the
// link (scheduler_link.h). Here, and only here, the scenario is validated, the number
// of scenarios running at once is capped, the agent refuses work while shutting down,
// and the outcome is stamped with this agent's environment. Plain logic over the
// executor: no gRPC, so both paths are unit-tested alike.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_SCENARIO_ENTRANCE_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_SCENARIO_ENTRANCE_H_

#include <atomic>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "meshproof/agent/v1/agent.pb.h"
#include "meshproof/result/v1/result.pb.h"
#include "meshproof/scenario/v1/scenario.pb.h"
#include "meshproof/scheduler/v1/agent_gateway.pb.h"
#include "services/common/clock.h"
#include "services/probe-agent/scenario_executor.h"

namespace meshproof::agent {

using EmitFn = std::function<void(const meshproof::result::v1::TestResult&)>;

class ScenarioEntrance {
 public:
  // `info` describes this agent (its cluster, namespace, version and environment kind
  // go into every outcome); at most `max_scenarios` scenarios run at once, over both
  // paths together.
  ScenarioEntrance(ScenarioExecutor* executor, const Clock* clock,
                   meshproof::agent::v1::AgentInfo info, int max_scenarios);

  // Executes `scenario` as ScenarioExecutor::Execute does (`emit` and `cancelled` as
  // there) and returns the outcome with this agent's environment. Refuses before running
  // anything: UNAVAILABLE while shutting down, INVALID_ARGUMENT when the scenario is
  // missing or breaks a rule (the message names the field), RESOURCE_EXHAUSTED when
  // max_scenarios are already running. `options.approved` is the caller's to decide:
  // the gRPC adapter never sets it, an assignment sets it from the scheduler. `run_id`
  // (may be empty) only goes into the log.
  absl::StatusOr<meshproof::result::v1::ScenarioOutcome> Execute(
      const meshproof::scenario::v1::Scenario* scenario, const ExecuteOptions& options,
      const EmitFn& emit, const std::function<bool()>& cancelled, const std::string& run_id = "");

  // The scheduler-link path: executes `assignment` (its tests, and its gated tests only
  // when the scheduler says the run was approved). A refusal cannot be an RPC status on
  // the link, so it becomes the run's outcome: verdict ERROR, the refusal as its reason,
  // no results — the scheduler records why the run did not run.
  meshproof::result::v1::ScenarioOutcome ExecuteAssignment(
      const meshproof::scheduler::v1::Assignment& assignment, const EmitFn& emit,
      const std::function<bool()>& cancelled);

  // Refuses new work from now on (UNAVAILABLE). Running scenarios go on until their
  // callers cancel them.
  void Shutdown() { shutting_down_ = true; }

  // Scenarios running now, for logs and tests.
  int running() const { return running_.load(); }
  const meshproof::agent::v1::AgentInfo& info() const { return info_; }

 private:
  // Sets this agent's cluster, namespace, version and environment kind in `env`.
  void StampEnvironment(meshproof::result::v1::Environment* env) const;

  ScenarioExecutor* const executor_;
  const Clock* const clock_;
  const meshproof::agent::v1::AgentInfo info_;
  const int max_scenarios_;
  std::atomic<int> running_{0};
  std::atomic<bool> shutting_down_{false};
};

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_SCENARIO_ENTRANCE_H_
