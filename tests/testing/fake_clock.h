// A Clock that moves only when a test advances it.
#ifndef MESHPROOF_TESTS_TESTING_FAKE_CLOCK_H_
#define MESHPROOF_TESTS_TESTING_FAKE_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "services/common/clock.h"

namespace meshproof::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1780790400))  // 2026-06-07
      : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_;
};

}  // namespace meshproof::testing

#endif  // MESHPROOF_TESTS_TESTING_FAKE_CLOCK_H_
