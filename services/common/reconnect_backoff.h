// Delays between reconnect attempts: a short first retry, doubling to a cap, with jitter
// so that many clients that lost the same server do not come back in lockstep.
#ifndef MESHPROOF_SERVICES_COMMON_RECONNECT_BACKOFF_H_
#define MESHPROOF_SERVICES_COMMON_RECONNECT_BACKOFF_H_

#include <cstdint>

#include "absl/time/time.h"

namespace meshproof {

class ReconnectBackoff {
 public:
  // `initial` is the base of the first delay, `max` caps the base; each delay is drawn
  // from [base/2, base] (jitter). `seed` makes the draws repeatable in tests.
  ReconnectBackoff(absl::Duration initial, absl::Duration max, uint64_t seed);

  // The delay before the next attempt; the base doubles (up to max) after each call.
  absl::Duration Next();
  // Back to the short first delay, after a connection that stayed healthy.
  void Reset() { base_ = initial_; }

 private:
  absl::Duration initial_, max_, base_;
  uint64_t state_;
};

// A seed that differs between processes and calls (time and address based).
uint64_t BackoffSeed();

}  // namespace meshproof

#endif  // MESHPROOF_SERVICES_COMMON_RECONNECT_BACKOFF_H_
