// How one test's verdict moved between an earlier run and a later one. The store's
// `compare` and the scheduler's run.regressed / run.fixed notifications both classify
// with this, so "regressed" means the same thing in a report and in an alert.
#ifndef MESHPROOF_SERVICES_COMMON_RESULTS_VERDICT_CHANGE_H_
#define MESHPROOF_SERVICES_COMMON_RESULTS_VERDICT_CHANGE_H_

#include "meshproof/result/v1/result.pb.h"

namespace meshproof::results {

enum class VerdictChange {
  kStillPassing,  // PASS → PASS
  kRegressed,     // PASS → FAIL or ERROR: what was proven is no longer proven
  kFixed,         // FAIL or ERROR → PASS
  kStillFailing,  // FAIL or ERROR on both sides
  kOther,         // either side SKIPPED, BLOCKED, NOT_RUN or unknown: nothing to compare
};

// Returns whether `verdict` is one a comparison weighs: PASS, FAIL or ERROR. A test that
// was SKIPPED, BLOCKED or NOT_RUN was not attempted, so its run says nothing about it.
bool IsComparableVerdict(meshproof::result::v1::TestVerdict verdict);

// Returns the change from `before` to `now`. A PASS that becomes ERROR is a regression:
// the evidence that proved the test is gone, whether the mesh broke or the proof did.
VerdictChange ClassifyVerdictChange(meshproof::result::v1::TestVerdict before,
                                    meshproof::result::v1::TestVerdict now);

}  // namespace meshproof::results

#endif  // MESHPROOF_SERVICES_COMMON_RESULTS_VERDICT_CHANGE_H_
