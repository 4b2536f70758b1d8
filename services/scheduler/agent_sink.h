// The agent transport seam: how the scheduler's domain class talks to one connected
// agent without knowing about gRPC. The gateway adapter implements it over the Connect
// stream; tests implement it with a recording fake.
#ifndef MESHPROOF_SERVICES_SCHEDULER_AGENT_SINK_H_
#define MESHPROOF_SERVICES_SCHEDULER_AGENT_SINK_H_

#include "absl/status/status.h"
#include "meshproof/scheduler/v1/agent_gateway.pb.h"

namespace meshproof::scheduler {

class AgentSink {
 public:
  virtual ~AgentSink() = default;
  // Queues a message for the agent; never blocks on the network.
  virtual void Send(const v1::SchedulerMessage& message) = 0;
  // Ends the session with `status` (replaced by a newer session, shutting down).
  virtual void Close(const absl::Status& status) = 0;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_AGENT_SINK_H_
