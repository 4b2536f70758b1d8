#include "services/common/results/run_verdict.h"

#include "absl/strings/str_cat.h"
#include "services/common/results/run_counts.h"

namespace meshproof::results {

namespace rv1 = ::meshproof::result::v1;

RunDecision DecideRunVerdict(const RunStop& stop, const std::vector<rv1::TestResult>& tests) {
  if (stop.verdict != rv1::RUN_VERDICT_UNSPECIFIED) return {stop.verdict, stop.reason};
  const rv1::RunCounts counts = CountTests(tests);
  // A test is NOT_RUN only when the call was cancelled while tests ran; what the others
  // saw is partial, so the run says so rather than PASSED or FAILED.
  if (counts.not_run() > 0) return {rv1::RUN_VERDICT_CANCELLED, "the run was cancelled"};
  if (counts.failed() > 0) {
    for (const rv1::TestResult& r : tests) {
      if (r.phase() == rv1::PHASE_TEST && r.verdict() == rv1::TEST_VERDICT_FAIL) {
        return {rv1::RUN_VERDICT_FAILED,
                absl::StrCat(counts.failed(), " failed; first: ", r.test(), ": ", r.reason())};
      }
    }
  }
  if (counts.errors() > 0) {
    return {rv1::RUN_VERDICT_ERROR, absl::StrCat(counts.errors(), " tests could not be executed")};
  }
  return {rv1::RUN_VERDICT_PASSED, ""};
}

}  // namespace meshproof::results
