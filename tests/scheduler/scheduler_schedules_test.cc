// Schedules with a fake clock: interval and cron fires, missed fire times and the
// starting deadline, concurrency policies, pause/resume/trigger, and no double fire
// across a restart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/time_util.h"
#include "tests/scheduler/scheduler_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::scheduler::testing {
namespace {

namespace rv1 = meshproof::result::v1;
using ::meshproof::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class SchedulerSchedulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(h.Open().ok());
    ASSERT_TRUE(h.Submit(kPlainScenario).ok());
  }
  v1::CreateScheduleRequest Every(absl::Duration d, v1::ConcurrencyPolicy policy) {
    v1::CreateScheduleRequest req;
    req.set_schedule_id("every");
    req.set_scenario("plain");
    *req.mutable_interval() = ToProtoDuration(d);
    req.set_concurrency_policy(policy);
    (*req.mutable_vars())["PORT"] = "8080";
    return req;
  }
  std::vector<v1::Run> Runs() {
    v1::ListRunsRequest req;
    req.set_schedule_id("every");
    absl::StatusOr<v1::ListRunsResponse> list = h.scheduler->ListRuns(req);
    EXPECT_TRUE(list.ok());
    return std::vector<v1::Run>(list->runs().begin(), list->runs().end());
  }
  v1::Schedule Get() {
    absl::StatusOr<v1::Schedule> s = h.scheduler->GetSchedule("every");
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : v1::Schedule();
  }
  SchedulerHarness h;
};

TEST_F(SchedulerSchedulesTest, IntervalFiresOncePerIntervalWithAllow) {
  MP_ASSERT_OK_AND_ASSIGN(v1::Schedule s, h.scheduler->CreateSchedule(Every(
                                              absl::Minutes(10), v1::CONCURRENCY_POLICY_ALLOW)));
  ASSERT_THAT(s.next_fire_times(), SizeIs(5));
  EXPECT_EQ(FromProtoTimestamp(s.next_fire_times(0)), h.clock.Now() + absl::Minutes(10));
  for (int i = 0; i < 30; ++i) {  // 30 minutes, ticking every minute
    h.clock.Advance(absl::Minutes(1));
    h.scheduler->Tick();
    h.scheduler->Tick();  // a second tick at the same instant never fires again
  }
  std::vector<v1::Run> runs = Runs();
  ASSERT_THAT(runs, SizeIs(3));
  EXPECT_EQ(runs[0].trigger(), rv1::TRIGGER_SCHEDULE);
  EXPECT_EQ(runs[0].schedule_id(), "every");
  v1::Schedule after = Get();
  ASSERT_THAT(after.recent(), SizeIs(3));
  EXPECT_EQ(after.recent(0).outcome(), v1::FireRecord::OUTCOME_STARTED);
  EXPECT_EQ(after.recent(0).run_state(), v1::RUN_STATE_QUEUED);
}

TEST_F(SchedulerSchedulesTest, ForbidSkipsWhileARunIsActive) {
  MP_ASSERT_OK(h.scheduler->CreateSchedule(Every(absl::Minutes(10), v1::CONCURRENCY_POLICY_FORBID))
                   .status());
  h.clock.Advance(absl::Minutes(10));
  h.scheduler->Tick();
  h.clock.Advance(absl::Minutes(10));
  h.scheduler->Tick();
  std::vector<v1::Run> runs = Runs();
  ASSERT_THAT(runs, SizeIs(1));
  v1::Schedule s = Get();
  ASSERT_THAT(s.recent(), SizeIs(2));
  EXPECT_EQ(s.recent(0).outcome(), v1::FireRecord::OUTCOME_SKIPPED_ACTIVE);
  EXPECT_THAT(s.recent(0).message(), HasSubstr(runs[0].run_id()));
  EXPECT_THAT(h.scheduler->TriggerSchedule("every"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("FORBID")));
  // Once the run ended, the next fire starts one.
  v1::CancelRunRequest cancel;
  cancel.set_run_id(runs[0].run_id());
  MP_ASSERT_OK(h.scheduler->CancelRun(cancel).status());
  h.clock.Advance(absl::Minutes(10));
  h.scheduler->Tick();
  EXPECT_THAT(Runs(), SizeIs(2));
}

