// The scheduler's schema migrations (from empty, re-run, newer database refused, data
// kept across close and reopen) and its configuration file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/scheduler/migrations.h"
#include "services/scheduler/scheduler_config.h"
#include "tests/scheduler/scheduler_fixtures.h"
#include "tests/testing/sqlite_query.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::scheduler::testing {
namespace {

using ::meshproof::testing::QueryInt;
using ::meshproof::testing::StatusIs;
using ::testing::HasSubstr;

TEST(SchedulerMigrationsTest, FromEmptyReRunAndNewerRefused) {
  ::meshproof::testing::TempDir dir;
  const int newest = static_cast<int>(SchedulerMigrations().size());
  {
    MP_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(dir.File("s.db"), {}));
    MP_ASSERT_OK_AND_ASSIGN(int version, ApplyMigrations(db.get(), SchedulerMigrations()));
    EXPECT_EQ(version, newest);
    EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM schema_migrations"), newest);
    MP_ASSERT_OK_AND_ASSIGN(version, ApplyMigrations(db.get(), SchedulerMigrations()));
    EXPECT_EQ(version, newest);
    MP_ASSERT_OK(db->Exec(absl::StrCat("PRAGMA user_version=", newest + 1)));
  }
  MP_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(dir.File("s.db"), {}));
  EXPECT_THAT(ApplyMigrations(db.get(), SchedulerMigrations()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("newer")));
  SchedulerConfig config;
  ::meshproof::testing::FakeClock clock;
  EXPECT_THAT(Scheduler::Open(dir.File("s.db"), config, &clock),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(SchedulerMigrationsTest, FireRecordsAreUniquePerScheduleAndTime) {
  ::meshproof::testing::TempDir dir;
  MP_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(dir.File("s.db"), {}));
  MP_ASSERT_OK(ApplyMigrations(db.get(), SchedulerMigrations()).status());
  MP_ASSERT_OK(
      db->Exec("INSERT INTO schedules (schedule_id, scenario_name, next_fire_us,"
               " schedule, created_us) VALUES ('s', 'x', 0, x'', 0)"));
  MP_ASSERT_OK(
      db->Exec("INSERT INTO fire_records (schedule_id, fire_time_us, outcome,"
               " recorded_us) VALUES ('s', 60, 1, 0)"));
  EXPECT_FALSE(db->Exec("INSERT INTO fire_records (schedule_id, fire_time_us, outcome,"
                        " recorded_us) VALUES ('s', 60, 1, 0)")
                   .ok());
}

TEST(SchedulerMigrationsTest, ScenariosAndRunsSurviveCloseAndReopen) {
  SchedulerHarness h;
  MP_ASSERT_OK(h.Open());
  MP_ASSERT_OK(h.Submit(kGatedScenario).status());
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("demo"));
  MP_ASSERT_OK(h.Open());
  v1::Run again = h.Get(run.run_id());
  EXPECT_EQ(again.state(), v1::RUN_STATE_AWAITING_APPROVAL);
  EXPECT_EQ(again.scenario_version(), run.scenario_version());
}

TEST(SchedulerConfigTest, ParsesKnownKeysAndRejectsUnknownOnes) {
  MP_ASSERT_OK_AND_ASSIGN(SchedulerConfig config,
                          ParseSchedulerConfig("lease: 45s\nheartbeat_interval: 5s\n"
                                               "max_attempts: 3\ndefault_run_timeout: 1h\n",
                                               "s.yaml"));
  EXPECT_EQ(config.lease, absl::Seconds(45));
  EXPECT_EQ(config.heartbeat_interval, absl::Seconds(5));
  EXPECT_EQ(config.max_attempts, 3);
  EXPECT_EQ(config.default_run_timeout, absl::Hours(1));
  EXPECT_THAT(
      ParseSchedulerConfig("lease: 30s\nleese: 1s\n", "s.yaml"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("s.yaml:2:1: unknown key \"leese\"")));
  EXPECT_THAT(ParseSchedulerConfig("lease: soon\n", "s.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("lease: expected")));
  EXPECT_THAT(ParseSchedulerConfig("max_attempts: 0\n", "s.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_attempts")));
  EXPECT_THAT(ParseSchedulerConfig("lease: 5s\nheartbeat_interval: 10s\n", "s.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("heartbeat_interval")));
  EXPECT_THAT(ParseSchedulerConfig("- a\n", "s.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mapping")));
  MP_EXPECT_OK(ParseSchedulerConfig("", "s.yaml"));
}

TEST(SchedulerConfigTest, ParsesTlsKeys) {
  MP_ASSERT_OK_AND_ASSIGN(
      SchedulerConfig config,
      ParseSchedulerConfig(
          "tls_cert: /tls/tls.crt\ntls_key: /tls/tls.key\ntls_client_ca: /tls/ca.crt\n"
          "store_tls_ca: /tls/store-ca.crt\nstore_tls_server_name: store.test\n"
          "store_tls_cert: /tls/client.crt\nstore_tls_key: /tls/client.key\n",
          "s.yaml"));
  EXPECT_EQ(config.server.tls.cert_file, "/tls/tls.crt");
  EXPECT_EQ(config.server.tls.key_file, "/tls/tls.key");
  EXPECT_EQ(config.server.tls.client_ca_file, "/tls/ca.crt");
  EXPECT_EQ(config.store.tls.ca_file, "/tls/store-ca.crt");
  EXPECT_EQ(config.store.tls.server_name, "store.test");
  EXPECT_EQ(config.store.tls.cert_file, "/tls/client.crt");
  EXPECT_EQ(config.store.tls.key_file, "/tls/client.key");
  EXPECT_THAT(ParseSchedulerConfig("store_tls_server_name: \"\"\n", "s.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("store_tls_server_name")));
}

}  // namespace
}  // namespace meshproof::scheduler::testing
