// ResultsStore writes: idempotency, state checks, rejected batches storing nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/results-store/store_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::store::testing {
namespace {

using ::meshproof::testing::StatusIs;
using result::v1::TEST_VERDICT_FAIL;
using result::v1::TEST_VERDICT_PASS;
using ::testing::HasSubstr;

class WritesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MP_ASSERT_OK(h_.Open());
    MP_ASSERT_OK(h_.store->BeginRun(MakeBegin("r1", "10-ingress", "homelab", Night(1))));
  }
  int ResultCount(const std::string& run_id) {
    v1::GetRunRequest request;
    request.set_run_id(run_id);
    auto run = h_.store->GetRun(request);
    EXPECT_TRUE(run.ok()) << run.status();
    return run.ok() ? run->results_size() : -1;
  }
  StoreHarness h_;
};

TEST_F(WritesTest, BeginRunRetryWithSameContentIsNotCreatedAgain) {
  MP_ASSERT_OK_AND_ASSIGN(auto response,
                          h_.store->BeginRun(MakeBegin("r1", "10-ingress", "homelab", Night(1))));
  EXPECT_FALSE(response.created());
}

TEST_F(WritesTest, BeginRunWithSameIdDifferentContentIsAlreadyExists) {
  EXPECT_THAT(h_.store->BeginRun(MakeBegin("r1", "10-ingress", "staging", Night(1))),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("run.run_id")));
}

TEST_F(WritesTest, BeginRunNamesBadFields) {
  auto request = MakeBegin("bad id!", "10-ingress", "homelab", Night(1));
  EXPECT_THAT(h_.store->BeginRun(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("run.run_id")));
  request = MakeBegin("r2", "", "homelab", Night(1));
  EXPECT_THAT(h_.store->BeginRun(request), StatusIs(absl::StatusCode::kInvalidArgument,
                                                    HasSubstr("run.scenario: must not be empty")));
  request = MakeBegin("r2", "s", "homelab", Night(1));
  request.mutable_run()->set_verdict(result::v1::RUN_VERDICT_PASSED);
  EXPECT_THAT(h_.store->BeginRun(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("run.verdict")));
}

// A partial run's left-out tests are kept with the run (sorted, once each), repeat in a
// retried BeginRun, and bad names are refused naming the entry, storing nothing.
TEST_F(WritesTest, NotSelectedTestsAreKeptWithTheRunAndChecked) {
  auto request = MakeBegin("r2", "10-ingress", "homelab", Night(2));
  request.mutable_run()->add_not_selected_tests("a-test");
  request.mutable_run()->add_not_selected_tests("b-test");
  MP_ASSERT_OK(h_.store->BeginRun(request));
  MP_ASSERT_OK_AND_ASSIGN(auto retry, h_.store->BeginRun(request));
  EXPECT_FALSE(retry.created());
  v1::GetRunRequest get;
  get.set_run_id("r2");
  MP_ASSERT_OK_AND_ASSIGN(v1::RunDetail detail, h_.store->GetRun(get));
  EXPECT_THAT(detail.run().not_selected_tests(), ::testing::ElementsAre("a-test", "b-test"));

  auto bad = MakeBegin("r3", "10-ingress", "homelab", Night(3));
  bad.mutable_run()->add_not_selected_tests("ok");
  bad.mutable_run()->add_not_selected_tests("");
  EXPECT_THAT(h_.store->BeginRun(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("run.not_selected_tests[1]")));
  bad = MakeBegin("r3", "10-ingress", "homelab", Night(3));
  for (int i = 0; i <= 1000; ++i) bad.mutable_run()->add_not_selected_tests(std::to_string(i));
  EXPECT_THAT(h_.store->BeginRun(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                                HasSubstr("run.not_selected_tests: at most 1000")));
  get.set_run_id("r3");
  EXPECT_THAT(h_.store->GetRun(get), StatusIs(absl::StatusCode::kNotFound));
}

// A run measured on meshproof's lab stays marked so, across a reopen: reports must never
// present lab evidence as a real mesh's.
TEST_F(WritesTest, TheEnvironmentKindIsKeptAndChecked) {
  auto lab = MakeBegin("r-lab", "20-egress", "lab", Night(2));
  lab.mutable_run()->mutable_environment()->set_kind("lab");
  MP_ASSERT_OK(h_.store->BeginRun(lab));
  MP_ASSERT_OK(h_.Open());
  v1::GetRunRequest get;
  get.set_run_id("r-lab");
  MP_ASSERT_OK_AND_ASSIGN(auto run, h_.store->GetRun(get));
  EXPECT_EQ(run.run().environment().kind(), "lab");
  get.set_run_id("r1");  // begun without a kind
  MP_ASSERT_OK_AND_ASSIGN(auto unknown, h_.store->GetRun(get));
  EXPECT_EQ(unknown.run().environment().kind(), "");
  auto bad = MakeBegin("r-bad", "20-egress", "lab", Night(2));
  bad.mutable_run()->mutable_environment()->set_kind("production");
  EXPECT_THAT(h_.store->BeginRun(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("run.environment.kind")));
}

