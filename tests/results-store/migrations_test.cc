// Schema migrations: from empty, re-run, close and reopen, a newer database refused, a
// failing script rolled back.
#include "services/results-store/migrations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/results-store/store_fixtures.h"
#include "tests/testing/service_process.h"
#include "tests/testing/sqlite_query.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::store::testing {
namespace {

using ::meshproof::testing::QueryInt;
using ::meshproof::testing::StatusIs;
using ::testing::HasSubstr;

TEST(MigrationsTest, FromEmptyReachesNewestAndRecordsEachScript) {
  ::meshproof::testing::TempDir dir;
  MP_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(dir.File("m.db"), {}));
  MP_ASSERT_OK_AND_ASSIGN(int version, ApplyMigrations(db.get(), ResultsMigrations()));
  EXPECT_EQ(version, static_cast<int>(ResultsMigrations().size()));
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM schema_migrations"),
            static_cast<int64_t>(ResultsMigrations().size()));
  EXPECT_EQ(QueryInt(db.get(), "PRAGMA user_version"), int64_t{version});
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM results"), int64_t{0});
}

TEST(MigrationsTest, RerunIsANoOp) {
  ::meshproof::testing::TempDir dir;
  MP_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(dir.File("m.db"), {}));
  MP_ASSERT_OK(ApplyMigrations(db.get(), ResultsMigrations()));
  MP_ASSERT_OK_AND_ASSIGN(int version, ApplyMigrations(db.get(), ResultsMigrations()));
  EXPECT_EQ(version, static_cast<int>(ResultsMigrations().size()));
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM schema_migrations"),
            static_cast<int64_t>(ResultsMigrations().size()));
}

TEST(MigrationsTest, CloseAndReopenKeepsData) {
  StoreHarness h;
  MP_ASSERT_OK(h.Open());
  MP_ASSERT_OK(h.store->BeginRun(MakeBegin("r1", "s", "c", Night(1))));
  MP_ASSERT_OK(
      h.store->AppendResults(MakeAppend("r1", {MakeResult("t1", result::v1::TEST_VERDICT_PASS)})));
  MP_ASSERT_OK(h.Open());  // closes the first store, opens again
  v1::GetRunRequest get;
  get.set_run_id("r1");
  MP_ASSERT_OK_AND_ASSIGN(auto run, h.store->GetRun(get));
  EXPECT_EQ(run.results_size(), 1);
  // Idempotency survives the reopen too.
  MP_ASSERT_OK_AND_ASSIGN(
      auto again,
      h.store->AppendResults(MakeAppend("r1", {MakeResult("t1", result::v1::TEST_VERDICT_PASS)})));
  EXPECT_EQ(again.duplicates(), 1u);
}

TEST(MigrationsTest, NewerDatabaseIsRefused) {
  StoreHarness h;
  MP_ASSERT_OK(h.Open());
  h.store.reset();
  {
    MP_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(h.path(), {}));
    MP_ASSERT_OK(db->Exec("PRAGMA user_version=999"));
  }
  EXPECT_THAT(h.Open(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("schema version 999")));
}

TEST(MigrationsTest, BinaryExitsOneOnNewerDatabase) {
  ::meshproof::testing::TempDir dir;
  {
    MP_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(dir.File("new.db"), {}));
    MP_ASSERT_OK(db->Exec("PRAGMA user_version=999"));
  }
  auto result =
      ::meshproof::testing::RunCommand({::meshproof::testing::BinaryPath("meshproof-store"),
                                        "--listen", "127.0.0.1:0", "--db", dir.File("new.db")});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_THAT(result.err, HasSubstr("schema version 999"));
}

TEST(MigrationsTest, FailingScriptIsRolledBackWhole) {
  ::meshproof::testing::TempDir dir;
  MP_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(dir.File("m.db"), {}));
  std::vector<Migration> migrations = {
      {1, "0001_a.sql", "CREATE TABLE a (x INTEGER);"},
      {2, "0002_b.sql", "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);"},
  };
  EXPECT_FALSE(ApplyMigrations(db.get(), migrations).ok());
  EXPECT_EQ(QueryInt(db.get(), "PRAGMA user_version"), int64_t{1});
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM sqlite_schema WHERE name = 'b'"), int64_t{0});
  migrations[1].sql = "CREATE TABLE b (x INTEGER);";
  MP_ASSERT_OK_AND_ASSIGN(int version, ApplyMigrations(db.get(), migrations));
  EXPECT_EQ(version, 2);
}

