#include "services/common/results/verdict_change.h"

namespace meshproof::results {

namespace rv1 = meshproof::result::v1;

bool IsComparableVerdict(rv1::TestVerdict verdict) {
  return verdict == rv1::TEST_VERDICT_PASS || verdict == rv1::TEST_VERDICT_FAIL ||
         verdict == rv1::TEST_VERDICT_ERROR;
}

VerdictChange ClassifyVerdictChange(rv1::TestVerdict before, rv1::TestVerdict now) {
  if (!IsComparableVerdict(before) || !IsComparableVerdict(now)) return VerdictChange::kOther;
  const bool passed = before == rv1::TEST_VERDICT_PASS;
  const bool passes = now == rv1::TEST_VERDICT_PASS;
  if (passed && passes) return VerdictChange::kStillPassing;
  if (passed) return VerdictChange::kRegressed;
  if (passes) return VerdictChange::kFixed;
  return VerdictChange::kStillFailing;
}

}  // namespace meshproof::results
