// The verdict of a run from its tests: what stopped it early decides first (a failed
// preflight check makes it INCONCLUSIVE, a failed setup step ERROR, a cancellation
// before the tests CANCELLED), then a cancellation during the tests, then any FAIL, then
// any ERROR; otherwise PASSED. Skipped tests never count against a run.
#ifndef MESHPROOF_SERVICES_COMMON_RESULTS_RUN_VERDICT_H_
#define MESHPROOF_SERVICES_COMMON_RESULTS_RUN_VERDICT_H_

#include <string>
#include <vector>

#include "meshproof/result/v1/result.pb.h"

namespace meshproof::results {

// Why a run stopped before its tests ran; `verdict` UNSPECIFIED when it did not.
struct RunStop {
  meshproof::result::v1::RunVerdict verdict = meshproof::result::v1::RUN_VERDICT_UNSPECIFIED;
  std::string reason;
};

struct RunDecision {
  meshproof::result::v1::RunVerdict verdict = meshproof::result::v1::RUN_VERDICT_UNSPECIFIED;
  // One line: the stop's reason, "the run was cancelled", "2 failed; first: T: why",
  // "1 tests could not be executed"; empty when PASSED.
  std::string reason;
};

// Returns the verdict of a run whose test-phase results are `tests` (other phases are
// ignored). A NOT_RUN test means the run was cancelled while tests ran.
RunDecision DecideRunVerdict(const RunStop& stop,
                             const std::vector<meshproof::result::v1::TestResult>& tests);

}  // namespace meshproof::results

#endif  // MESHPROOF_SERVICES_COMMON_RESULTS_RUN_VERDICT_H_
