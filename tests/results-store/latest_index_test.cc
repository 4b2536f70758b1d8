// The latest-per-cluster index as test sets change between runs, runs finish out of
// order, the store is reopened (nothing remembered) and retention deletes runs. The
// answer must always be, for each test, the newest finished run (by start) that has
// it, and the index must hold a row only for tests missing from their cluster's latest
// run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/results-store/store_fixtures.h"
#include "tests/testing/sqlite_query.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::store::testing {
namespace {

using ::meshproof::testing::StatusIs;
using result::v1::TEST_VERDICT_PASS;
using ::testing::ElementsAre;
using ::testing::Pair;

constexpr char kScenario[] = "30-mesh";

class LatestIndexTest : public ::testing::Test {
 protected:
  void SetUp() override { MP_ASSERT_OK(h_.Open()); }

  // Begins, fills and finishes a run of kScenario in `cluster` with one passing result
  // per test.
  void Run(const std::string& run_id, absl::Time started, const std::vector<std::string>& tests,
           const std::string& cluster = "homelab") {
    Begin(run_id, started, tests, cluster);
    MP_ASSERT_OK(h_.store->FinishRun(MakeFinish(run_id)));
  }
  void Begin(const std::string& run_id, absl::Time started, const std::vector<std::string>& tests,
             const std::string& cluster = "homelab") {
    MP_ASSERT_OK(h_.store->BeginRun(MakeBegin(run_id, kScenario, cluster, started)));
    std::vector<result::v1::TestResult> results;
    for (const std::string& t : tests) results.push_back(MakeResult(t, TEST_VERDICT_PASS));
    if (!results.empty()) MP_ASSERT_OK(h_.store->AppendResults(MakeAppend(run_id, results)));
  }

  // test → run id of its latest cell in `cluster` (tests without a cell there left out).
  std::map<std::string, std::string> Latest(const std::string& cluster = "homelab") {
    v1::GetLatestPerClusterRequest request;
    request.set_scenario(kScenario);
    auto response = h_.store->GetLatestPerCluster(request);
    EXPECT_TRUE(response.ok()) << response.status();
    std::map<std::string, std::string> latest;
    if (!response.ok()) return latest;
    for (const v1::ClusterRow& row : response->rows()) {
      for (const v1::ClusterCell& cell : row.cells()) {
        if (cell.cluster() == cluster && !cell.run_id().empty()) latest[row.test()] = cell.run_id();
      }
    }
    return latest;
  }

  int64_t Count(const std::string& sql) {
    auto db = Database::Open(h_.path(), {});
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? ::meshproof::testing::QueryInt(db->get(), sql) : -1;
  }
  int64_t Exceptions() { return Count("SELECT count(*) FROM latest_results"); }

