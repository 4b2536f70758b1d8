// The shared results rules on hand-made results: verdict words, run counts, the run
// verdict, the claims ledger and what makes a test flaky.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/common/results/attempts.h"
#include "services/common/results/claims_ledger.h"
#include "services/common/results/run_counts.h"
#include "services/common/results/run_verdict.h"
#include "services/common/results/verdict_words.h"

namespace meshproof::results {
namespace {

namespace rv1 = ::meshproof::result::v1;
namespace sv1 = ::meshproof::scenario::v1;
using ::testing::ElementsAre;

rv1::TestResult Result(const std::string& test, rv1::TestVerdict verdict,
                       std::vector<std::string> claims = {}, rv1::Phase phase = rv1::PHASE_TEST) {
  rv1::TestResult r;
  r.set_test(test);
  r.set_phase(phase);
  r.set_verdict(verdict);
  r.set_reason(absl::StrCat(test, " went wrong"));
  for (const std::string& c : claims) r.add_claims(c);
  return r;
}

google::protobuf::RepeatedPtrField<sv1::Claim> Claims(std::vector<std::string> ids) {
  google::protobuf::RepeatedPtrField<sv1::Claim> claims;
  for (const std::string& id : ids) {
    sv1::Claim* c = claims.Add();
    c->set_id(id);
    c->set_text(absl::StrCat("text of ", id));
  }
  return claims;
}

std::vector<std::string> Linked(const rv1::ClaimResult& claim) {
  std::vector<std::string> out;
  for (const rv1::LinkedTest& t : claim.tests())
    out.push_back(absl::StrCat(t.test(), ":", TestVerdictWord(t.verdict())));
  return out;
}

TEST(VerdictWordsTest, NamesEveryVerdictAndNeverFailsOnUnknownNumbers) {
  EXPECT_EQ(TestVerdictWord(rv1::TEST_VERDICT_PASS), "PASS");
  EXPECT_EQ(TestVerdictWord(rv1::TEST_VERDICT_NOT_RUN), "NOT_RUN");
  EXPECT_EQ(TestVerdictWord(rv1::TEST_VERDICT_UNSPECIFIED), "?");
  EXPECT_EQ(TestVerdictWord(static_cast<rv1::TestVerdict>(77)), "?");
  EXPECT_EQ(RunVerdictWord(rv1::RUN_VERDICT_TIMED_OUT), "TIMED_OUT");
  EXPECT_EQ(RunVerdictWord(rv1::RUN_VERDICT_UNSPECIFIED), "OPEN");
  EXPECT_EQ(RunVerdictWord(static_cast<rv1::RunVerdict>(77)), "?");
  EXPECT_EQ(ClaimVerdictWord(rv1::CLAIM_VERDICT_REFUTED), "REFUTED");
  EXPECT_EQ(ClaimVerdictWord(rv1::CLAIM_VERDICT_UNSPECIFIED), "?");
  EXPECT_EQ(AttemptLetter(rv1::TEST_VERDICT_ERROR), "E");
}

TEST(RunCountsTest, CountsTestPhaseOnly) {
  rv1::TestResult retried = Result("r", rv1::TEST_VERDICT_PASS);
  retried.set_passed_on_retry(true);
  const rv1::RunCounts counts =
      CountTests({Result("ready", rv1::TEST_VERDICT_FAIL, {}, rv1::PHASE_PREFLIGHT),
                  Result("a", rv1::TEST_VERDICT_PASS), retried, Result("b", rv1::TEST_VERDICT_FAIL),
                  Result("c", rv1::TEST_VERDICT_ERROR), Result("d", rv1::TEST_VERDICT_SKIPPED),
                  Result("e", rv1::TEST_VERDICT_BLOCKED), Result("f", rv1::TEST_VERDICT_NOT_RUN),
                  Result("restore", rv1::TEST_VERDICT_ERROR, {}, rv1::PHASE_TEARDOWN)});
  EXPECT_EQ(counts.total(), 7u);
  EXPECT_EQ(counts.passed(), 2u);
  EXPECT_EQ(counts.passed_on_retry(), 1u);
  EXPECT_EQ(counts.failed(), 1u);
  EXPECT_EQ(counts.errors(), 1u);
  EXPECT_EQ(counts.skipped(), 1u);
  EXPECT_EQ(counts.blocked(), 1u);
  EXPECT_EQ(counts.not_run(), 1u);
}

TEST(RunVerdictTest, AStopDecidesFirstThenCancellationThenFailuresThenErrors) {
  const std::vector<rv1::TestResult> failing = {Result("a", rv1::TEST_VERDICT_ERROR),
                                                Result("b", rv1::TEST_VERDICT_FAIL),
                                                Result("c", rv1::TEST_VERDICT_FAIL)};
  RunDecision d =
      DecideRunVerdict({rv1::RUN_VERDICT_INCONCLUSIVE, "preflight ready failed: x"}, failing);
  EXPECT_EQ(d.verdict, rv1::RUN_VERDICT_INCONCLUSIVE);
  EXPECT_EQ(d.reason, "preflight ready failed: x");
  d = DecideRunVerdict(
      {}, {Result("a", rv1::TEST_VERDICT_FAIL), Result("b", rv1::TEST_VERDICT_NOT_RUN)});
  EXPECT_EQ(d.verdict, rv1::RUN_VERDICT_CANCELLED);
  EXPECT_EQ(d.reason, "the run was cancelled");
  d = DecideRunVerdict({}, failing);
  EXPECT_EQ(d.verdict, rv1::RUN_VERDICT_FAILED);
  EXPECT_EQ(d.reason, "2 failed; first: b: b went wrong");
  d = DecideRunVerdict({},
                       {Result("a", rv1::TEST_VERDICT_PASS), Result("b", rv1::TEST_VERDICT_ERROR)});
  EXPECT_EQ(d.verdict, rv1::RUN_VERDICT_ERROR);
  EXPECT_EQ(d.reason, "1 tests could not be executed");
  d = DecideRunVerdict({},
                       {Result("a", rv1::TEST_VERDICT_PASS), Result("b", rv1::TEST_VERDICT_SKIPPED),
                        Result("ready", rv1::TEST_VERDICT_FAIL, {}, rv1::PHASE_TEARDOWN)});
  EXPECT_EQ(d.verdict, rv1::RUN_VERDICT_PASSED);
  EXPECT_EQ(d.reason, "");
}

TEST(ClaimsLedgerTest, OnlyAPassConfirmsAndOnlyAFailRefutes) {
  const auto ledger = ClaimsLedger(Claims({"C1", "C2", "C3", "C4", "C5"}),
                                   {Result("pass", rv1::TEST_VERDICT_PASS, {"C1", "C3"}),
                                    Result("fail", rv1::TEST_VERDICT_FAIL, {"C2", "C3"}),
                                    Result("error", rv1::TEST_VERDICT_ERROR, {"C1", "C4"}),
                                    Result("skipped", rv1::TEST_VERDICT_SKIPPED, {"C4"}),
                                    Result("blocked", rv1::TEST_VERDICT_BLOCKED, {"C4"}),
                                    Result("not-run", rv1::TEST_VERDICT_NOT_RUN, {"C4"})});
  ASSERT_EQ(ledger.size(), 5u);
  EXPECT_EQ(ledger[0].id(), "C1");
  EXPECT_EQ(ledger[0].text(), "text of C1");
  EXPECT_EQ(ledger[0].verdict(), rv1::CLAIM_VERDICT_CONFIRMED);
  EXPECT_THAT(Linked(ledger[0]), ElementsAre("error:ERROR", "pass:PASS"));
  EXPECT_EQ(ledger[1].verdict(), rv1::CLAIM_VERDICT_REFUTED);
  EXPECT_EQ(ledger[2].verdict(), rv1::CLAIM_VERDICT_REFUTED);
  EXPECT_THAT(Linked(ledger[2]), ElementsAre("fail:FAIL", "pass:PASS"));
  // Tests that could not decide are listed, but the claim stays untested.
  EXPECT_EQ(ledger[3].verdict(), rv1::CLAIM_VERDICT_UNTESTED);
  EXPECT_THAT(Linked(ledger[3]),
              ElementsAre("blocked:BLOCKED", "error:ERROR", "not-run:NOT_RUN", "skipped:SKIPPED"));
  EXPECT_EQ(ledger[4].verdict(), rv1::CLAIM_VERDICT_UNTESTED);
  EXPECT_EQ(ledger[4].tests_size(), 0);
}

TEST(ClaimsLedgerTest, AnErrorNeverRefutes) {
  const auto ledger = ClaimsLedger(Claims({"C1"}), {Result("a", rv1::TEST_VERDICT_ERROR, {"C1"}),
                                                    Result("b", rv1::TEST_VERDICT_ERROR, {"C1"})});
  EXPECT_EQ(ledger[0].verdict(), rv1::CLAIM_VERDICT_UNTESTED);
}

TEST(ClaimsLedgerTest, DoesNotDependOnTheOrderResultsArrivedIn) {
  std::vector<rv1::TestResult> results = {Result("c", rv1::TEST_VERDICT_PASS, {"C1"}),
                                          Result("a", rv1::TEST_VERDICT_ERROR, {"C1"}),
                                          Result("b", rv1::TEST_VERDICT_PASS, {"C1"})};
  const auto forward = ClaimsLedger(Claims({"C1"}), results);
  std::reverse(results.begin(), results.end());
  const auto backward = ClaimsLedger(Claims({"C1"}), results);
  EXPECT_THAT(Linked(forward[0]), ElementsAre("a:ERROR", "b:PASS", "c:PASS"));
  EXPECT_EQ(forward[0].SerializeAsString(), backward[0].SerializeAsString());
}

TEST(ClaimsLedgerTest, IgnoresStepsOutsideTheTestPhase) {
  const auto ledger = ClaimsLedger(
      Claims({"C1"}), {Result("setup", rv1::TEST_VERDICT_FAIL, {"C1"}, rv1::PHASE_SETUP),
                       Result("a", rv1::TEST_VERDICT_PASS, {"C1"})});
  EXPECT_EQ(ledger[0].verdict(), rv1::CLAIM_VERDICT_CONFIRMED);
  EXPECT_THAT(Linked(ledger[0]), ElementsAre("a:PASS"));
}

AttemptHistory History(std::vector<rv1::TestVerdict> verdicts) {
  AttemptHistory history;
  uint32_t n = 0;
  for (rv1::TestVerdict v : verdicts) {
    rv1::AttemptSummary* a = history.Add();
    a->set_attempt(++n);
    a->set_verdict(v);
  }
  return history;
}

TEST(AttemptsTest, DisagreeWhenSomePassedAndOthersDidNot) {
  EXPECT_TRUE(AttemptsDisagree(History({rv1::TEST_VERDICT_FAIL, rv1::TEST_VERDICT_PASS})));
  EXPECT_TRUE(AttemptsDisagree(History({rv1::TEST_VERDICT_PASS, rv1::TEST_VERDICT_ERROR})));
  EXPECT_FALSE(AttemptsDisagree(History({rv1::TEST_VERDICT_PASS, rv1::TEST_VERDICT_PASS})));
  EXPECT_FALSE(AttemptsDisagree(History({rv1::TEST_VERDICT_ERROR, rv1::TEST_VERDICT_FAIL})));
  EXPECT_FALSE(AttemptsDisagree(History({rv1::TEST_VERDICT_PASS})));
  EXPECT_FALSE(AttemptsDisagree(History({})));
}

TEST(AttemptsTest, SequenceIsOneLetterPerAttempt) {
  EXPECT_EQ(AttemptSequence(
                History({rv1::TEST_VERDICT_PASS, rv1::TEST_VERDICT_FAIL, rv1::TEST_VERDICT_ERROR})),
            "P F E");
  EXPECT_EQ(AttemptSequence(History({})), "");
}

}  // namespace
}  // namespace meshproof::results
