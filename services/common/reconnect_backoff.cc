#include "services/common/reconnect_backoff.h"

#include <unistd.h>

#include <algorithm>

#include "absl/time/clock.h"

namespace meshproof {

ReconnectBackoff::ReconnectBackoff(absl::Duration initial, absl::Duration max, uint64_t seed)
    : initial_(initial), max_(std::max(initial, max)), base_(initial), state_(seed | 1) {}

absl::Duration ReconnectBackoff::Next() {
  // xorshift64: enough spread for jitter, no shared generator to lock.
  state_ ^= state_ << 13;
  state_ ^= state_ >> 7;
  state_ ^= state_ << 17;
  const double fraction =
      0.5 + 0.5 * static_cast<double>(state_ >> 11) / static_cast<double>(1ULL << 53);
  const absl::Duration delay = base_ * fraction;
  base_ = std::min(base_ * 2, max_);
  return delay;
}

uint64_t BackoffSeed() {
  static int anchor = 0;
  return static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())) ^
         (static_cast<uint64_t>(getpid()) << 32) ^ reinterpret_cast<uintptr_t>(&anchor);
}

}  // namespace meshproof
