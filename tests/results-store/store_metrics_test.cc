// The store's metrics on a real store in a temp dir: the latest verdict of every test as
// meshproof_test_* series (PASS 1, FAIL and ERROR 0, ERROR flagged, SKIPPED without a
// success series), the newest run deciding, the bound on test series and what is reported
// past it, the file sizes, and calls counted by kind.
#include "services/results-store/store_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/metrics/registry.h"
#include "tests/results-store/store_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::store {
namespace {

using ::meshproof::store::testing::MakeAppend;
using ::meshproof::store::testing::MakeBegin;
using ::meshproof::store::testing::MakeFinish;
using ::meshproof::store::testing::MakeResult;
using ::meshproof::store::testing::Night;
using ::meshproof::store::testing::StoreHarness;
using ::testing::HasSubstr;
using ::testing::Not;
namespace rv1 = ::meshproof::result::v1;

class StoreMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override { MP_ASSERT_OK(h_.Open()); }

  void AddRun(const std::string& id, const std::string& cluster, int night,
              std::vector<rv1::TestResult> results) {
    MP_ASSERT_OK(h_.store->BeginRun(MakeBegin(id, "egress", cluster, Night(night))));
    MP_ASSERT_OK(h_.store->AppendResults(MakeAppend(id, std::move(results))));
    MP_ASSERT_OK(h_.store->FinishRun(MakeFinish(id)));
  }

  StoreHarness h_;
};

TEST_F(StoreMetricsTest, LatestVerdictPerTestAndCluster) {
  AddRun("r1", "east", 1,
         {MakeResult("a", rv1::TEST_VERDICT_FAIL, 404), MakeResult("b", rv1::TEST_VERDICT_PASS)});
  AddRun("r2", "east", 2,
         {MakeResult("a", rv1::TEST_VERDICT_PASS, 200, 250),
          MakeResult("b", rv1::TEST_VERDICT_ERROR, 0), MakeResult("c", rv1::TEST_VERDICT_SKIPPED)});
  AddRun("r3", "west", 1, {MakeResult("a", rv1::TEST_VERDICT_FAIL, 503)});

  metrics::Registry registry;
  StoreMetrics metrics(&registry, h_.store.get());
  const std::string text = registry.Render();
  // The newer run decides: a failed on night 1 and passed on night 2 in east.
  EXPECT_THAT(text, HasSubstr("meshproof_test_success{scenario=\"egress\",cluster=\"east\","
                              "test=\"a\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_test_success{scenario=\"egress\",cluster=\"west\","
                              "test=\"a\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_test_error{scenario=\"egress\",cluster=\"west\","
                              "test=\"a\"} 0\n"));
  // ERROR is not a success, and is told apart from a failure.
  EXPECT_THAT(text, HasSubstr("meshproof_test_success{scenario=\"egress\",cluster=\"east\","
                              "test=\"b\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_test_error{scenario=\"egress\",cluster=\"east\","
                              "test=\"b\"} 1\n"));
  // SKIPPED observed nothing: no success series, but it is counted by verdict.
  EXPECT_THAT(text, Not(HasSubstr("meshproof_test_success{scenario=\"egress\",cluster=\"east\","
                                  "test=\"c\"}")));
  EXPECT_THAT(text, HasSubstr("meshproof_test_latest_verdict{verdict=\"skipped\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_test_latest_verdict{verdict=\"pass\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_test_duration_seconds{scenario=\"egress\",cluster="
                              "\"east\",test=\"a\"} 0.25\n"));
  EXPECT_THAT(text, HasSubstr(absl::StrCat(
                        "meshproof_test_last_run_timestamp_seconds{scenario=\"egress\",cluster="
                        "\"east\",test=\"a\"} ",
                        absl::ToUnixSeconds(Night(2)), "\n")));
  EXPECT_THAT(text, HasSubstr("meshproof_test_series_dropped 0\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_store_database_bytes{file=\"main\"} "));
  EXPECT_THAT(text, Not(HasSubstr("meshproof_store_database_bytes{file=\"main\"} 0\n")));
}

TEST_F(StoreMetricsTest, PastTheBoundCellsAreLeftOutAndCounted) {
  AddRun("r1", "east", 1,
         {MakeResult("a", rv1::TEST_VERDICT_PASS), MakeResult("b", rv1::TEST_VERDICT_PASS),
          MakeResult("c", rv1::TEST_VERDICT_FAIL)});
  AddRun("r2", "west", 1, {MakeResult("a", rv1::TEST_VERDICT_PASS)});
  metrics::Registry registry;
  StoreMetrics metrics(&registry, h_.store.get(), /*max_test_series=*/2);
  const std::string text = registry.Render();
  // The first two cells in (scenario, cluster, test) order.
  EXPECT_THAT(text, HasSubstr("test=\"a\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("cluster=\"east\",test=\"b\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("test=\"c\"")));
  EXPECT_THAT(text, Not(HasSubstr("cluster=\"west\"")));
  EXPECT_THAT(text, HasSubstr("meshproof_test_series_dropped 2\n"));
}

TEST_F(StoreMetricsTest, CallsAreCountedAsWritesOrQueries) {
  metrics::Registry registry;
  StoreMetrics metrics(&registry, h_.store.get());
  metrics.ObserveCall("append_results", absl::Milliseconds(20), absl::StatusCode::kOk);
  metrics.ObserveCall("append_results", absl::Milliseconds(3), absl::StatusCode::kInvalidArgument);
  metrics.ObserveCall("list_runs", absl::Seconds(2), absl::StatusCode::kOk);
  const std::string text = registry.Render();
  EXPECT_THAT(text,
              HasSubstr("meshproof_store_writes_total{method=\"append_results\",code=\"OK\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_store_writes_total{method=\"append_results\",code="
                              "\"INVALID_ARGUMENT\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_store_write_duration_seconds_bucket{method=\"append_"
                              "results\",le=\"0.005\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_store_write_duration_seconds_count{method=\"append_"
                              "results\"} 2\n"));
  EXPECT_THAT(text,
              HasSubstr("meshproof_store_queries_total{method=\"list_runs\",code=\"OK\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_store_query_duration_seconds_bucket{method=\"list_runs\","
                              "le=\"1\"} 0\n"));
  EXPECT_THAT(text, Not(HasSubstr("meshproof_store_writes_total{method=\"list_runs\"")));
}

}  // namespace
}  // namespace meshproof::store
