// The one rule for how a test's verdict moved between two runs, on every pair of
// verdicts: what `compare` and the run.regressed / run.fixed notifications both report.
#include "services/common/results/verdict_change.h"

#include <gtest/gtest.h>

#include <vector>

namespace meshproof::results {
namespace {

namespace rv1 = ::meshproof::result::v1;

TEST(VerdictChangeTest, EveryPairOfVerdicts) {
  using V = rv1::TestVerdict;
  const V kPass = rv1::TEST_VERDICT_PASS, kFail = rv1::TEST_VERDICT_FAIL,
          kError = rv1::TEST_VERDICT_ERROR;
  EXPECT_EQ(ClassifyVerdictChange(kPass, kPass), VerdictChange::kStillPassing);
  EXPECT_EQ(ClassifyVerdictChange(kPass, kFail), VerdictChange::kRegressed);
  EXPECT_EQ(ClassifyVerdictChange(kPass, kError), VerdictChange::kRegressed);
  EXPECT_EQ(ClassifyVerdictChange(kFail, kPass), VerdictChange::kFixed);
  EXPECT_EQ(ClassifyVerdictChange(kError, kPass), VerdictChange::kFixed);
  EXPECT_EQ(ClassifyVerdictChange(kFail, kFail), VerdictChange::kStillFailing);
  EXPECT_EQ(ClassifyVerdictChange(kFail, kError), VerdictChange::kStillFailing);
  EXPECT_EQ(ClassifyVerdictChange(kError, kFail), VerdictChange::kStillFailing);
  EXPECT_EQ(ClassifyVerdictChange(kError, kError), VerdictChange::kStillFailing);
}

TEST(VerdictChangeTest, ATestThatWasNotAttemptedOnEitherSideIsNeverARegressionOrAFix) {
  const std::vector<rv1::TestVerdict> not_attempted = {
      rv1::TEST_VERDICT_SKIPPED, rv1::TEST_VERDICT_BLOCKED, rv1::TEST_VERDICT_NOT_RUN,
      rv1::TEST_VERDICT_UNSPECIFIED};
  const std::vector<rv1::TestVerdict> attempted = {rv1::TEST_VERDICT_PASS, rv1::TEST_VERDICT_FAIL,
                                                   rv1::TEST_VERDICT_ERROR};
  for (rv1::TestVerdict absent : not_attempted) {
    EXPECT_FALSE(IsComparableVerdict(absent)) << absent;
    for (rv1::TestVerdict seen : attempted) {
      EXPECT_TRUE(IsComparableVerdict(seen)) << seen;
      EXPECT_EQ(ClassifyVerdictChange(absent, seen), VerdictChange::kOther) << absent << seen;
      EXPECT_EQ(ClassifyVerdictChange(seen, absent), VerdictChange::kOther) << seen << absent;
    }
  }
}

}  // namespace
}  // namespace meshproof::results
