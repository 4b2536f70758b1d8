// ResultsStore queries over a hand-made history whose answers are known:
//
//   cluster homelab, nights 1-4 (runs h1..h4)      cluster staging, nights 1-2 (s1, s2)
//   stable     PASS PASS PASS PASS                 stable  PASS PASS
//   regress    PASS PASS PASS FAIL(404)            regress FAIL(503) FAIL(503)
//   fixed      FAIL FAIL FAIL PASS (tls → 200)
//   flaky      PASS FAIL PASS FAIL
//   retry      PASS PASS* PASS* PASS  (* passed on retry)
//   removed    PASS PASS PASS  -
//   added       -    -    -   PASS
//   stillfail  FAIL FAIL FAIL FAIL
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/results-store/store_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::store::testing {
namespace {

using ::meshproof::testing::StatusIs;
using result::v1::TEST_VERDICT_FAIL;
using result::v1::TEST_VERDICT_PASS;
using result::v1::TEST_VERDICT_SKIPPED;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kScenario[] = "10-ingress";

class QueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_.clock.Set(Night(5));
    MP_ASSERT_OK(h_.Open());
    for (int n = 1; n <= 4; ++n) AddHomelabNight(n);
    for (int n = 1; n <= 2; ++n) AddStagingNight(n);
  }

  void AddHomelabNight(int n) {
    const std::string id = "h" + std::to_string(n);
    auto begin = MakeBegin(id, kScenario, "homelab", Night(n));
    if (n == 4) {
      (*begin.mutable_run()->mutable_labels())["variant"] = "catchall-first";
      for (const char* c : {"C1", "C2", "C3"}) {
        auto* claim = begin.mutable_run()->add_claims();
        claim->set_id(c);
        claim->set_text(std::string("claim ") + c);
      }
    }
    MP_ASSERT_OK(h_.store->BeginRun(begin));
    std::vector<result::v1::TestResult> results;
    auto stable = MakeResult("stable", TEST_VERDICT_PASS, 200, 10 * n);
    stable.add_claims("C1");
    results.push_back(stable);
    if (n < 4) {
      results.push_back(MakeResult("regress", TEST_VERDICT_PASS, 200, 10));
    } else {
      auto regress = MakeResult("regress", TEST_VERDICT_FAIL, 404, 30);
      regress.add_claims("C1");
      results.push_back(regress);
    }
    if (n < 4) {
      results.push_back(
          MakeResult("fixed", TEST_VERDICT_FAIL, 0, 5, scenario::v1::FAILURE_CLASS_TLS_HANDSHAKE));
    } else {
      auto fixed = MakeResult("fixed", TEST_VERDICT_PASS, 200, 12);
      fixed.add_claims("C2");
      results.push_back(fixed);
    }
    results.push_back(MakeResult("flaky", n % 2 == 1 ? TEST_VERDICT_PASS : TEST_VERDICT_FAIL,
                                 n % 2 == 1 ? 200 : 500));
    auto retry = MakeResult("retry", TEST_VERDICT_PASS);
    retry.set_passed_on_retry(n == 2 || n == 3);
    results.push_back(retry);
    if (n < 4) results.push_back(MakeResult("removed", TEST_VERDICT_PASS));
    if (n == 4) {
      results.push_back(MakeResult("added", TEST_VERDICT_PASS));
      auto skipped = MakeResult("deferred", TEST_VERDICT_SKIPPED);
      skipped.add_claims("C4");
      results.push_back(skipped);
    }
    results.push_back(MakeResult("stillfail", TEST_VERDICT_FAIL, 418));
    // Two batches, as the scheduler sends them.
    std::vector<result::v1::TestResult> first(results.begin(), results.begin() + 3);
    std::vector<result::v1::TestResult> second(results.begin() + 3, results.end());
    MP_ASSERT_OK(h_.store->AppendResults(MakeAppend(id, first)));
    MP_ASSERT_OK(h_.store->AppendResults(MakeAppend(id, second)));
    auto finish = MakeFinish(id, result::v1::RUN_VERDICT_FAILED);
    if (n == 4) {
      auto* c4 = finish.add_claims();
      c4->set_id("C4");
      c4->set_text("registry only blocks");
      auto* c1 = finish.add_claims();  // already defined: not added twice
      c1->set_id("C1");
    }
    MP_ASSERT_OK(h_.store->FinishRun(finish));
  }

  void AddStagingNight(int n) {
    const std::string id = "s" + std::to_string(n);
    auto begin = MakeBegin(id, kScenario, "staging", Night(n) + absl::Hours(1));
    begin.mutable_run()->set_team("sre");
    MP_ASSERT_OK(h_.store->BeginRun(begin));
    MP_ASSERT_OK(
        h_.store->AppendResults(MakeAppend(id, {MakeResult("stable", TEST_VERDICT_PASS, 200, 100),
                                                MakeResult("regress", TEST_VERDICT_FAIL, 503)})));
    MP_ASSERT_OK(h_.store->FinishRun(MakeFinish(id, result::v1::RUN_VERDICT_FAILED)));
  }

  std::vector<std::string> RunIds(const v1::ListRunsResponse& response) {
    std::vector<std::string> ids;
    for (const auto& run : response.runs()) ids.push_back(run.run_id());
    return ids;
  }

  StoreHarness h_;
};