TEST_F(SchedulerSchedulesTest, ReplaceCancelsTheActiveRun) {
  MP_ASSERT_OK(h.scheduler->CreateSchedule(Every(absl::Minutes(10), v1::CONCURRENCY_POLICY_REPLACE))
                   .status());
  h.clock.Advance(absl::Minutes(10));
  h.scheduler->Tick();
  h.clock.Advance(absl::Minutes(10));
  h.scheduler->Tick();
  std::vector<v1::Run> runs = Runs();
  ASSERT_THAT(runs, SizeIs(2));
  EXPECT_EQ(runs[0].state(), v1::RUN_STATE_QUEUED);
  EXPECT_EQ(runs[1].state(), v1::RUN_STATE_CANCELLED);
  EXPECT_THAT(runs[1].reason(), HasSubstr("replaced by schedule every"));
}

TEST_F(SchedulerSchedulesTest, AfterDowntimeFiresOnceWithinTheStartingDeadline) {
  v1::CreateScheduleRequest req = Every(absl::Minutes(10), v1::CONCURRENCY_POLICY_ALLOW);
  *req.mutable_starting_deadline() = ToProtoDuration(absl::Minutes(5));
  MP_ASSERT_OK(h.scheduler->CreateSchedule(req).status());
  // Down for 63 minutes: fire times at +10..+60; the last is 3 min old, within 5 min.
  h.clock.Advance(absl::Minutes(63));
  h.scheduler->Tick();
  EXPECT_THAT(Runs(), SizeIs(1));
  v1::Schedule s = Get();
  ASSERT_THAT(s.recent(), SizeIs(6));
  EXPECT_EQ(s.recent(0).outcome(), v1::FireRecord::OUTCOME_STARTED);
  for (int i = 1; i < 6; ++i) EXPECT_EQ(s.recent(i).outcome(), v1::FireRecord::OUTCOME_MISSED);
  EXPECT_EQ(FromProtoTimestamp(s.next_fire_times(0)),
            FromProtoTimestamp(s.created_at()) + absl::Minutes(70));
}

TEST_F(SchedulerSchedulesTest, PastTheStartingDeadlineTheFireIsRecordedMissed) {
  v1::CreateScheduleRequest req = Every(absl::Minutes(10), v1::CONCURRENCY_POLICY_ALLOW);
  *req.mutable_starting_deadline() = ToProtoDuration(absl::Minutes(5));
  MP_ASSERT_OK(h.scheduler->CreateSchedule(req).status());
  h.clock.Advance(absl::Minutes(17));  // the +10 fire time is 7 min old
  h.scheduler->Tick();
  EXPECT_THAT(Runs(), SizeIs(0));
  v1::Schedule s = Get();
  ASSERT_THAT(s.recent(), SizeIs(1));
  EXPECT_EQ(s.recent(0).outcome(), v1::FireRecord::OUTCOME_MISSED);
  EXPECT_THAT(s.recent(0).message(), HasSubstr("starting deadline"));
}

TEST_F(SchedulerSchedulesTest, NeverFiresTwiceForOneFireTimeAcrossARestart) {
  MP_ASSERT_OK(
      h.scheduler->CreateSchedule(Every(absl::Minutes(10), v1::CONCURRENCY_POLICY_ALLOW)).status());
  h.clock.Advance(absl::Minutes(10));
  h.scheduler->Tick();
  ASSERT_THAT(Runs(), SizeIs(1));
  MP_ASSERT_OK(h.Open());
  h.scheduler->Tick();
  EXPECT_THAT(Runs(), SizeIs(1));
  v1::Schedule s = Get();
  EXPECT_EQ(FromProtoTimestamp(s.next_fire_times(0)),
            FromProtoTimestamp(s.created_at()) + absl::Minutes(20));
  h.clock.Advance(absl::Minutes(10));
  h.scheduler->Tick();
  EXPECT_THAT(Runs(), SizeIs(2));
}

TEST_F(SchedulerSchedulesTest, PausedSchedulesDoNotFireAndResumeDoesNotCatchUp) {
  MP_ASSERT_OK(
      h.scheduler->CreateSchedule(Every(absl::Minutes(10), v1::CONCURRENCY_POLICY_ALLOW)).status());
  MP_ASSERT_OK_AND_ASSIGN(v1::Schedule paused, h.scheduler->PauseSchedule("every"));
  EXPECT_TRUE(paused.paused());
  h.clock.Advance(absl::Minutes(32));
  h.scheduler->Tick();
  EXPECT_THAT(Runs(), SizeIs(0));
  MP_ASSERT_OK_AND_ASSIGN(v1::Schedule resumed, h.scheduler->ResumeSchedule("every"));
  EXPECT_FALSE(resumed.paused());
  EXPECT_EQ(FromProtoTimestamp(resumed.next_fire_times(0)),
            FromProtoTimestamp(resumed.created_at()) + absl::Minutes(40));
  h.scheduler->Tick();
  EXPECT_THAT(Runs(), SizeIs(0));
  MP_ASSERT_OK_AND_ASSIGN(v1::Run triggered, h.scheduler->TriggerSchedule("every"));
  EXPECT_EQ(triggered.trigger(), rv1::TRIGGER_MANUAL);
  EXPECT_EQ(triggered.schedule_id(), "every");
}

