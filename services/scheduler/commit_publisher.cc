// Releasing what a committed transaction made true, in the order it was queued.
#include "services/scheduler/commit_publisher.h"

#include "services/scheduler/scheduler_state.h"

namespace meshproof::scheduler {

void CommitPublisher::QueueEvent(const std::string& run_id, v1::RunEvent event) {
  events_.emplace_back(run_id, std::move(event));
}

void CommitPublisher::QueueSend(const std::string& agent_id, v1::SchedulerMessage message) {
  sends_.emplace_back(agent_id, std::move(message));
}

absl::Status CommitPublisher::Commit(Transaction& tx) {
  absl::Status status = tx.Commit();
  if (!status.ok()) {
    Discard();
    return status;
  }
  for (auto& [run_id, event] : events_) {
    if (event.has_run() && IsTerminal(event.run().state())) {
      state_->events.MarkEnded(run_id, state_->clock->Now());
    }
    state_->events.Publish(run_id, event);
  }
  for (auto& [agent_id, message] : sends_) {
    auto it = state_->agents.find(agent_id);
    if (it != state_->agents.end() && it->second.sink != nullptr) it->second.sink->Send(message);
  }
  if (outbox_added_ && outbox_listener_) outbox_listener_();
  Discard();
  return absl::OkStatus();
}

void CommitPublisher::Discard() {
  events_.clear();
  sends_.clear();
  outbox_added_ = false;
}

}  // namespace meshproof::scheduler