TEST_F(QueriesTest, CompareRunsClassifiesEveryTestRegressionsFirst) {
  v1::CompareRunsRequest request;
  request.set_base_run_id("h3");
  request.set_head_run_id("h4");
  MP_ASSERT_OK_AND_ASSIGN(auto response, h_.store->CompareRuns(request));
  std::vector<std::string> order;
  for (const auto& t : response.tests()) {
    order.push_back(t.test() + ":" + v1::Change_Name(t.change()));
  }
  EXPECT_THAT(
      order, ElementsAre("flaky:CHANGE_REGRESSED", "regress:CHANGE_REGRESSED", "fixed:CHANGE_FIXED",
                         "stillfail:CHANGE_STILL_FAILING", "added:CHANGE_ADDED",
                         "deferred:CHANGE_ADDED", "removed:CHANGE_REMOVED",
                         "retry:CHANGE_STILL_PASSING", "stable:CHANGE_STILL_PASSING"));
  const auto find = [&](const std::string& name) {
    for (const auto& t : response.tests())
      if (t.test() == name) return t;
    return v1::TestComparison();
  };
  auto regress = find("regress");
  EXPECT_EQ(regress.base_outcome(), "200");
  EXPECT_EQ(regress.head_outcome(), "404");
  EXPECT_EQ(regress.latency_delta().nanos(), 20 * 1000000);
  auto fixed = find("fixed");
  EXPECT_EQ(fixed.base_outcome(), "tls_handshake");
  EXPECT_EQ(fixed.head_outcome(), "200");
  EXPECT_EQ(fixed.latency_delta().nanos(), 7 * 1000000);
  EXPECT_EQ(find("removed").head_verdict(), result::v1::TEST_VERDICT_UNSPECIFIED);
  EXPECT_EQ(find("added").base_verdict(), result::v1::TEST_VERDICT_UNSPECIFIED);
  EXPECT_EQ(response.base().run_id(), "h3");
  EXPECT_EQ(response.head().labels().at("variant"), "catchall-first");
}

TEST_F(QueriesTest, CompareAcrossClusters) {
  v1::CompareRunsRequest request;
  request.set_base_run_id("s2");
  request.set_head_run_id("h4");
  MP_ASSERT_OK_AND_ASSIGN(auto response, h_.store->CompareRuns(request));
  for (const auto& t : response.tests()) {
    if (t.test() == "regress") {
      EXPECT_EQ(t.change(), v1::CHANGE_STILL_FAILING);
      EXPECT_EQ(t.base_outcome(), "503");
    }
  }
}

TEST_F(QueriesTest, CompareUnknownRunNamesTheField) {
  v1::CompareRunsRequest request;
  request.set_base_run_id("h3");
  request.set_head_run_id("zz");
  EXPECT_THAT(h_.store->CompareRuns(request),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("head_run_id")));
}

