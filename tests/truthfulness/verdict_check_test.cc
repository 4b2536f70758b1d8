// The judge: a case passes only when verdict AND reason are right, and a wrong PASS or
// FAIL is tallied as a false PASS or a false FAIL.

#include "tests/truthfulness/verdict_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace meshproof::truth {
namespace {

using ::testing::HasSubstr;

Expectation Expect(const std::string& test, std::vector<Outcome> any_of) {
  Expectation e;
  e.name = test;
  if (test.empty()) e.subject = Expectation::Subject::kRun;
  e.any_of = std::move(any_of);
  return e;
}

TEST(JudgeTest, RightVerdictAndReasonPasses) {
  const Judgement j = Judge(Expect("t", {{"FAIL", {"no new line"}, ""}}),
                            Observed{"FAIL", "x: no new line matching"});
  EXPECT_TRUE(j.ok);
  EXPECT_EQ(j.false_kind, "");
}

TEST(JudgeTest, RightVerdictWithTheWrongReasonIsWrong) {
  const Judgement j =
      Judge(Expect("t", {{"FAIL", {"no new line"}, ""}}), Observed{"FAIL", "expect.status: 503"});
  EXPECT_FALSE(j.ok);
  EXPECT_EQ(j.false_kind, "");
  EXPECT_THAT(j.why, HasSubstr("lacks \"no new line\""));
}

TEST(JudgeTest, PassWhereFailWasRightIsAFalsePass) {
  const Judgement j = Judge(Expect("t", {{"FAIL", {}, ""}}), Observed{"PASS", ""});
  EXPECT_FALSE(j.ok);
  EXPECT_EQ(j.false_kind, "pass");
  EXPECT_EQ(TruthLine("c", 1, Expect("t", {{"FAIL", {}, ""}}), Observed{"PASS", "a \"b\""}, j),
            "TRUTH case=c run=1 test=t expected=FAIL got=PASS ok=0 false=pass reason=\"a 'b'\"");
}

TEST(JudgeTest, FailWhereErrorWasRightIsAFalseFail) {
  const Judgement j = Judge(Expect("t", {{"PASS", {}, ""}, {"ERROR", {"rotat"}, ""}}),
                            Observed{"FAIL", "no new line"});
  EXPECT_FALSE(j.ok);
  EXPECT_EQ(j.false_kind, "fail");
  EXPECT_EQ(j.expected, "PASS|ERROR");
}

TEST(JudgeTest, AnyOfAcceptsEachAlternativeWithItsOwnReason) {
  const Expectation e = Expect("t", {{"PASS", {}, ""}, {"ERROR", {}, "could not observe"}});
  EXPECT_TRUE(Judge(e, Observed{"PASS", ""}).ok);
  EXPECT_TRUE(Judge(e, Observed{"ERROR", "could not observe the log: gone"}).ok);
  EXPECT_FALSE(Judge(e, Observed{"ERROR", "the log: could not observe"}).ok);
}

TEST(JudgeTest, ARunVerdictCountsLikeATestVerdict) {
  Expectation e = Expect("", {{"INCONCLUSIVE", {}, ""}});
  const Judgement j = Judge(e, Observed{"PASSED", ""});
  EXPECT_EQ(j.false_kind, "pass");
  EXPECT_THAT(TruthLine("c", 2, e, Observed{"PASSED", ""}, j),
              HasSubstr("test=(run) expected=INCONCLUSIVE got=PASSED"));
}

TEST(JudgeTest, VerdictNotRejectsOnlyTheNamedVerdicts) {
  Expectation e;
  e.subject = Expectation::Subject::kClaim;
  e.name = "C5";
  e.verdict_not = {"REFUTED", "CONFIRMED"};
  EXPECT_TRUE(Judge(e, Observed{"UNTESTED", ""}).ok);
  const Judgement refuted = Judge(e, Observed{"REFUTED", ""});
  EXPECT_FALSE(refuted.ok);
  EXPECT_EQ(refuted.false_kind, "fail");
  const Judgement confirmed = Judge(e, Observed{"CONFIRMED", ""});
  EXPECT_EQ(confirmed.false_kind, "pass");
  EXPECT_THAT(TruthLine("c", 1, e, Observed{"CONFIRMED", ""}, confirmed),
              HasSubstr("claim=C5 expected=not:REFUTED|CONFIRMED got=CONFIRMED ok=0 false=pass"));
}

TEST(JudgeTest, NoResultIsWrongButNotFalse) {
  const Judgement j = Judge(Expect("t", {{"FAIL", {}, ""}}), std::nullopt);
  EXPECT_FALSE(j.ok);
  EXPECT_EQ(j.got, "MISSING");
  EXPECT_EQ(j.false_kind, "");
}

}  // namespace
}  // namespace meshproof::truth
