#include "services/results-store/retention_loop.h"

#include "services/common/log.h"
#include "services/results-store/run_records.h"

namespace meshproof::store {

void RetentionLoop::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void RetentionLoop::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void RetentionLoop::Loop() {
  while (true) {
    v1::ApplyRetentionRequest request;
    *request.mutable_cutoff() = FromMicros(absl::ToUnixMicros(clock_->Now() - keep_));
    absl::StatusOr<v1::ApplyRetentionResponse> result = store_->ApplyRetention(request);
    if (!result.ok()) LogWarning("retention failed: ", result.status().ToString());
    absl::MutexLock lock(&mu_);
    // Wakes early when stopped; otherwise waits one period.
    if (mu_.AwaitWithTimeout(absl::Condition(&stop_), period_)) return;
  }
}

}  // namespace meshproof::store
