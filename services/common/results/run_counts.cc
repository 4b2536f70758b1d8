#include "services/common/results/run_counts.h"

namespace meshproof::results {

namespace rv1 = ::meshproof::result::v1;

rv1::RunCounts CountTests(const std::vector<rv1::TestResult>& results) {
  rv1::RunCounts counts;
  for (const rv1::TestResult& r : results) {
    if (r.phase() != rv1::PHASE_TEST) continue;
    counts.set_total(counts.total() + 1);
    switch (r.verdict()) {
      case rv1::TEST_VERDICT_PASS:
        counts.set_passed(counts.passed() + 1);
        if (r.passed_on_retry()) counts.set_passed_on_retry(counts.passed_on_retry() + 1);
        break;
      case rv1::TEST_VERDICT_FAIL: counts.set_failed(counts.failed() + 1); break;
      case rv1::TEST_VERDICT_ERROR: counts.set_errors(counts.errors() + 1); break;
      case rv1::TEST_VERDICT_SKIPPED: counts.set_skipped(counts.skipped() + 1); break;
      case rv1::TEST_VERDICT_BLOCKED: counts.set_blocked(counts.blocked() + 1); break;
      case rv1::TEST_VERDICT_NOT_RUN: counts.set_not_run(counts.not_run() + 1); break;
      default: break;
    }
  }
  return counts;
}

}  // namespace meshproof::results