TEST_F(QueriesTest, HistoryIsNewestFirstAndPages) {
  v1::GetTestHistoryRequest request;
  request.set_scenario(kScenario);
  request.set_test("regress");
  request.set_cluster("homelab");
  request.set_page_size(3);
  MP_ASSERT_OK_AND_ASSIGN(auto first, h_.store->GetTestHistory(request));
  ASSERT_EQ(first.points_size(), 3);
  EXPECT_EQ(first.points(0).run_id(), "h4");
  EXPECT_EQ(first.points(0).verdict(), TEST_VERDICT_FAIL);
  EXPECT_EQ(first.points(0).outcome(), "404");
  EXPECT_EQ(first.points(0).reason(), "expected status 200");
  EXPECT_EQ(first.points(1).run_id(), "h3");
  EXPECT_EQ(first.points(2).run_id(), "h2");
  ASSERT_FALSE(first.next_page_token().empty());
  request.set_page_token(first.next_page_token());
  MP_ASSERT_OK_AND_ASSIGN(auto second, h_.store->GetTestHistory(request));
  ASSERT_EQ(second.points_size(), 1);
  EXPECT_EQ(second.points(0).run_id(), "h1");
  EXPECT_TRUE(second.next_page_token().empty());
}

TEST_F(QueriesTest, HistoryAcrossClustersInterleavesByTime) {
  v1::GetTestHistoryRequest request;
  request.set_scenario(kScenario);
  request.set_test("regress");
  MP_ASSERT_OK_AND_ASSIGN(auto response, h_.store->GetTestHistory(request));
  std::vector<std::string> ids;
  for (const auto& p : response.points()) ids.push_back(p.run_id());
  EXPECT_THAT(ids, ElementsAre("h4", "h3", "s2", "h2", "s1", "h1"));
}

TEST_F(QueriesTest, HistoryShowsPassedOnRetry) {
  v1::GetTestHistoryRequest request;
  request.set_scenario(kScenario);
  request.set_test("retry");
  request.set_cluster("homelab");
  MP_ASSERT_OK_AND_ASSIGN(auto response, h_.store->GetTestHistory(request));
  ASSERT_EQ(response.points_size(), 4);
  EXPECT_FALSE(response.points(0).passed_on_retry());
  EXPECT_TRUE(response.points(1).passed_on_retry());
  EXPECT_TRUE(response.points(2).passed_on_retry());
  EXPECT_FALSE(response.points(3).passed_on_retry());
}

