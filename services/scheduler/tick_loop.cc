#include "services/scheduler/tick_loop.h"

namespace meshproof::scheduler {

bool ClockWaiter::WaitUntil(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return woken_ || stopped_; };
  const absl::Duration left = deadline - clock_->Now();
  if (left > absl::ZeroDuration()) mu_.AwaitWithTimeout(absl::Condition(&done), left);
  woken_ = false;
  return !stopped_;
}

void ClockWaiter::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

void ClockWaiter::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
}

void TickLoop::Start() {
  thread_ = std::thread([this] {
    absl::Time next = scheduler_->Tick();
    while (waiter_->WaitUntil(next)) next = scheduler_->Tick();
  });
}

void TickLoop::Stop() {
  waiter_->Stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace meshproof::scheduler
