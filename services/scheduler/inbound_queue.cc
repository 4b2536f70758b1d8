#include "services/scheduler/inbound_queue.h"

#include <algorithm>
#include <utility>

namespace meshproof::scheduler {

InboundQueue::InboundQueue(size_t max_queued, size_t max_batch)
    : max_queued_(std::max<size_t>(max_queued, 1)), max_batch_(std::max<size_t>(max_batch, 1)) {}

bool InboundQueue::Push(v1::AgentMessage message) {
  messages_.push_back(std::move(message));
  paused_ = messages_.size() >= max_queued_;
  return !paused_;
}

std::vector<v1::AgentMessage> InboundQueue::TakeBatch() {
  std::vector<v1::AgentMessage> batch;
  batch.reserve(std::min(messages_.size(), max_batch_));
  while (!messages_.empty() && batch.size() < max_batch_) {
    batch.push_back(std::move(messages_.front()));
    messages_.pop_front();
  }
  return batch;
}

bool InboundQueue::ResumeAfterBatch() {
  if (!paused_ || messages_.size() >= max_queued_) return false;
  paused_ = false;
  return true;
}

}  // namespace meshproof::scheduler