  StoreHarness h_;
};

TEST_F(LatestIndexTest, FollowsTestsAddedRemovedAndFinishedOutOfOrder) {
  Run("r1", Night(1), {"a", "b", "c"});
  EXPECT_THAT(Latest(), ElementsAre(Pair("a", "r1"), Pair("b", "r1"), Pair("c", "r1")));
  // Same tests again: the latest run covers them all, no row per test.
  EXPECT_EQ(Exceptions(), 0);

  Run("r2", Night(2), {"a", "b"});
  EXPECT_THAT(Latest(), ElementsAre(Pair("a", "r2"), Pair("b", "r2"), Pair("c", "r1")));
  EXPECT_EQ(Exceptions(), 1);  // c

  Run("r3", Night(3), {"a", "c"});
  EXPECT_THAT(Latest(), ElementsAre(Pair("a", "r3"), Pair("b", "r2"), Pair("c", "r3")));
  EXPECT_EQ(Exceptions(), 1);  // b; c's went when r3 covered it

  // Started before everything, finished now: only its test nobody newer has counts.
  Run("r0", Night(0), {"a", "d"});
  EXPECT_THAT(Latest(),
              ElementsAre(Pair("a", "r3"), Pair("b", "r2"), Pair("c", "r3"), Pair("d", "r0")));

  // Started between r2 and r3, finished after r3: newer than r2 for b, first with e.
  Run("r2b", Night(2) + absl::Hours(1), {"b", "e"});
  EXPECT_THAT(Latest(), ElementsAre(Pair("a", "r3"), Pair("b", "r2b"), Pair("c", "r3"),
                                    Pair("d", "r0"), Pair("e", "r2b")));

  Run("r4", Night(4), {"b"});
  const std::map<std::string, std::string> after_r4 = Latest();
  EXPECT_THAT(after_r4, ElementsAre(Pair("a", "r3"), Pair("b", "r4"), Pair("c", "r3"),
                                    Pair("d", "r0"), Pair("e", "r2b")));
  EXPECT_EQ(Exceptions(), 4);  // a, c, d, e
  EXPECT_EQ(Count("SELECT count(*) FROM latest_runs"), 1);

  // Reopened, the store remembers nothing and reads what it needs.
  MP_ASSERT_OK(h_.Open());
  EXPECT_EQ(Latest(), after_r4);
  Run("r5", Night(5), {"a", "c", "f"});
  EXPECT_THAT(Latest(), ElementsAre(Pair("a", "r5"), Pair("b", "r4"), Pair("c", "r5"),
                                    Pair("d", "r0"), Pair("e", "r2b"), Pair("f", "r5")));
  EXPECT_EQ(Exceptions(), 3);  // b, d, e
}

TEST_F(LatestIndexTest, ClustersAreIndependentAndAnEmptyRunCoversNothing) {
  Run("h1", Night(1), {"a", "b"}, "homelab");
  Run("s1", Night(1), {"a"}, "staging");
  Run("h2", Night(2), {}, "homelab");
  EXPECT_THAT(Latest("homelab"), ElementsAre(Pair("a", "h1"), Pair("b", "h1")));
  EXPECT_THAT(Latest("staging"), ElementsAre(Pair("a", "s1")));
}

TEST_F(LatestIndexTest, RetentionTakesTheDeletedRunsCellsAndNothingElse) {
  Run("r1", Night(1), {"a", "b"});
  Run("r2", Night(2), {"a"});
  Run("r3", Night(3), {"c"});
  v1::ApplyRetentionRequest request;
  *request.mutable_cutoff() = FromMicros(absl::ToUnixMicros(Night(2)));
  MP_ASSERT_OK(h_.store->ApplyRetention(request));
  EXPECT_THAT(Latest(), ElementsAre(Pair("a", "r2"), Pair("c", "r3")));
  *request.mutable_cutoff() = FromMicros(absl::ToUnixMicros(Night(4)));
  MP_ASSERT_OK(h_.store->ApplyRetention(request));
  EXPECT_EQ(Exceptions(), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM latest_runs"), 0);
  // The next run starts the index afresh.
  Run("r9", Night(9), {"z"});
  EXPECT_THAT(Latest(), ElementsAre(Pair("z", "r9")));
}

TEST_F(LatestIndexTest, AnOpenRunDeletedByRetentionIsUnknownToLaterWrites) {
  // The writer remembers open runs; retention must make it forget the ones it deletes.
  Begin("old", Night(1), {"a"});
  v1::ApplyRetentionRequest request;
  *request.mutable_cutoff() = FromMicros(absl::ToUnixMicros(Night(2)));
  MP_ASSERT_OK(h_.store->ApplyRetention(request));
  EXPECT_THAT(h_.store->AppendResults(MakeAppend("old", {MakeResult("b", TEST_VERDICT_PASS)})),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(h_.store->FinishRun(MakeFinish("old")), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(LatestIndexTest, AppendOrderSurvivesARejectedBatchBetweenBatches) {
  // The writer remembers where an open run's order stands; a refused batch must leave
  // it where the stored results put it.
  Begin("r1", Night(1), {"a", "b"});
  EXPECT_THAT(h_.store->AppendResults(MakeAppend("r1", {MakeResult("c", TEST_VERDICT_PASS),
                                                        [] {
                                                          auto r =
                                                              MakeResult("d", TEST_VERDICT_PASS);
                                                          r.set_scenario("other");
                                                          return r;
                                                        }()})),
              StatusIs(absl::StatusCode::kInvalidArgument));
  MP_ASSERT_OK(h_.store->AppendResults(MakeAppend("r1", {MakeResult("e", TEST_VERDICT_PASS)})));
  v1::GetRunRequest get;
  get.set_run_id("r1");
  MP_ASSERT_OK_AND_ASSIGN(v1::RunDetail run, h_.store->GetRun(get));
  std::vector<std::string> order;
  for (const auto& r : run.results()) order.push_back(r.test());
  EXPECT_THAT(order, ElementsAre("a", "b", "e"));
}

TEST_F(LatestIndexTest, OnlyTheLatestAttemptsTestsCoverTheirCells) {
  // The writer remembers the tests an open run appended; a later attempt replaces them.
  Run("r1", Night(1), {"a", "b"});
  Begin("r2", Night(2), {"a", "b"});
  MP_ASSERT_OK(h_.store->AppendResults(
      MakeAppend("r2", {MakeResult("a", TEST_VERDICT_PASS)}, /*attempt=*/2)));
  // An older attempt's late batch counts for nothing either.
  MP_ASSERT_OK(h_.store->AppendResults(
      MakeAppend("r2", {MakeResult("c", TEST_VERDICT_PASS)}, /*attempt=*/1)));
  MP_ASSERT_OK(h_.store->FinishRun(MakeFinish("r2")));
  EXPECT_THAT(Latest(), ElementsAre(Pair("a", "r2"), Pair("b", "r1")));
  EXPECT_EQ(Exceptions(), 1);  // b
}

TEST_F(LatestIndexTest, ABatchRolledBackAfterSomeInsertsIsNotRememberedAsAppended) {
  // A write that failed after inserting some of its results is rolled back; what the
  // writer noted of it must go too, or FinishRun would make the run the latest for a
  // test it has no result for.
  Run("r1", Night(1), {"a", "b"});
  Begin("r2", Night(2), {"a"});
  {
    // Fault injection: refuse any result of a test named "boom" (another connection;
    // the writer's statements see the new schema).
    auto db = Database::Open(h_.path(), {});
    ASSERT_TRUE(db.ok()) << db.status();
    MP_ASSERT_OK(
        (*db)->Exec("CREATE TRIGGER refuse_boom BEFORE INSERT ON results"
                    " WHEN NEW.test_id = (SELECT id FROM tests WHERE name = 'boom')"
                    " BEGIN SELECT RAISE(ABORT, 'boom refused'); END"));
  }
  EXPECT_FALSE(h_.store
                   ->AppendResults(MakeAppend("r2", {MakeResult("b", TEST_VERDICT_PASS),
                                                     MakeResult("boom", TEST_VERDICT_PASS)}))
                   .ok());
  MP_ASSERT_OK(h_.store->FinishRun(MakeFinish("r2")));
  EXPECT_THAT(Latest(), ElementsAre(Pair("a", "r2"), Pair("b", "r1")));
  EXPECT_EQ(Count("SELECT count(*) FROM results r JOIN runs u ON u.id = r.run_pk"
                  " WHERE u.run_id = 'r2'"),
            1);
}

}  // namespace
}  // namespace meshproof::store::testing
