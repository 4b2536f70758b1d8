// The gRPC adapter of AgentGatewayService.Connect: reads the agent's messages on the
// handler thread and hands them to the Scheduler; a writer thread per session sends what
// the scheduler queued (GrpcAgentSink), so the scheduler never blocks on a slow agent.
#ifndef MESHPROOF_SERVICES_SCHEDULER_AGENT_GATEWAY_SERVICE_H_
#define MESHPROOF_SERVICES_SCHEDULER_AGENT_GATEWAY_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "meshproof/scheduler/v1/agent_gateway.grpc.pb.h"
#include "services/scheduler/scheduler.h"

namespace meshproof::scheduler {

class AgentGatewayServiceImpl final : public v1::AgentGatewayService::Service {
 public:
  explicit AgentGatewayServiceImpl(Scheduler* scheduler) : scheduler_(scheduler) {}

  grpc::Status Connect(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::SchedulerMessage, v1::AgentMessage>* stream) override;

 private:
  Scheduler* scheduler_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_AGENT_GATEWAY_SERVICE_H_
