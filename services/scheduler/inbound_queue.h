// The messages one agent session has read ahead of the Scheduler, and the flow-control
// decisions around them: reading pauses when `max_queued` wait (so gRPC's flow control
// slows the agent instead of the scheduler's memory growing), and resumes once a batch
// handed to the Scheduler made room. Not locked: AgentSessionReactor holds its own mutex
// around every call. Apart from the reactor so the decisions have tests of their own.
#ifndef MESHPROOF_SERVICES_SCHEDULER_INBOUND_QUEUE_H_
#define MESHPROOF_SERVICES_SCHEDULER_INBOUND_QUEUE_H_

#include <cstddef>
#include <deque>
#include <vector>

#include "meshproof/scheduler/v1/agent_gateway.pb.h"

namespace meshproof::scheduler {

class InboundQueue {
 public:
  // `max_queued` and `max_batch` are at least 1.
  InboundQueue(size_t max_queued, size_t max_batch);

  // Queues a message a read delivered. Returns whether to start the next read; false
  // means reading is paused until ResumeAfterBatch says otherwise.
  bool Push(scheduler::v1::AgentMessage message);

  // Takes up to `max_batch` messages, oldest first (empty when none wait).
  std::vector<scheduler::v1::AgentMessage> TakeBatch();

  // After a batch was handed to the Scheduler: returns true exactly once per pause, when
  // reading was paused and there is room again; the caller then starts a read.
  bool ResumeAfterBatch();

  size_t size() const { return messages_.size(); }
  bool paused() const { return paused_; }

 private:
  const size_t max_queued_;
  const size_t max_batch_;
  std::deque<scheduler::v1::AgentMessage> messages_;
  bool paused_ = false;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_INBOUND_QUEUE_H_
