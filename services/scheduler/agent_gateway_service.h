// The gRPC adapter of AgentGatewayService.Connect: reads the agent's messages on the
// handler thread and hands them to the Scheduler; a writer thread per session sends what
// the scheduler queued (GrpcAgentSink), so the scheduler never blocks on a slow agent.
#ifndef MESHPROOF_SERVICES_SCHEDULER_AGENT_GATEWAY_SERVICE_H_
#define MESHPROOF_SERVICES_SCHEDULER_AGENT_GATEWAY_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <memory>

#include "meshproof/scheduler/v1/agent_gateway.grpc.pb.h"
#include "services/common/auth/authorizer.h"
#include "services/scheduler/scheduler.h"

namespace meshproof::scheduler {

class AgentGatewayServiceImpl final : public v1::AgentGatewayService::Service {
 public:
  // With `authorizer` (tokens on) a hello must claim the agent id and cluster its token
  // is bound to (agent_binding.h), and the agent is given only its bound teams' runs.
  explicit AgentGatewayServiceImpl(Scheduler* scheduler,
                                   std::shared_ptr<const auth::Authorizer> authorizer = nullptr)
      : scheduler_(scheduler), authorizer_(std::move(authorizer)) {}

  grpc::Status Connect(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::SchedulerMessage, v1::AgentMessage>* stream) override;

 private:
  Scheduler* scheduler_;
  std::shared_ptr<const auth::Authorizer> authorizer_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_AGENT_GATEWAY_SERVICE_H_