TEST_F(WritesTest, BeginRunDefaultsStartedAtToNow) {
  auto request = MakeBegin("r2", "10-ingress", "homelab", Night(1));
  request.mutable_run()->clear_started_at();
  MP_ASSERT_OK(h_.store->BeginRun(request));
  v1::GetRunRequest get;
  get.set_run_id("r2");
  MP_ASSERT_OK_AND_ASSIGN(auto run, h_.store->GetRun(get));
  EXPECT_EQ(run.run().started_at().seconds(), absl::ToUnixSeconds(h_.clock.Now()));
  // A retry without started_at is still the same run.
  MP_ASSERT_OK_AND_ASSIGN(auto again, h_.store->BeginRun(request));
  EXPECT_FALSE(again.created());
}

TEST_F(WritesTest, AppendRetryReportsDuplicatesAndChangesNothing) {
  auto batch =
      MakeAppend("r1", {MakeResult("t1", TEST_VERDICT_PASS), MakeResult("t2", TEST_VERDICT_FAIL)});
  MP_ASSERT_OK_AND_ASSIGN(auto first, h_.store->AppendResults(batch));
  EXPECT_EQ(first.inserted(), 2u);
  EXPECT_EQ(first.duplicates(), 0u);
  // The retry carries a different verdict for t1: the first write stays.
  batch.mutable_results(0)->set_verdict(TEST_VERDICT_FAIL);
  *batch.add_results() = MakeResult("t3", TEST_VERDICT_PASS);
  MP_ASSERT_OK_AND_ASSIGN(auto second, h_.store->AppendResults(batch));
  EXPECT_EQ(second.inserted(), 1u);
  EXPECT_EQ(second.duplicates(), 2u);
  v1::GetRunRequest get;
  get.set_run_id("r1");
  MP_ASSERT_OK_AND_ASSIGN(auto run, h_.store->GetRun(get));
  ASSERT_EQ(run.results_size(), 3);
  EXPECT_EQ(run.results(0).test(), "t1");
  EXPECT_EQ(run.results(0).verdict(), TEST_VERDICT_PASS);
  EXPECT_EQ(run.results(2).test(), "t3");
}

TEST_F(WritesTest, AppendToUnknownRunIsNotFound) {
  EXPECT_THAT(h_.store->AppendResults(MakeAppend("nope", {MakeResult("t1", TEST_VERDICT_PASS)})),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("run_id")));
}

TEST_F(WritesTest, AppendToFinishedRunIsFailedPrecondition) {
  MP_ASSERT_OK(h_.store->FinishRun(MakeFinish("r1")));
  EXPECT_THAT(h_.store->AppendResults(MakeAppend("r1", {MakeResult("t1", TEST_VERDICT_PASS)})),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("finished")));
}

TEST_F(WritesTest, RejectedBatchNamesFieldAndStoresNothing) {
  auto batch =
      MakeAppend("r1", {MakeResult("t1", TEST_VERDICT_PASS), MakeResult("t2", TEST_VERDICT_PASS),
                        MakeResult("t3", TEST_VERDICT_PASS), MakeResult("", TEST_VERDICT_PASS)});
  EXPECT_THAT(h_.store->AppendResults(batch),
              StatusIs(absl::StatusCode::kInvalidArgument, "results[3].test: must not be empty"));
  EXPECT_EQ(ResultCount("r1"), 0);
}

TEST_F(WritesTest, BatchWithForeignScenarioStoresNothing) {
  auto batch =
      MakeAppend("r1", {MakeResult("t1", TEST_VERDICT_PASS), MakeResult("t2", TEST_VERDICT_PASS)});
  batch.mutable_results(1)->set_scenario("20-egress");
  EXPECT_THAT(h_.store->AppendResults(batch),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("results[1].scenario")));
  EXPECT_EQ(ResultCount("r1"), 0);
  // The store still works and has no half-created test ids.
  batch.mutable_results(1)->clear_scenario();
  MP_ASSERT_OK(h_.store->AppendResults(batch));
  EXPECT_EQ(ResultCount("r1"), 2);
}

