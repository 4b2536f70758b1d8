// A small client of ProbeAgentService for the CLI (`meshproof probe`) and other tools:
// Execute with a deadline, each result handed to a callback as it arrives, gRPC errors
// turned into absl::Status with a message that names the agent.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_AGENT_CLIENT_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_AGENT_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "meshproof/agent/v1/agent.grpc.pb.h"

namespace meshproof::agent {

struct AgentCallOptions {
  // The whole call's deadline; the agent stops probing when it passes.
  absl::Duration timeout = absl::Minutes(10);
  // Only these tests run; empty runs all.
  std::vector<std::string> only_tests;
  // Deferred tests that require approval run.
  bool approved = false;
  // Echoed into the agent's log for correlation.
  std::string run_id;
};

class AgentClient {
 public:
  // `target` ("HOST:PORT") names the agent in error messages.
  AgentClient(std::shared_ptr<grpc::ChannelInterface> channel, std::string target);
  // Dials `target` without TLS.
  static AgentClient Insecure(const std::string& target);

  // Executes `scenario` on the agent, calling `on_result` for each result as it arrives,
  // and returns the run's outcome. Errors: UNAVAILABLE (the agent cannot be reached or is
  // shutting down; safe to retry), INVALID_ARGUMENT (the scenario breaks a rule),
  // RESOURCE_EXHAUSTED (the agent is busy), DEADLINE_EXCEEDED (results so far were
  // delivered), DATA_LOSS (the stream skipped an event or ended without an outcome).
  absl::StatusOr<meshproof::result::v1::ScenarioOutcome> Execute(
      const meshproof::scenario::v1::Scenario& scenario, const AgentCallOptions& options,
      const std::function<void(const meshproof::result::v1::TestResult&)>& on_result);

  // Returns the agent's identity and capabilities. Errors as for Execute.
  absl::StatusOr<meshproof::agent::v1::AgentInfo> GetInfo(absl::Duration timeout = absl::Seconds(10));

 private:
  absl::Status Map(const grpc::Status& status) const;

  std::unique_ptr<meshproof::agent::v1::ProbeAgentService::StubInterface> stub_;
  std::string target_;
};

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_AGENT_CLIENT_H_
