// A partial run (only_tests) leaves clean history, with the real meshproof-store,
// meshproof-scheduler and meshproof-agent processes: its unselected tests are not
// results, so a test's latest result per cluster stays the full run's, its history and
// flakiness count only the runs that ran it, and the partial run's reports name the
// tests it left out.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/scheduler/three_services.h"

namespace meshproof::scheduler::testing {
namespace {

namespace rv1 = meshproof::result::v1;
namespace sv1 = meshproof::store::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class PartialRunBinaryTest : public ThreeServicesTest {
 protected:
  std::string Scenario() {
    return absl::StrCat(
        "apiVersion: meshproof/v1\nkind: Scenario\nname: hist\nteam: platform\n"
        "target: {cluster: lab}\ntests:\n"
        "  - name: x\n    http: {url: \"http://127.0.0.1:",
        http_.port(),
        "/x\"}\n    expect: {status: 200}\n"
        "  - name: y\n    http: {url: \"http://127.0.0.1:",
        http_.port(), "/y\"}\n    expect: {status: 200}\n");
  }
};

TEST_F(PartialRunBinaryTest, UnselectedTestsAreNotResultsAndLeaveHistoryAlone) {
  // x fails in the first full run and passes in the second: one flip in two runs.
  std::atomic<int> x_calls{0};
  respond_ = [&](const FakeRequest& r) {
    FakeResponse response;
    if (r.target == "/x" && x_calls.fetch_add(1) == 0) response.status = 500;
    return response;
  };
  Submit(Scenario());
  const v1::Run full1 = WaitForEnd(StartRun("hist").run_id());
  ASSERT_EQ(full1.state(), v1::RUN_STATE_FAILED);
  const v1::Run full2 = WaitForEnd(StartRun("hist").run_id());
  ASSERT_EQ(full2.state(), v1::RUN_STATE_PASSED);
  const v1::Run partial = WaitForEnd(StartRun("hist", {"y"}).run_id());
  ASSERT_EQ(partial.state(), v1::RUN_STATE_PASSED);
  EXPECT_EQ(partial.counts().total(), 1u);
  EXPECT_EQ(x_calls.load(), 2);  // the partial run never probed x

  // The store holds no result of x for the partial run, and names x as not selected.
  std::optional<sv1::RunDetail> stored =
      ::meshproof::testing::WaitForFinishedRun(*store_stub_, partial.run_id(), 1);
  ASSERT_TRUE(stored.has_value());
  ASSERT_EQ(stored->results_size(), 1);
  EXPECT_EQ(stored->results(0).test(), "y");
  EXPECT_THAT(stored->run().not_selected_tests(), ElementsAre("x"));
  EXPECT_EQ(stored->run().counts().skipped(), 0u);

  // Latest per cluster: x is still the second full run's PASS; y is the partial run's.
  {
    grpc::ClientContext context;
    ::meshproof::testing::Deadline(&context);
    sv1::GetLatestPerClusterRequest req;
    req.set_scenario("hist");
    sv1::GetLatestPerClusterResponse resp;
    ASSERT_TRUE(store_stub_->GetLatestPerCluster(&context, req, &resp).ok());
    ASSERT_EQ(resp.rows_size(), 2);
    for (const sv1::ClusterRow& row : resp.rows()) {
      ASSERT_EQ(row.cells_size(), 1);
      EXPECT_EQ(row.cells(0).verdict(), rv1::TEST_VERDICT_PASS) << row.test();
      EXPECT_EQ(row.cells(0).run_id(), row.test() == "x" ? full2.run_id() : partial.run_id())
          << row.test();
    }
  }
  // History of x: the two full runs only.
  {
    grpc::ClientContext context;
    ::meshproof::testing::Deadline(&context);
    sv1::GetTestHistoryRequest req;
    req.set_scenario("hist");
    req.set_test("x");
    sv1::GetTestHistoryResponse resp;
    ASSERT_TRUE(store_stub_->GetTestHistory(&context, req, &resp).ok());
    ASSERT_EQ(resp.points_size(), 2);
    EXPECT_EQ(resp.points(0).run_id(), full2.run_id());
    EXPECT_EQ(resp.points(1).run_id(), full1.run_id());
  }
  // Flaky: x flipped once in the two runs that ran it; the partial run is not a third.
  {
    grpc::ClientContext context;
    ::meshproof::testing::Deadline(&context);
    sv1::ListFlakyTestsRequest req;
    req.set_scenario("hist");
    sv1::ListFlakyTestsResponse resp;
    ASSERT_TRUE(store_stub_->ListFlakyTests(&context, req, &resp).ok());
    ASSERT_EQ(resp.tests_size(), 1);
    EXPECT_EQ(resp.tests(0).test(), "x");
    EXPECT_EQ(resp.tests(0).runs(), 2u);
    EXPECT_EQ(resp.tests(0).flips(), 1u);
  }
  // The partial run's report says x was not selected.
  for (const char* format : {"md", "html"}) {
    ::meshproof::testing::CommandResult report = ::meshproof::testing::RunCommand(
        {::meshproof::testing::BinaryPath("meshproof"), "report", partial.run_id(), "--format",
         format, "--store", store_->address()});
    EXPECT_EQ(report.exit_code, 0) << report.err;
    EXPECT_THAT(report.out, HasSubstr("not selected (no result in this run): x")) << format;
  }
}

}  // namespace
}  // namespace meshproof::scheduler::testing
