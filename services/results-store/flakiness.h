// Flip counting for ListFlakyTests: given one test's verdicts in one (scenario, cluster),
// oldest first, how often did it flip between passing and failing?
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_FLAKINESS_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_FLAKINESS_H_

#include <cstdint>

#include "meshproof/result/v1/result.pb.h"

namespace meshproof::store {

// Accumulates a test's observations, oldest first. Only executed results (PASS, FAIL,
// ERROR) count: SKIPPED, BLOCKED and NOT_RUN say nothing about the test itself.
class FlipCounter {
 public:
  // Adds the next (newer) observation.
  void Add(result::v1::TestVerdict verdict, bool passed_on_retry);

  uint32_t runs() const { return runs_; }
  uint32_t flips() const { return flips_; }
  uint32_t failures() const { return failures_; }
  uint32_t passed_on_retry() const { return passed_on_retry_; }
  // flips / (runs - 1); 0 with fewer than two runs.
  double flip_rate() const { return runs_ < 2 ? 0.0 : static_cast<double>(flips_) / (runs_ - 1); }
  // True when the test flipped at least once or needed a retry to pass.
  bool flaky() const { return flips_ > 0 || passed_on_retry_ > 0; }

 private:
  uint32_t runs_ = 0;
  uint32_t flips_ = 0;
  uint32_t failures_ = 0;
  uint32_t passed_on_retry_ = 0;
  bool last_passed_ = false;
};

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_FLAKINESS_H_