TEST_F(QueriesTest, HistoryRejectsForeignPageTokenAndBigPages) {
  v1::GetTestHistoryRequest request;
  request.set_scenario(kScenario);
  request.set_test("regress");
  request.set_page_token("garbage");
  EXPECT_THAT(h_.store->GetTestHistory(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
  request.clear_page_token();
  request.set_page_size(501);
  EXPECT_THAT(h_.store->GetTestHistory(request),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("page_size")));
  request.set_page_size(1);
  request.clear_test();
  EXPECT_THAT(h_.store->GetTestHistory(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("test")));
}

TEST_F(QueriesTest, FlakyTestsOverAllRuns) {
  v1::ListFlakyTestsRequest request;
  request.set_scenario(kScenario);
  MP_ASSERT_OK_AND_ASSIGN(auto response, h_.store->ListFlakyTests(request));
  std::vector<std::string> names;
  for (const auto& t : response.tests()) names.push_back(t.test() + "@" + t.cluster());
  EXPECT_THAT(names,
              ElementsAre("flaky@homelab", "fixed@homelab", "regress@homelab", "retry@homelab"));
  const auto& flaky = response.tests(0);
  EXPECT_EQ(flaky.flips(), 3u);
  EXPECT_EQ(flaky.runs(), 4u);
  EXPECT_DOUBLE_EQ(flaky.flip_rate(), 1.0);
  EXPECT_EQ(flaky.failures(), 2u);
  EXPECT_DOUBLE_EQ(response.tests(1).flip_rate(), 1.0 / 3);
  EXPECT_EQ(response.tests(3).flips(), 0u);
  EXPECT_EQ(response.tests(3).passed_on_retry(), 2u);
}

TEST_F(QueriesTest, FlakyTestsOverLastTwoRunsAndMinRate) {
  v1::ListFlakyTestsRequest request;
  request.set_cluster("homelab");
  request.set_last_runs(2);
  MP_ASSERT_OK_AND_ASSIGN(auto response, h_.store->ListFlakyTests(request));
  std::vector<std::string> names;
  for (const auto& t : response.tests()) names.push_back(t.test());
  EXPECT_THAT(names, ElementsAre("fixed", "flaky", "regress", "retry"));
  EXPECT_EQ(response.tests(3).passed_on_retry(), 1u);

  request.set_last_runs(0);
  request.set_min_flip_rate(0.5);
  MP_ASSERT_OK_AND_ASSIGN(auto strict, h_.store->ListFlakyTests(request));
  ASSERT_EQ(strict.tests_size(), 1);
  EXPECT_EQ(strict.tests(0).test(), "flaky");

  request.set_min_flip_rate(1.5);
  EXPECT_THAT(h_.store->ListFlakyTests(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("min_flip_rate")));
}

// A caller scoped to a team is not shown a scenario with a run of another team
// (10-ingress has runs of "platform" and "sre"); the check is part of each query, so
// flaky tests of hidden scenarios are dropped before the limit, not after it.
TEST_F(QueriesTest, ScopedScenarioQueriesHideScenariosWithOtherTeamsRuns) {
  // "zz-sre-only": two finished runs of team sre whose test flips (flip rate 1.0, as
  // 10-ingress's "flaky", after which it sorts).
  for (int n = 1; n <= 2; ++n) {
    const std::string id = "z" + std::to_string(n);
    auto begin = MakeBegin(id, "zz-sre-only", "staging", Night(n) + absl::Hours(2));
    begin.mutable_run()->set_team("sre");
    MP_ASSERT_OK(h_.store->BeginRun(begin));
    MP_ASSERT_OK(h_.store->AppendResults(MakeAppend(
        id, {MakeResult("wobbly", n == 1 ? TEST_VERDICT_PASS : TEST_VERDICT_FAIL, 200, 10)})));
    MP_ASSERT_OK(h_.store->FinishRun(MakeFinish(id, result::v1::RUN_VERDICT_FAILED)));
  }
  v1::ListFlakyTestsRequest flaky;
  flaky.set_limit(1);
  MP_ASSERT_OK_AND_ASSIGN(auto everyone, h_.store->ListFlakyTests(flaky));
  ASSERT_EQ(everyone.tests_size(), 1);
  EXPECT_EQ(everyone.tests(0).scenario(), kScenario);
  MP_ASSERT_OK_AND_ASSIGN(auto sre, h_.store->ListFlakyTests(flaky, "sre"));
  ASSERT_EQ(sre.tests_size(), 1) << "the limit is filled with what the caller may see";
  EXPECT_EQ(sre.tests(0).scenario(), "zz-sre-only");
  EXPECT_EQ(sre.tests(0).test(), "wobbly");
  MP_ASSERT_OK_AND_ASSIGN(auto platform, h_.store->ListFlakyTests(flaky, "platform"));
  EXPECT_EQ(platform.tests_size(), 0);

  v1::GetTestHistoryRequest history;
  history.set_scenario(kScenario);
  history.set_test("stable");
  MP_ASSERT_OK_AND_ASSIGN(auto all_history, h_.store->GetTestHistory(history));
  EXPECT_EQ(all_history.points_size(), 6);
  MP_ASSERT_OK_AND_ASSIGN(auto hidden_history, h_.store->GetTestHistory(history, "sre"));
  EXPECT_EQ(hidden_history.points_size(), 0);
  history.set_scenario("zz-sre-only");
  history.set_test("wobbly");
  MP_ASSERT_OK_AND_ASSIGN(auto own_history, h_.store->GetTestHistory(history, "sre"));
  EXPECT_EQ(own_history.points_size(), 2);
  MP_ASSERT_OK_AND_ASSIGN(auto foreign_history, h_.store->GetTestHistory(history, "platform"));
  EXPECT_EQ(foreign_history.points_size(), 0);

  v1::GetLatestPerClusterRequest latest;
  latest.set_scenario(kScenario);
  MP_ASSERT_OK_AND_ASSIGN(auto all_latest, h_.store->GetLatestPerCluster(latest));
  EXPECT_GT(all_latest.rows_size(), 0);
  MP_ASSERT_OK_AND_ASSIGN(auto hidden_latest, h_.store->GetLatestPerCluster(latest, "sre"));
  EXPECT_EQ(hidden_latest.rows_size(), 0);
  latest.set_scenario("never-stored");
  EXPECT_THAT(h_.store->GetLatestPerCluster(latest, "sre"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("never-stored")));

  v1::GetLatencyTrendRequest trend;
  trend.set_scenario(kScenario);
  trend.set_test("stable");
  MP_ASSERT_OK_AND_ASSIGN(auto all_trend, h_.store->GetLatencyTrend(trend));
  EXPECT_GT(all_trend.days_size(), 0);
  MP_ASSERT_OK_AND_ASSIGN(auto hidden_trend, h_.store->GetLatencyTrend(trend, "sre"));
  EXPECT_EQ(hidden_trend.days_size(), 0);
}

TEST_F(QueriesTest, FlakyIgnoresOpenRuns) {
  MP_ASSERT_OK(h_.store->BeginRun(MakeBegin("h5", kScenario, "homelab", Night(5))));
  MP_ASSERT_OK(
      h_.store->AppendResults(MakeAppend("h5", {MakeResult("stable", TEST_VERDICT_FAIL)})));
  v1::ListFlakyTestsRequest request;
  request.set_scenario(kScenario);
  MP_ASSERT_OK_AND_ASSIGN(auto response, h_.store->ListFlakyTests(request));
  for (const auto& t : response.tests()) EXPECT_NE(t.test(), "stable");
}

TEST_F(QueriesTest, LatestPerClusterSideBySide) {
  // An older run finished late must not replace the latest.
  MP_ASSERT_OK(h_.store->BeginRun(MakeBegin("h0", kScenario, "homelab", Night(0))));
  MP_ASSERT_OK(
      h_.store->AppendResults(MakeAppend("h0", {MakeResult("stable", TEST_VERDICT_FAIL)})));
  MP_ASSERT_OK(h_.store->FinishRun(MakeFinish("h0")));

  v1::GetLatestPerClusterRequest request;
  request.set_scenario(kScenario);
  MP_ASSERT_OK_AND_ASSIGN(auto response, h_.store->GetLatestPerCluster(request));
  EXPECT_THAT(response.clusters(), ElementsAre("homelab", "staging"));
  std::map<std::string, v1::ClusterRow> rows;
  for (const auto& row : response.rows()) rows[row.test()] = row;
  ASSERT_EQ(rows.size(), 9u);
  EXPECT_EQ(rows["stable"].cells(0).run_id(), "h4");
  EXPECT_EQ(rows["stable"].cells(0).verdict(), TEST_VERDICT_PASS);
  EXPECT_EQ(rows["stable"].cells(1).run_id(), "s2");
  EXPECT_EQ(rows["regress"].cells(0).outcome(), "404");
  EXPECT_EQ(rows["regress"].cells(1).outcome(), "503");
  EXPECT_EQ(rows["removed"].cells(0).run_id(), "h3");
  EXPECT_EQ(rows["added"].cells(1).run_id(), "");
  EXPECT_EQ(rows["added"].cells(1).cluster(), "staging");
  EXPECT_THAT(h_.store->GetLatestPerCluster(v1::GetLatestPerClusterRequest()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("scenario")));
  request.set_scenario("nope");
  EXPECT_THAT(h_.store->GetLatestPerCluster(request), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(QueriesTest, ClaimsLedgerFromLinkedTests) {
  v1::GetClaimsLedgerRequest request;
  request.set_run_id("h4");
  MP_ASSERT_OK_AND_ASSIGN(auto response, h_.store->GetClaimsLedger(request));
  std::vector<std::string> ledger;
  for (const auto& c : response.claims()) {
    ledger.push_back(c.id() + ":" + result::v1::ClaimVerdict_Name(c.verdict()));
  }
  EXPECT_THAT(ledger, ElementsAre("C1:CLAIM_VERDICT_REFUTED", "C2:CLAIM_VERDICT_CONFIRMED",
                                  "C3:CLAIM_VERDICT_UNTESTED", "C4:CLAIM_VERDICT_UNTESTED"));
  EXPECT_EQ(response.claims(0).tests_size(), 2);
  EXPECT_EQ(response.claims(3).text(), "registry only blocks");
  EXPECT_EQ(response.claims(3).tests(0).verdict(), TEST_VERDICT_SKIPPED);
  // GetRun carries the same ledger.
  v1::GetRunRequest get;
  get.set_run_id("h4");
  MP_ASSERT_OK_AND_ASSIGN(auto run, h_.store->GetRun(get));
  EXPECT_EQ(run.claims_size(), 4);
}

TEST_F(QueriesTest, ListRunsFiltersAndPages) {
  v1::ListRunsRequest request;
  MP_ASSERT_OK_AND_ASSIGN(auto all, h_.store->ListRuns(request));
  EXPECT_THAT(RunIds(all), ElementsAre("h4", "h3", "s2", "h2", "s1", "h1"));

  request.set_page_size(4);
  MP_ASSERT_OK_AND_ASSIGN(auto page1, h_.store->ListRuns(request));
  EXPECT_THAT(RunIds(page1), ElementsAre("h4", "h3", "s2", "h2"));
  request.set_page_token(page1.next_page_token());
  // A run inserted between pages does not shift the second page.
  MP_ASSERT_OK(h_.store->BeginRun(MakeBegin("h9", kScenario, "homelab", Night(9))));
  MP_ASSERT_OK_AND_ASSIGN(auto page2, h_.store->ListRuns(request));
  EXPECT_THAT(RunIds(page2), ElementsAre("s1", "h1"));
  EXPECT_TRUE(page2.next_page_token().empty());

  v1::ListRunsRequest filtered;
  filtered.set_cluster("staging");
  MP_ASSERT_OK_AND_ASSIGN(auto staging, h_.store->ListRuns(filtered));
  EXPECT_THAT(RunIds(staging), ElementsAre("s2", "s1"));

  filtered.Clear();
  filtered.set_team("sre");
  MP_ASSERT_OK_AND_ASSIGN(auto team, h_.store->ListRuns(filtered));
  EXPECT_THAT(RunIds(team), ElementsAre("s2", "s1"));

  filtered.Clear();
  filtered.add_labels("variant=catchall-first");
  MP_ASSERT_OK_AND_ASSIGN(auto labelled, h_.store->ListRuns(filtered));
  EXPECT_THAT(RunIds(labelled), ElementsAre("h4"));

  filtered.Clear();
  *filtered.mutable_since() = FromMicros(absl::ToUnixMicros(Night(3)));
  *filtered.mutable_until() = FromMicros(absl::ToUnixMicros(Night(5)));
  filtered.set_scenario(kScenario);
  MP_ASSERT_OK_AND_ASSIGN(auto range, h_.store->ListRuns(filtered));
  EXPECT_THAT(RunIds(range), ElementsAre("h4", "h3"));

  filtered.Clear();
  filtered.add_verdicts(result::v1::RUN_VERDICT_PASSED);
  MP_ASSERT_OK_AND_ASSIGN(auto passed, h_.store->ListRuns(filtered));
  EXPECT_TRUE(passed.runs().empty());
  filtered.add_verdicts(result::v1::RUN_VERDICT_UNSPECIFIED);  // the open h9
  MP_ASSERT_OK_AND_ASSIGN(auto open, h_.store->ListRuns(filtered));
  EXPECT_THAT(RunIds(open), ElementsAre("h9"));

  filtered.Clear();
  filtered.add_labels("novalue");
  EXPECT_THAT(h_.store->ListRuns(filtered),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("labels[0]")));
  filtered.Clear();
  filtered.set_scenario("unknown");
  MP_ASSERT_OK_AND_ASSIGN(auto none, h_.store->ListRuns(filtered));
  EXPECT_TRUE(none.runs().empty());
}

TEST_F(QueriesTest, ListRunsReturnsTheWholeRecord) {
  v1::ListRunsRequest request;
  request.add_labels("variant=catchall-first");
  MP_ASSERT_OK_AND_ASSIGN(auto response, h_.store->ListRuns(request));
  ASSERT_EQ(response.runs_size(), 1);
  const auto& run = response.runs(0);
  EXPECT_EQ(run.cluster(), "homelab");
  EXPECT_EQ(run.environment().istio_version(), "1.30.0");
  EXPECT_EQ(run.environment().tags().at("cni"), "calico");
  EXPECT_EQ(run.verdict(), result::v1::RUN_VERDICT_FAILED);
  EXPECT_EQ(run.counts().total(), 1u);
  EXPECT_TRUE(run.has_finished_at());
  EXPECT_EQ(run.claims_size(), 4);
}

TEST_F(QueriesTest, LatencyTrendPerUtcDay) {
  v1::GetLatencyTrendRequest request;
  request.set_scenario(kScenario);
  request.set_test("stable");
  request.set_cluster("homelab");
  request.set_days(10);
  MP_ASSERT_OK_AND_ASSIGN(auto response, h_.store->GetLatencyTrend(request));
  ASSERT_EQ(response.days_size(), 4);
  EXPECT_EQ(response.days(0).day(), "2026-01-02");
  EXPECT_EQ(response.days(0).p50().nanos(), 10 * 1000000);
  EXPECT_EQ(response.days(3).day(), "2026-01-05");
  EXPECT_EQ(response.days(3).p95().nanos(), 40 * 1000000);

  request.clear_cluster();
  MP_ASSERT_OK_AND_ASSIGN(auto both, h_.store->GetLatencyTrend(request));
  ASSERT_EQ(both.days_size(), 4);
  EXPECT_EQ(both.days(0).samples(), 2u);
  EXPECT_EQ(both.days(0).p50().nanos(), 10 * 1000000);
  EXPECT_EQ(both.days(0).p95().nanos(), 100 * 1000000);

  request.set_days(2);  // today (night 5, nothing yet) and yesterday (night 4)
  MP_ASSERT_OK_AND_ASSIGN(auto recent, h_.store->GetLatencyTrend(request));
  ASSERT_EQ(recent.days_size(), 1);
  EXPECT_EQ(recent.days(0).day(), "2026-01-05");
  request.set_days(4000);
  EXPECT_THAT(h_.store->GetLatencyTrend(request),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("days")));
}

TEST_F(QueriesTest, RetentionDeletesOldRunsInBatches) {
  v1::ApplyRetentionRequest request;
  *request.mutable_cutoff() = FromMicros(absl::ToUnixMicros(Night(3)));
  request.set_batch_size(1);
  MP_ASSERT_OK_AND_ASSIGN(auto response, h_.store->ApplyRetention(request));
  EXPECT_EQ(response.runs_deleted(), 4u);  // h1, s1, h2, s2
  EXPECT_EQ(response.results_deleted(), 7u + 7u + 2u + 2u);
  MP_ASSERT_OK_AND_ASSIGN(auto left, h_.store->ListRuns(v1::ListRunsRequest()));
  EXPECT_THAT(RunIds(left), ElementsAre("h4", "h3"));
  // The latest staging run is gone, and with it staging's latest cells.
  v1::GetLatestPerClusterRequest latest;
  latest.set_scenario(kScenario);
  MP_ASSERT_OK_AND_ASSIGN(auto cells, h_.store->GetLatestPerCluster(latest));
  EXPECT_THAT(cells.clusters(), ElementsAre("homelab"));
  {
    // latest_results has no cascade from runs: retention itself left no row behind.
    auto db = Database::Open(h_.path(), {});
    ASSERT_TRUE(db.ok()) << db.status();
    MP_ASSERT_OK_AND_ASSIGN(Statement dangling,
                            (*db)->Prepare("SELECT count(*) FROM latest_results"
                                           " WHERE run_pk NOT IN (SELECT id FROM runs)"));
    MP_ASSERT_OK_AND_ASSIGN(bool row, dangling.Step());
    ASSERT_TRUE(row);
    EXPECT_EQ(dangling.Int(0), 0);
  }
  EXPECT_THAT(h_.store->ApplyRetention(v1::ApplyRetentionRequest()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cutoff")));
}

TEST_F(QueriesTest, BackupIsAConsistentCopy) {
  v1::BackupRequest request;
  request.set_destination(h_.dir.File("backup.db"));
  MP_ASSERT_OK_AND_ASSIGN(auto response, h_.store->Backup(request));
  EXPECT_GT(response.bytes(), 0u);
  // A backup holds everything the store holds: owner-only, like the database.
  struct stat info {};
  ASSERT_EQ(stat(h_.dir.File("backup.db").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_THAT(h_.store->Backup(request), StatusIs(absl::StatusCode::kAlreadyExists));
  request.set_destination("relative.db");
  EXPECT_THAT(h_.store->Backup(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("destination")));

  ::meshproof::testing::FakeClock clock;
  MP_ASSERT_OK_AND_ASSIGN(auto copy, ResultsStore::Open(h_.dir.File("backup.db"), {}, &clock));
  MP_ASSERT_OK_AND_ASSIGN(auto runs, copy->ListRuns(v1::ListRunsRequest()));
  EXPECT_EQ(runs.runs_size(), 6);
}

}  // namespace
}  // namespace meshproof::store::testing
