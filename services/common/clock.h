// The clock seam: services read time only through Clock so tests can inject a fake one.
#ifndef MESHPROOF_SERVICES_COMMON_CLOCK_H_
#define MESHPROOF_SERVICES_COMMON_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace meshproof {

class Clock {
 public:
  virtual ~Clock() = default;
  // Returns the current time.
  virtual absl::Time Now() const = 0;
};

// The wall clock.
class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  // Returns a process-wide instance.
  static RealClock* Get() {
    static RealClock* clock = new RealClock();
    return clock;
  }
};

}  // namespace meshproof

#endif  // MESHPROOF_SERVICES_COMMON_CLOCK_H_