// Scenario 7, cluster 3, test 11 and run 5 (started at 100), in the columns every
// schema version has: what the latest-index migrations carry over.
constexpr char kOneRun[] =
    "INSERT INTO scenarios (id, name) VALUES (7, 's');"
    "INSERT INTO clusters (id, name) VALUES (3, 'c');"
    "INSERT INTO tests (id, scenario_id, name) VALUES (11, 7, 't');"
    "INSERT INTO runs (id, run_id, scenario_id, cluster_id, scenario_version, namespace, team,"
    " agent_id, trigger, schedule_id, started_at, env_cluster, env_namespace, istio_version,"
    " k8s_version, agent_version) VALUES (5, 'r', 7, 3, 'v', '', '', '', 0, '', 100, '', '',"
    " '', '', '');";

TEST(MigrationsTest, SecondScriptCarriesLatestRowsOver) {
  ::meshproof::testing::TempDir dir;
  MP_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(dir.File("m.db"), {}));
  ASSERT_GE(ResultsMigrations().size(), 2u);
  MP_ASSERT_OK(ApplyMigrations(db.get(), {ResultsMigrations()[0]}));
  MP_ASSERT_OK(db->Exec(absl::StrCat(kOneRun,
                                     "INSERT INTO latest_results (test_id, cluster_id, run_pk, "
                                     "started_at) VALUES (11, 3, 5, 100);")));
  MP_ASSERT_OK(ApplyMigrations(db.get(), {ResultsMigrations()[0], ResultsMigrations()[1]}));
  EXPECT_EQ(QueryInt(db.get(),
                     "SELECT run_pk FROM latest_results WHERE scenario_id = 7 AND"
                     " cluster_id = 3 AND test_id = 11"),
            5);
  // The cascade still reaches the rekeyed table.
  MP_ASSERT_OK(db->Exec("DELETE FROM runs WHERE id = 5"));
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM latest_results"), 0);
}

TEST(MigrationsTest, FourthScriptCarriesLatestRowsOverWithoutTheRunIndex) {
  ::meshproof::testing::TempDir dir;
  MP_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(dir.File("m.db"), {}));
  ASSERT_GE(ResultsMigrations().size(), 4u);
  MP_ASSERT_OK(ApplyMigrations(
      db.get(), {ResultsMigrations()[0], ResultsMigrations()[1], ResultsMigrations()[2]}));
  MP_ASSERT_OK(db->Exec(absl::StrCat(
      kOneRun,
      "INSERT INTO latest_results (scenario_id, cluster_id, test_id, run_pk, started_at)"
      " VALUES (7, 3, 11, 5, 100);")));
  MP_ASSERT_OK(ApplyMigrations(db.get(), ResultsMigrations()));
  EXPECT_EQ(QueryInt(db.get(),
                     "SELECT run_pk FROM latest_results WHERE scenario_id = 7 AND"
                     " cluster_id = 3 AND test_id = 11"),
            5);
  EXPECT_EQ(QueryInt(db.get(),
                     "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND"
                     " tbl_name = 'latest_results' AND sql IS NOT NULL"),
            0);
}

TEST(MigrationsTest, FifthScriptKeepsTheLatestRunAndOnlyTheTestsItLacks) {
  ::meshproof::testing::TempDir dir;
  MP_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(dir.File("m.db"), {}));
  ASSERT_GE(ResultsMigrations().size(), 5u);
  const std::vector<Migration> first_four(ResultsMigrations().begin(),
                                          ResultsMigrations().begin() + 4);
  MP_ASSERT_OK(ApplyMigrations(db.get(), first_four));
  // Runs 5 (tests 11 and 12) and 6 (test 11) finished; 7 started last but is open.
  MP_ASSERT_OK(db->Exec(
      "INSERT INTO scenarios (id, name) VALUES (7, 's');"
      "INSERT INTO clusters (id, name) VALUES (3, 'c');"
      "INSERT INTO tests (id, scenario_id, name) VALUES (11, 7, 't11'), (12, 7, 't12');"
      "INSERT INTO runs (id, run_id, scenario_id, cluster_id, scenario_version, namespace, team,"
      " agent_id, trigger, schedule_id, started_at, finished_at, env_cluster, env_namespace,"
      " istio_version, k8s_version, agent_version, latest_attempt) VALUES"
      " (5, 'r5', 7, 3, 'v', '', '', '', 0, '', 100, 110, '', '', '', '', '', 1),"
      " (6, 'r6', 7, 3, 'v', '', '', '', 0, '', 200, 210, '', '', '', '', '', 1),"
      " (7, 'r7', 7, 3, 'v', '', '', '', 0, '', 300, NULL, '', '', '', '', '', 1);"
      "INSERT INTO results (run_pk, test_id, phase, attempt, seq, verdict, status_code,"
      " failure_class, latency_us, flags, attempts, reason) VALUES"
      " (5, 11, 3, 1, 0, 1, 200, 0, 0, 0, 1, ''), (5, 12, 3, 1, 1, 1, 200, 0, 0, 0, 1, ''),"
      " (6, 11, 3, 1, 0, 1, 200, 0, 0, 0, 1, ''), (7, 12, 3, 1, 0, 1, 200, 0, 0, 0, 1, '');"
      "INSERT INTO latest_results (scenario_id, cluster_id, test_id, run_pk, started_at)"
      " VALUES (7, 3, 11, 6, 200), (7, 3, 12, 5, 100);"));
  MP_ASSERT_OK(ApplyMigrations(db.get(), ResultsMigrations()));
  EXPECT_EQ(QueryInt(db.get(),
                     "SELECT run_pk FROM latest_runs WHERE scenario_id = 7 AND"
                     " cluster_id = 3"),
            6);
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM latest_runs"), 1);
  // Test 11 is covered by run 6; test 12, which run 6 lacks, keeps run 5.
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM latest_results"), 1);
  EXPECT_EQ(QueryInt(db.get(), "SELECT run_pk FROM latest_results WHERE test_id = 12"), 5);
}

