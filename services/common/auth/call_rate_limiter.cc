#include "services/common/auth/call_rate_limiter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace meshproof::auth {

absl::Status CallRateLimiter::Take(const std::string& caller, const CallRate& rate) {
  if (rate.per_second <= 0) return absl::OkStatus();
  const double capacity = std::max(1, rate.burst);
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = buckets_.try_emplace(caller, Bucket{capacity, now});
  Bucket& bucket = it->second;
  if (!inserted && now > bucket.refilled) {
    bucket.calls = std::min(
        capacity, bucket.calls + absl::ToDoubleSeconds(now - bucket.refilled) * rate.per_second);
    bucket.refilled = now;
  }
  if (bucket.calls < 1) {
    // The message tells the caller what to change (slow down, or ask for a larger budget);
    // retrying at once only fails again.
    return absl::ResourceExhaustedError(
        absl::StrCat("token \"", caller, "\" is over its call budget of ", rate.per_second,
                     " calls/s (burst ", std::max(1, rate.burst), "); retry later"));
  }
  bucket.calls -= 1;
  return absl::OkStatus();
}

}  // namespace meshproof::auth
