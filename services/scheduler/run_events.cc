#include "services/scheduler/run_events.h"

namespace meshproof::scheduler {

void RunEventHub::Publish(const std::string& run_id, const v1::RunEvent& event) {
  std::vector<std::shared_ptr<RunEventListener>> to_tell;
  {
    absl::MutexLock lock(&mu_);
    Log& log = logs_[run_id];
    auto [begin, end] = listeners_.equal_range(run_id);
    for (auto it = begin; it != end; ++it) to_tell.push_back(it->second);
    if (to_tell.empty()) {
      // Nobody can take it: a watcher that comes later reads it from the database.
      ++log.base;
    } else {
      log.events.push_back(event);
    }
  }
  // Outside the lock: a listener takes the events it was told of.
  for (const auto& listener : to_tell) listener->OnRunEvents();
}

std::vector<v1::RunEvent> RunEventHub::Take(const std::string& run_id, uint64_t* cursor) {
  absl::MutexLock lock(&mu_);
  return TakeLocked(run_id, cursor);
}

uint64_t RunEventHub::Subscribe(const std::string& run_id,
                                std::shared_ptr<RunEventListener> listener) {
  absl::MutexLock lock(&mu_);
  listeners_.emplace(run_id, std::move(listener));
  const Log& log = logs_[run_id];
  return log.base + log.events.size();
}

void RunEventHub::Unsubscribe(const std::string& run_id, const RunEventListener* listener) {
  absl::MutexLock lock(&mu_);
  auto [begin, end] = listeners_.equal_range(run_id);
  for (auto it = begin; it != end; ++it) {
    if (it->second.get() == listener) {
      listeners_.erase(it);
      break;
    }
  }
  if (listeners_.count(run_id) > 0) return;
  // The last watcher left: nobody will take what is held.
  if (auto log = logs_.find(run_id); log != logs_.end()) {
    log->second.base += log->second.events.size();
    std::vector<v1::RunEvent>().swap(log->second.events);
  }
}

size_t RunEventHub::HeldEvents(const std::string& run_id) {
  absl::MutexLock lock(&mu_);
  auto log = logs_.find(run_id);
  return log == logs_.end() ? 0 : log->second.events.size();
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
  return TakeLocked(run_id, cursor);
}

std::vector<v1::RunEvent> RunEventHub::TakeLocked(const std::string& run_id, uint64_t* cursor) {
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
  std::vector<std::shared_ptr<RunEventListener>> to_tell;
  {
    absl::MutexLock lock(&mu_);
    shutdown_ = true;
    for (const auto& [run_id, listener] : listeners_) to_tell.push_back(listener);
  }
  for (const auto& listener : to_tell) listener->OnRunEvents();
}

bool RunEventHub::shut_down() {
  absl::MutexLock lock(&mu_);
  return shutdown_;
}

}  // namespace meshproof::scheduler
