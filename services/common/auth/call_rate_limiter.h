// Per-caller call budgets: a token bucket for each token whose entry in the tokens file
// sets `calls_per_second`. One caller (a runaway script, a leaked token) then cannot take
// every thread and database turn from the others; its surplus calls are refused before
// any handler runs. Streams count as one call when they open, so an agent's long-lived
// session or a watch is never cut by its budget.
#ifndef MESHPROOF_SERVICES_COMMON_AUTH_CALL_RATE_LIMITER_H_
#define MESHPROOF_SERVICES_COMMON_AUTH_CALL_RATE_LIMITER_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/clock.h"

namespace meshproof::auth {

// A caller's budget. per_second 0 means no limit.
struct CallRate {
  double per_second = 0;
  // Calls that may arrive at once after a quiet spell (the bucket's size); at least 1.
  int burst = 1;
};

class CallRateLimiter {
 public:
  explicit CallRateLimiter(const Clock* clock = RealClock::Get()) : clock_(clock) {}

  // Takes one call from `caller`'s bucket, which refills at rate.per_second up to
  // rate.burst. OkStatus when the call may go on (always, when rate.per_second is 0);
  // RESOURCE_EXHAUSTED naming the caller and its rate when the bucket is empty.
  absl::Status Take(const std::string& caller, const CallRate& rate);

 private:
  struct Bucket {
    double calls = 0;  // calls available now
    absl::Time refilled;
  };
  const Clock* clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meshproof::auth

#endif  // MESHPROOF_SERVICES_COMMON_AUTH_CALL_RATE_LIMITER_H_
