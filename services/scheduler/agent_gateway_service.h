// The gRPC adapter of AgentGatewayService.Connect, on gRPC's callback API: each session is
// a reactor (agent_session_reactor.h) that reads the agent's messages and writes what the
// scheduler queued, with no thread of its own; the Scheduler's work for every session
// runs on one small WorkerPool, so threads do not grow with the number of agents.
#ifndef MESHPROOF_SERVICES_SCHEDULER_AGENT_GATEWAY_SERVICE_H_
#define MESHPROOF_SERVICES_SCHEDULER_AGENT_GATEWAY_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <memory>

#include "meshproof/scheduler/v1/agent_gateway.grpc.pb.h"
#include "services/common/auth/authorizer.h"
#include "services/scheduler/scheduler.h"
#include "services/scheduler/worker_pool.h"

namespace meshproof::scheduler {

class AgentGatewayServiceImpl final : public v1::AgentGatewayService::CallbackService {
 public:
  // With `authorizer` (tokens on) a hello must claim the agent id and cluster its token
  // is bound to (agent_binding.h), and the agent is given only its bound teams' runs.
  // `workers` runs the sessions' scheduler calls and must outlive the server.
  AgentGatewayServiceImpl(Scheduler* scheduler, WorkerPool* workers,
                          std::shared_ptr<const auth::Authorizer> authorizer = nullptr)
      : scheduler_(scheduler), workers_(workers), authorizer_(std::move(authorizer)) {}

  grpc::ServerBidiReactor<v1::AgentMessage, v1::SchedulerMessage>* Connect(
      grpc::CallbackServerContext* context) override;

 private:
  Scheduler* scheduler_;
  WorkerPool* workers_;
  std::shared_ptr<const auth::Authorizer> authorizer_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_AGENT_GATEWAY_SERVICE_H_
