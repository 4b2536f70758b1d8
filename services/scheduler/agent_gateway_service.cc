#include "services/scheduler/agent_gateway_service.h"

#include "services/scheduler/agent_session_reactor.h"

namespace meshproof::scheduler {

grpc::ServerBidiReactor<v1::AgentMessage, v1::SchedulerMessage>* AgentGatewayServiceImpl::Connect(
    grpc::CallbackServerContext* context) {
  return new AgentSessionReactor(context, scheduler_, workers_, authorizer_.get());
}

}  // namespace meshproof::scheduler
