// AgentClient: the CLI's wrapper of ProbeAgentService (`meshproof probe`). Every call
// carries a deadline and the token; each result is handed on as it arrives, the event
// sequence is checked, and every error comes back described for people (rpc_error.h).
// There is no way to ask for approval here: the agent refuses it from any caller, and
// gated tests run only through the scheduler (meshproof run start / run approve).
// Tested against a small fake agent in tests/cli.
#ifndef MESHPROOF_CLIENTS_CLI_AGENT_CLIENT_H_
#define MESHPROOF_CLIENTS_CLI_AGENT_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "clients/cli/rpc_caller.h"
#include "meshproof/agent/v1/agent.grpc.pb.h"

namespace meshproof::cli {

class AgentClient {
 public:
  AgentClient(const std::shared_ptr<grpc::Channel>& channel, RpcCaller caller)
      : stub_(meshproof::agent::v1::ProbeAgentService::NewStub(channel)),
        caller_(std::move(caller)) {}

  // Executes `scenario` on the agent (only `only_tests` when not empty), calling
  // `on_result` for each result as it arrives, and returns the outcome. `timeout` bounds
  // the whole call; the agent stops probing when it passes. Errors as described by
  // DescribeRpcError (UNAVAILABLE: unreachable; INVALID_ARGUMENT: the scenario breaks a
  // rule; RESOURCE_EXHAUSTED: the agent is busy; DEADLINE_EXCEEDED: results so far were
  // delivered; UNAUTHENTICATED / PERMISSION_DENIED: the token), and DATA_LOSS when the
  // stream skipped an event or ended without an outcome.
  absl::StatusOr<meshproof::result::v1::ScenarioOutcome> Execute(
      const meshproof::scenario::v1::Scenario& scenario, const std::vector<std::string>& only_tests,
      absl::Duration timeout,
      const std::function<void(const meshproof::result::v1::TestResult&)>& on_result) const;

  // Returns the agent's identity and capabilities, within the caller's default timeout.
  absl::StatusOr<meshproof::agent::v1::AgentInfo> GetInfo() const;

 private:
  std::unique_ptr<meshproof::agent::v1::ProbeAgentService::Stub> stub_;
  RpcCaller caller_;
};

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_AGENT_CLIENT_H_
