#include "services/results-store/flakiness.h"

namespace meshproof::store {

void FlipCounter::Add(result::v1::TestVerdict verdict, bool passed_on_retry) {
  const bool passed = verdict == result::v1::TEST_VERDICT_PASS;
  if (!passed && verdict != result::v1::TEST_VERDICT_FAIL &&
      verdict != result::v1::TEST_VERDICT_ERROR) {
    return;
  }
  if (runs_ > 0 && passed != last_passed_) ++flips_;
  last_passed_ = passed;
  ++runs_;
  if (!passed) ++failures_;
  if (passed && passed_on_retry) ++passed_on_retry_;
}

}  // namespace meshproof::store
