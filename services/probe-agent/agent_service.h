// The gRPC adapter of the agent: ProbeAgentService.Execute and GetInfo over the
// scenario entrance (scenario_entrance.h, where validation, the concurrency cap and the
// environment are decided). Converts and maps statuses, and refuses a request that
// claims approval; the work runs on the sync server's threads, never on a callback
// reactor.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_AGENT_SERVICE_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_AGENT_SERVICE_H_

#include "meshproof/agent/v1/agent.grpc.pb.h"
#include "services/probe-agent/scenario_entrance.h"

namespace meshproof::agent {

class AgentService final : public meshproof::agent::v1::ProbeAgentService::Service {
 public:
  explicit AgentService(ScenarioEntrance* entrance) : entrance_(entrance) {}

  grpc::Status Execute(grpc::ServerContext* context,
                       const meshproof::agent::v1::ExecuteRequest* request,
                       grpc::ServerWriter<meshproof::agent::v1::ExecuteEvent>* writer) override;
  grpc::Status GetInfo(grpc::ServerContext* context,
                       const meshproof::agent::v1::GetInfoRequest* request,
                       meshproof::agent::v1::AgentInfo* response) override;

  // Refuses new work (UNAVAILABLE), on this path and the scheduler link's. Running
  // scenarios go on until the server's drain deadline cancels their calls, which aborts
  // their probes.
  void Shutdown() { entrance_->Shutdown(); }

 private:
  ScenarioEntrance* const entrance_;
};

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_AGENT_SERVICE_H_
