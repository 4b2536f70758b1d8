#include "services/scheduler/run_events.h"

namespace meshproof::scheduler {

void RunEventHub::Publish(const std::string& run_id, const v1::RunEvent& event) {
  absl::MutexLock lock(&mu_);
  logs_[run_id].events.push_back(event);
}

uint64_t RunEventHub::Cursor(const std::string& run_id) {
  absl::MutexLock lock(&mu_);
  const Log& log = logs_[run_id];
  return log.base + log.events.size();
}

std::vector<v1::RunEvent> RunEventHub::Wait(const std::string& run_id, uint64_t* cursor,
                                            absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (shutdown_) return true;
    auto it = logs_.find(run_id);
    return it != logs_.end() && it->second.base + it->second.events.size() > *cursor;
  };
  mu_.AwaitWithDeadline(absl::Condition(&ready), deadline);
  std::vector<v1::RunEvent> out;
  auto it = logs_.find(run_id);
  if (it == logs_.end()) return out;
  const Log& log = it->second;
  uint64_t from = std::max(*cursor, log.base);
  for (uint64_t i = from; i < log.base + log.events.size(); ++i) {
    out.push_back(log.events[i - log.base]);
  }
  *cursor = log.base + log.events.size();
  return out;
}

void RunEventHub::MarkEnded(const std::string& run_id, absl::Time at) {
  absl::MutexLock lock(&mu_);
  logs_[run_id].ended_at = at;
}

void RunEventHub::ForgetEndedBefore(absl::Time cutoff) {
  absl::MutexLock lock(&mu_);
  for (auto it = logs_.begin(); it != logs_.end();) {
    it = it->second.ended_at < cutoff ? logs_.erase(it) : std::next(it);
  }
}

void RunEventHub::Shutdown() {
  absl::MutexLock lock(&mu_);
  shutdown_ = true;
}

bool RunEventHub::shut_down() {
  absl::MutexLock lock(&mu_);
  return shutdown_;
}

}  // namespace meshproof::scheduler