TEST_F(WritesTest, DuplicateInBatchAndMissingVerdictAreNamed) {
  auto batch =
      MakeAppend("r1", {MakeResult("t1", TEST_VERDICT_PASS), MakeResult("t1", TEST_VERDICT_FAIL)});
  EXPECT_THAT(h_.store->AppendResults(batch),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("results[1].test")));
  batch = MakeAppend("r1", {MakeResult("t1", TEST_VERDICT_PASS)});
  batch.mutable_results(0)->clear_verdict();
  EXPECT_THAT(h_.store->AppendResults(batch),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("results[0].verdict")));
  batch.mutable_results(0)->set_verdict(TEST_VERDICT_PASS);
  batch.mutable_results(0)->clear_phase();
  EXPECT_THAT(h_.store->AppendResults(batch),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("results[0].phase")));
  EXPECT_EQ(ResultCount("r1"), 0);
}

TEST_F(WritesTest, BatchOverLimitIsResourceExhausted) {
  std::vector<result::v1::TestResult> results;
  for (int i = 0; i < 501; ++i)
    results.push_back(MakeResult("t" + std::to_string(i), TEST_VERDICT_PASS));
  EXPECT_THAT(h_.store->AppendResults(MakeAppend("r1", results)),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("results: at most 500")));
  results.pop_back();
  MP_ASSERT_OK_AND_ASSIGN(auto ok, h_.store->AppendResults(MakeAppend("r1", results)));
  EXPECT_EQ(ok.inserted(), 500u);
}

TEST_F(WritesTest, ConfiguredMaxBatchIsEnforced) {
  ResultsStoreOptions options;
  options.max_batch = 2;
  MP_ASSERT_OK(h_.Open(options));
  EXPECT_THAT(h_.store->AppendResults(MakeAppend(
                  "r1", {MakeResult("a", TEST_VERDICT_PASS), MakeResult("b", TEST_VERDICT_PASS),
                         MakeResult("c", TEST_VERDICT_PASS)})),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST_F(WritesTest, OversizedEvidenceIsRejectedNamingTheResult) {
  auto big = MakeResult("t1", TEST_VERDICT_PASS);
  auto* evidence = big.add_evidence();
  evidence->set_name("egress-log");
  // Random-looking lines so compression cannot shrink them under the limit.
  std::string line;
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 1600; ++i) {
    line.clear();
    for (int j = 0; j < 1024; ++j) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      line.push_back(static_cast<char>('!' + x % 90));
    }
    evidence->add_lines(line);
  }
  EXPECT_THAT(h_.store->AppendResults(MakeAppend("r1", {MakeResult("t0", TEST_VERDICT_PASS), big})),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("results[1]")));
  EXPECT_EQ(ResultCount("r1"), 0);
}

TEST_F(WritesTest, FinishRunIsIdempotentAndRefusesAnotherVerdict) {
  MP_ASSERT_OK_AND_ASSIGN(auto first, h_.store->FinishRun(MakeFinish("r1")));
  EXPECT_TRUE(first.finished());
  MP_ASSERT_OK_AND_ASSIGN(auto again, h_.store->FinishRun(MakeFinish("r1")));
  EXPECT_FALSE(again.finished());
  EXPECT_THAT(h_.store->FinishRun(MakeFinish("r1", result::v1::RUN_VERDICT_FAILED)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("PASSED")));
  EXPECT_THAT(h_.store->FinishRun(MakeFinish("r9")), StatusIs(absl::StatusCode::kNotFound));
  auto unset = MakeFinish("r1");
  unset.clear_verdict();
  EXPECT_THAT(h_.store->FinishRun(unset),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("verdict")));
}

TEST_F(WritesTest, GetRunRoundTripsDetailAndStripsEvidenceUnlessAsked) {
  auto r = MakeResult("t1", TEST_VERDICT_FAIL, 0, 5, scenario::v1::FAILURE_CLASS_TLS_HANDSHAKE);
  r.set_reproduction("curl -sS https://httpbin.org/get");
  r.set_expected_summary("status 200");
  auto* m = r.add_mismatches();
  m->set_field("expect.status");
  m->set_expected("200");
  m->set_actual("000");
  auto* e = r.add_evidence();
  e->set_name("egress-log");
  e->add_lines("\"- - -\" 0 outbound|443||httpbin.org");
  e->set_matched(1);
  e->set_satisfied(true);
  r.mutable_outcome()->mutable_http()->set_body_excerpt(std::string(600, 'b'));
  r.set_passed_on_retry(false);
  MP_ASSERT_OK(h_.store->AppendResults(MakeAppend("r1", {r})));
  v1::GetRunRequest get;
  get.set_run_id("r1");
  get.set_include_evidence(true);
  MP_ASSERT_OK_AND_ASSIGN(auto full, h_.store->GetRun(get));
  ASSERT_EQ(full.results_size(), 1);
  auto expected = r;
  expected.set_scenario("10-ingress");
  EXPECT_EQ(full.results(0).SerializeAsString(), expected.SerializeAsString())
      << full.results(0).DebugString();
  get.set_include_evidence(false);
  MP_ASSERT_OK_AND_ASSIGN(auto light, h_.store->GetRun(get));
  EXPECT_EQ(light.results(0).evidence(0).lines_size(), 0);
  EXPECT_EQ(light.results(0).evidence(0).matched(), 1u);
  EXPECT_TRUE(light.results(0).outcome().http().body_excerpt().empty());
  EXPECT_EQ(light.results(0).reproduction(), "curl -sS https://httpbin.org/get");
}