TEST_F(SchedulerSchedulesTest, AFireThatCannotStartARunIsRecordedAndTheScheduleGoesOn) {
  v1::CreateScheduleRequest req = Every(absl::Minutes(10), v1::CONCURRENCY_POLICY_ALLOW);
  req.clear_vars();  // ${PORT} is undefined: every run fails to start
  MP_ASSERT_OK(h.scheduler->CreateSchedule(req).status());
  h.clock.Advance(absl::Minutes(10));
  h.scheduler->Tick();
  h.clock.Advance(absl::Minutes(10));
  h.scheduler->Tick();
  v1::Schedule s = Get();
  ASSERT_THAT(s.recent(), SizeIs(2));
  EXPECT_EQ(s.recent(0).outcome(), v1::FireRecord::OUTCOME_FAILED);
  EXPECT_THAT(s.recent(0).message(), HasSubstr("PORT"));
}

TEST_F(SchedulerSchedulesTest, CronScheduleFiresAtLocalTimes) {
  // 2026-06-07T00:00Z is 02:00 in Berlin (CEST); 03:00 local is at 01:00Z.
  v1::CreateScheduleRequest req;
  req.set_schedule_id("nightly");
  req.set_scenario("plain");
  req.set_cron("0 3 * * *");
  req.set_time_zone("Europe/Berlin");
  (*req.mutable_vars())["PORT"] = "1";
  MP_ASSERT_OK_AND_ASSIGN(v1::Schedule s, h.scheduler->CreateSchedule(req));
  EXPECT_EQ(s.concurrency_policy(), v1::CONCURRENCY_POLICY_FORBID);
  EXPECT_EQ(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", FromProtoTimestamp(s.next_fire_times(0)),
                             absl::UTCTimeZone()),
            "2026-06-07T01:00:00Z");
  req.set_schedule_id("bad");
  req.set_cron("0 25 * * *");
  EXPECT_THAT(h.scheduler->CreateSchedule(req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("hour")));
  req.set_cron("0 3 * * *");
  req.set_time_zone("Nowhere/Special");
  EXPECT_THAT(h.scheduler->CreateSchedule(req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("time_zone")));
  req.set_schedule_id("Bad_Id");
  EXPECT_THAT(h.scheduler->CreateSchedule(req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("schedule_id")));
  req.set_schedule_id("nightly");
  req.set_time_zone("UTC");
  EXPECT_THAT(h.scheduler->CreateSchedule(req), StatusIs(absl::StatusCode::kAlreadyExists));
  h.clock.Advance(absl::Hours(1));
  h.scheduler->Tick();
  v1::ListRunsRequest list;
  list.set_schedule_id("nightly");
  MP_ASSERT_OK_AND_ASSIGN(auto runs, h.scheduler->ListRuns(list));
  EXPECT_THAT(runs.runs(), SizeIs(1));
}

TEST_F(SchedulerSchedulesTest, DeletingTheScenarioDeletesItsSchedules) {
  MP_ASSERT_OK(
      h.scheduler->CreateSchedule(Every(absl::Minutes(10), v1::CONCURRENCY_POLICY_ALLOW)).status());
  v1::DeleteScenarioRequest del;
  del.set_name("plain");
  MP_ASSERT_OK(h.scheduler->DeleteScenario(del));
  EXPECT_THAT(h.scheduler->GetSchedule("every"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(SchedulerSchedulesTest, TickAsksToWakeAtTheNextFireTime) {
  h.config.tick_interval = absl::Hours(1);
  MP_ASSERT_OK(h.Open());
  MP_ASSERT_OK(
      h.scheduler->CreateSchedule(Every(absl::Minutes(10), v1::CONCURRENCY_POLICY_ALLOW)).status());
  EXPECT_EQ(h.scheduler->Tick(), h.clock.Now() + absl::Minutes(10));
}

}  // namespace
}  // namespace meshproof::scheduler::testing