TEST(MigrationsTest, SixthScriptMarksResultsThatPassedOnRetryFlaky) {
  ::meshproof::testing::TempDir dir;
  MP_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(dir.File("m.db"), {}));
  ASSERT_GE(ResultsMigrations().size(), 6u);
  const std::vector<Migration> first_five(ResultsMigrations().begin(),
                                          ResultsMigrations().begin() + 5);
  MP_ASSERT_OK(ApplyMigrations(db.get(), first_five));
  // Test 11 passed on retry (bit 1, with an outcome: 2); test 12 passed first time.
  MP_ASSERT_OK(db->Exec(absl::StrCat(
      kOneRun,
      "INSERT INTO tests (id, scenario_id, name) VALUES (12, 7, 't12');"
      "INSERT INTO results (run_pk, test_id, phase, attempt, seq, verdict, status_code,"
      " failure_class, latency_us, flags, attempts, reason) VALUES"
      " (5, 11, 3, 1, 0, 1, 200, 0, 0, 3, 2, ''), (5, 12, 3, 1, 1, 1, 200, 0, 0, 2, 1, '');")));
  MP_ASSERT_OK(ApplyMigrations(db.get(), ResultsMigrations()));
  EXPECT_EQ(QueryInt(db.get(), "SELECT flags FROM results WHERE test_id = 11"), 3 | 64);
  EXPECT_EQ(QueryInt(db.get(), "SELECT flags FROM results WHERE test_id = 12"), 2);
}

TEST(MigrationsTest, ThirdScriptMakesTheHistoryWalkCovering) {
  ::meshproof::testing::TempDir dir;
  MP_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(dir.File("m.db"), {}));
  MP_ASSERT_OK(ApplyMigrations(db.get(), ResultsMigrations()));
  // The shape of GetTestHistory's query with a cluster: no run row is read.
  MP_ASSERT_OK_AND_ASSIGN(
      Statement plan,
      db->Prepare("EXPLAIN QUERY PLAN SELECT u.id, u.run_id, c.name, u.started_at,"
                  " u.scenario_version, r.verdict FROM runs u"
                  " INDEXED BY runs_by_scenario_cluster"
                  " JOIN results r ON r.run_pk = u.id AND r.test_id = ?1 AND r.phase = ?2"
                  " AND r.attempt = u.latest_attempt JOIN clusters c ON c.id = u.cluster_id"
                  " WHERE u.scenario_id = ?3 AND u.cluster_id = ?4"
                  " ORDER BY u.started_at DESC, u.id DESC LIMIT 10"));
  std::string details;
  while (true) {
    MP_ASSERT_OK_AND_ASSIGN(bool row, plan.Step());
    if (!row) break;
    details += plan.Text(3) + "\n";
  }
  EXPECT_THAT(details, HasSubstr("USING COVERING INDEX runs_by_scenario_cluster"));
  EXPECT_THAT(details, HasSubstr("SEARCH r USING PRIMARY KEY"));
}

TEST(MigrationsTest, GapInNumbersIsRejected) {
  ::meshproof::testing::TempDir dir;
  MP_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(dir.File("m.db"), {}));
  std::vector<Migration> migrations = {{1, "0001_a.sql", "SELECT 1;"},
                                       {3, "0003_c.sql", "SELECT 1;"}};
  EXPECT_THAT(ApplyMigrations(db.get(), migrations), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(MigrationsTest, EmbeddedScriptsDoNotNeedTheSourceTree) {
  // The first script is compiled in; its text is the file's.
  ASSERT_FALSE(ResultsMigrations().empty());
  EXPECT_EQ(std::string(ResultsMigrations()[0].name), "0001_initial.sql");
  EXPECT_THAT(ResultsMigrations()[0].sql, HasSubstr("CREATE TABLE results"));
}

}  // namespace
}  // namespace meshproof::store::testing