// A flaky result keeps its mark whatever its verdict, whether its detail blob is needed
// or everything fits the row's columns, across a close and reopen.
TEST_F(WritesTest, FlakyResultsRoundTripAcrossReopen) {
  auto flaky_pass = MakeResult("flaky-pass", TEST_VERDICT_PASS);
  flaky_pass.set_attempts(2);
  flaky_pass.set_passed_on_retry(true);
  flaky_pass.set_flaky(true);
  flaky_pass.add_attempt_history()->set_verdict(TEST_VERDICT_FAIL);
  flaky_pass.add_attempt_history()->set_verdict(TEST_VERDICT_PASS);
  auto flaky_fail = MakeResult("flaky-fail", TEST_VERDICT_FAIL);
  flaky_fail.set_attempts(3);
  flaky_fail.set_flaky(true);
  flaky_fail.set_reason("did not converge: 2 consecutive passes needed, got P F P");
  auto columns_only = MakeResult("columns-only", TEST_VERDICT_PASS);
  columns_only.set_flaky(true);
  auto stable = MakeResult("stable", TEST_VERDICT_PASS);
  MP_ASSERT_OK(
      h_.store->AppendResults(MakeAppend("r1", {flaky_pass, flaky_fail, columns_only, stable})));
  MP_ASSERT_OK(h_.Open());
  v1::GetRunRequest get;
  get.set_run_id("r1");
  MP_ASSERT_OK_AND_ASSIGN(auto run, h_.store->GetRun(get));
  ASSERT_EQ(run.results_size(), 4);
  std::map<std::string, result::v1::TestResult> by_test;
  for (const auto& r : run.results()) by_test[r.test()] = r;
  EXPECT_TRUE(by_test["flaky-pass"].flaky());
  EXPECT_TRUE(by_test["flaky-pass"].passed_on_retry());
  EXPECT_EQ(by_test["flaky-pass"].attempt_history_size(), 2);
  EXPECT_TRUE(by_test["flaky-fail"].flaky());
  EXPECT_EQ(by_test["flaky-fail"].verdict(), TEST_VERDICT_FAIL);
  EXPECT_TRUE(by_test["columns-only"].flaky());
  EXPECT_FALSE(by_test["stable"].flaky());
  auto expected = flaky_pass;
  expected.set_scenario("10-ingress");
  EXPECT_EQ(by_test["flaky-pass"].SerializeAsString(), expected.SerializeAsString())
      << by_test["flaky-pass"].DebugString();
}

TEST_F(WritesTest, GetRunReadsOnlyTheLatestAttempt) {
  MP_ASSERT_OK(h_.store->AppendResults(MakeAppend(
      "r1", {MakeResult("t1", TEST_VERDICT_FAIL), MakeResult("t2", TEST_VERDICT_FAIL)}, 1)));
  MP_ASSERT_OK(h_.store->AppendResults(MakeAppend("r1", {MakeResult("t1", TEST_VERDICT_PASS)}, 2)));
  v1::GetRunRequest get;
  get.set_run_id("r1");
  MP_ASSERT_OK_AND_ASSIGN(auto run, h_.store->GetRun(get));
  EXPECT_EQ(run.run().latest_attempt(), 2u);
  ASSERT_EQ(run.results_size(), 1);
  EXPECT_EQ(run.results(0).verdict(), TEST_VERDICT_PASS);
}

TEST_F(WritesTest, GetUnknownRunIsNotFound) {
  v1::GetRunRequest get;
  get.set_run_id("missing");
  EXPECT_THAT(h_.store->GetRun(get), StatusIs(absl::StatusCode::kNotFound, HasSubstr("run_id")));
}

}  // namespace
}  // namespace meshproof::store::testing
