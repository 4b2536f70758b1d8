// Scheduler::CollectMetrics on a real database with a fake clock: runs by state and
// trigger (zeros included), approvals waiting and their age, agents, a lost lease counted
// once, and a schedule's lag and last fire outcome.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/metrics/registry.h"
#include "tests/scheduler/scheduler_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::scheduler::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

class SchedulerMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(h.Open().ok());
    registry.AddCollector(
        [this](metrics::CollectorSink& sink) { h.scheduler->CollectMetrics(sink); });
  }
  SchedulerHarness h;
  metrics::Registry registry;
};

TEST_F(SchedulerMetricsTest, ApprovalsWaitingAndTheirAge) {
  MP_ASSERT_OK(h.Submit(kGatedScenario).status());
  EXPECT_THAT(registry.Render(),
              HasSubstr("meshproof_scheduler_runs{state=\"awaiting_approval\",trigger=\"on_"
                        "demand\"} 0\n"));
  MP_ASSERT_OK(h.Start("demo").status());
  h.clock.Advance(absl::Seconds(90));
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("meshproof_scheduler_runs{state=\"awaiting_approval\",trigger=\"on_"
                              "demand\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_scheduler_runs_awaiting_approval 1\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_scheduler_oldest_awaiting_approval_seconds 90\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_scheduler_queue_depth 0\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_scheduler_metrics_collect_errors 0\n"));
}

TEST_F(SchedulerMetricsTest, ALostLeaseIsCountedOnceAndTheRunQueuedAgain) {
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  RecordingSink sink;
  const std::string session = h.Connect(AgentInfo("a1"), &sink);
  MP_ASSERT_OK(h.Start("plain", {{"PORT", "1"}}).status());
  ASSERT_THAT(Assignments(sink.Take()), SizeIs(1));
  std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("meshproof_scheduler_agents{state=\"connected\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_scheduler_leases_lost_total 0\n"));
  EXPECT_THAT(text,
              HasSubstr("meshproof_scheduler_runs{state=\"running\",trigger=\"on_demand\"} 1\n"));

  h.scheduler->AgentDisconnected(session);
  h.clock.Advance(absl::Seconds(31));
  h.scheduler->Tick();
  h.scheduler->Tick();
  text = registry.Render();
  EXPECT_THAT(text, HasSubstr("meshproof_scheduler_agents{state=\"connected\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_scheduler_agents{state=\"disconnected\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_scheduler_leases_lost_total 1\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_scheduler_queue_depth 1\n"));
}

TEST_F(SchedulerMetricsTest, AScheduleShowsItsLagAndLastFire) {
  MP_ASSERT_OK(h.Submit(kGatedScenario).status());
  v1::CreateScheduleRequest create;
  create.set_schedule_id("every-minute");
  create.set_scenario("demo");
  create.mutable_interval()->set_seconds(60);
  MP_ASSERT_OK(h.scheduler->CreateSchedule(create).status());
  std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("meshproof_scheduler_schedule_last_fire_outcome{schedule=\"every-"
                              "minute\",scenario=\"demo\",outcome=\"none\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_scheduler_schedule_lag_seconds{schedule=\"every-minute\","
                              "scenario=\"demo\"} 0\n"));
  // No tick for 100 s: the fire due at 60 s is 40 s late.
  h.clock.Advance(absl::Seconds(100));
  text = registry.Render();
  EXPECT_THAT(text, HasSubstr("meshproof_scheduler_schedule_lag_seconds{schedule=\"every-minute\","
                              "scenario=\"demo\"} 40\n"));
  h.scheduler->Tick();
  text = registry.Render();
  EXPECT_THAT(text, HasSubstr("meshproof_scheduler_schedule_last_fire_outcome{schedule=\"every-"
                              "minute\",scenario=\"demo\",outcome=\"started\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_scheduler_schedule_lag_seconds{schedule=\"every-minute\","
                              "scenario=\"demo\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_scheduler_runs{state=\"awaiting_approval\",trigger="
                              "\"schedule\"} 1\n"));
}

}  // namespace
}  // namespace meshproof::scheduler::testing
