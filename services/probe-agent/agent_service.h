// The gRPC adapter of the agent: ProbeAgentService.Execute and GetInfo over the
// executor. Converts and maps statuses; the work runs on the sync server's threads,
// never on a callback reactor.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_AGENT_SERVICE_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_AGENT_SERVICE_H_

#include <atomic>

#include "meshproof/agent/v1/agent.grpc.pb.h"
#include "services/probe-agent/scenario_executor.h"

namespace meshproof::agent {

class AgentService final : public meshproof::agent::v1::ProbeAgentService::Service {
 public:
  AgentService(ScenarioExecutor* executor, meshproof::agent::v1::AgentInfo info, int max_scenarios);

  grpc::Status Execute(grpc::ServerContext* context, const meshproof::agent::v1::ExecuteRequest* request,
                       grpc::ServerWriter<meshproof::agent::v1::ExecuteEvent>* writer) override;
  grpc::Status GetInfo(grpc::ServerContext* context, const meshproof::agent::v1::GetInfoRequest* request,
                       meshproof::agent::v1::AgentInfo* response) override;

  // Refuses new work (UNAVAILABLE). Running scenarios go on until the server's drain
  // deadline cancels their calls, which aborts their probes.
  void Shutdown() { shutting_down_ = true; }

 private:
  ScenarioExecutor* executor_;
  const meshproof::agent::v1::AgentInfo info_;
  const int max_scenarios_;
  std::atomic<int> running_{0};
  std::atomic<bool> shutting_down_{false};
};

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_AGENT_SERVICE_H_
