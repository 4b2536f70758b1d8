// Scheduled runs that wait for approval, with a fake clock: the approval deadline and
// on_approval_timeout (run without the gated tests, or cancel), a waiting run never
// blocking the next fire, and what a schedule's view says (last fire, waiting for),
// including a fire time the scheduler could not handle at all.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/sqlite/database.h"
#include "services/common/time_util.h"
#include "tests/scheduler/scheduler_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::scheduler::testing {
namespace {

namespace rv1 = meshproof::result::v1;
using ::meshproof::testing::IsOk;
using ::meshproof::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class ApprovalWaitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(h.Open().ok());
    ASSERT_TRUE(h.Submit(kGatedScenario).ok());
  }
  // A nightly-like schedule of the gated scenario: every 24 h, FORBID.
  v1::CreateScheduleRequest Nightly() {
    v1::CreateScheduleRequest req;
    req.set_schedule_id("nightly");
    req.set_scenario("demo");
    *req.mutable_interval() = ToProtoDuration(absl::Hours(24));
    req.set_concurrency_policy(v1::CONCURRENCY_POLICY_FORBID);
    return req;
  }
  std::vector<v1::Run> Runs() {
    v1::ListRunsRequest req;
    req.set_schedule_id("nightly");
    absl::StatusOr<v1::ListRunsResponse> list = h.scheduler->ListRuns(req);
    EXPECT_TRUE(list.ok());
    return list.ok() ? std::vector<v1::Run>(list->runs().begin(), list->runs().end())
                     : std::vector<v1::Run>();
  }
  v1::Schedule Get() {
    absl::StatusOr<v1::Schedule> s = h.scheduler->GetSchedule("nightly");
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : v1::Schedule();
  }
  void AdvanceAndTick(absl::Duration d) {
    h.clock.Advance(d);
    h.scheduler->Tick();
  }
  SchedulerHarness h;
};

TEST_F(ApprovalWaitTest, DefaultsAreShownAndStored) {
  MP_ASSERT_OK_AND_ASSIGN(v1::Schedule s, h.scheduler->CreateSchedule(Nightly()));
  EXPECT_EQ(FromProtoDuration(s.approval_timeout()), absl::Hours(1));
  EXPECT_EQ(s.on_approval_timeout(), v1::APPROVAL_TIMEOUT_POLICY_RUN_WITHOUT_GATED);
  EXPECT_FALSE(s.has_last_fire());
  EXPECT_THAT(s.waiting_for(), HasSubstr("the next fire at "));
}

TEST_F(ApprovalWaitTest, BadApprovalSettingsNameTheFieldAndStoreNothing) {
  v1::CreateScheduleRequest req = Nightly();
  *req.mutable_approval_timeout() = ToProtoDuration(absl::Seconds(-5));
  EXPECT_THAT(h.scheduler->CreateSchedule(req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("approval_timeout")));
  req = Nightly();
  *req.mutable_approval_timeout() = ToProtoDuration(absl::Hours(24 * 8));
  EXPECT_THAT(h.scheduler->CreateSchedule(req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("approval_timeout: at most")));
  req = Nightly();
  req.set_on_approval_timeout(static_cast<v1::ApprovalTimeoutPolicy>(42));
  EXPECT_THAT(h.scheduler->CreateSchedule(req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("on_approval_timeout")));
  EXPECT_THAT(h.scheduler->GetSchedule("nightly"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ApprovalWaitTest, UnapprovedScheduledRunRunsWithoutItsGatedTestsAtTheDeadline) {
  MP_ASSERT_OK(h.scheduler->CreateSchedule(Nightly()).status());
  AdvanceAndTick(absl::Hours(24));
  std::vector<v1::Run> runs = Runs();
  ASSERT_THAT(runs, SizeIs(1));
  const v1::Run waiting = runs[0];
  ASSERT_EQ(waiting.state(), v1::RUN_STATE_AWAITING_APPROVAL);
  EXPECT_EQ(FromProtoTimestamp(waiting.approval_deadline()), h.clock.Now() + absl::Hours(1));
  EXPECT_EQ(waiting.on_approval_timeout(), v1::APPROVAL_TIMEOUT_POLICY_RUN_WITHOUT_GATED);
  EXPECT_THAT(waiting.reason(), HasSubstr("then it runs without its gated tests"));
  v1::Schedule s = Get();
  EXPECT_EQ(s.last_fire().outcome(), v1::FireRecord::OUTCOME_STARTED);
  EXPECT_EQ(s.last_fire().run_id(), waiting.run_id());
  EXPECT_THAT(s.waiting_for(), HasSubstr("run " + waiting.run_id() + " awaits approval until"));

  // One minute before the deadline nothing changes; at the deadline the run is queued
  // without approval.
  AdvanceAndTick(absl::Minutes(59));
  EXPECT_EQ(h.Get(waiting.run_id()).state(), v1::RUN_STATE_AWAITING_APPROVAL);
  AdvanceAndTick(absl::Minutes(1));
  v1::Run queued = h.Get(waiting.run_id());
  ASSERT_EQ(queued.state(), v1::RUN_STATE_QUEUED);
  EXPECT_FALSE(queued.approval().approved());
  EXPECT_THAT(queued.reason(), HasSubstr("approval timeout of 1h"));
  EXPECT_THAT(queued.reason(), HasSubstr("without its gated tests"));
  EXPECT_EQ(FromProtoTimestamp(queued.deadline()), h.clock.Now() + absl::Minutes(30));

  // The agent is told the run is not approved, so it does not run the gated test.
  RecordingSink sink;
  h.Connect(AgentInfo("a1"), &sink);
  h.scheduler->Tick();
  std::vector<v1::Assignment> given = Assignments(sink.Take());
  ASSERT_THAT(given, SizeIs(1));
  EXPECT_EQ(given[0].run_id(), waiting.run_id());
  EXPECT_FALSE(given[0].approved());
}

TEST_F(ApprovalWaitTest, CancelPolicyEndsTheRunCancelledWithItsTestsNotRun) {
  v1::CreateScheduleRequest req = Nightly();
  *req.mutable_approval_timeout() = ToProtoDuration(absl::Minutes(20));
  req.set_on_approval_timeout(v1::APPROVAL_TIMEOUT_POLICY_CANCEL);
  MP_ASSERT_OK(h.scheduler->CreateSchedule(req).status());
  AdvanceAndTick(absl::Hours(24));
  ASSERT_THAT(Runs(), SizeIs(1));
  AdvanceAndTick(absl::Minutes(20));
  v1::Run ended = Runs()[0];
  EXPECT_EQ(ended.state(), v1::RUN_STATE_CANCELLED);
  EXPECT_THAT(ended.reason(), HasSubstr("on_approval_timeout: cancel"));
  EXPECT_EQ(ended.counts().passed(), 0u);
  EXPECT_EQ(ended.counts().not_run(), 3u);  // t1, t2 and the gated test
  EXPECT_THAT(Get().waiting_for(), HasSubstr("the next fire at "));
}

TEST_F(ApprovalWaitTest, ARunWaitingForApprovalNeverBlocksTheNextFire) {
  // Runs queued once their wait ends stay queued (no agent) past the next fire time.
  h.config.default_run_timeout = absl::Hours(48);
  ASSERT_TRUE(h.Open().ok());
  // A wait longer than the interval: under FORBID the second fire still starts a run.
  v1::CreateScheduleRequest req = Nightly();
  *req.mutable_approval_timeout() = ToProtoDuration(absl::Hours(36));
  MP_ASSERT_OK(h.scheduler->CreateSchedule(req).status());
  AdvanceAndTick(absl::Hours(24));
  const std::string first = Runs()[0].run_id();
  AdvanceAndTick(absl::Hours(24));
  std::vector<v1::Run> runs = Runs();
  ASSERT_THAT(runs, SizeIs(2));
  EXPECT_EQ(runs[1].run_id(), first);
  EXPECT_EQ(runs[0].state(), v1::RUN_STATE_AWAITING_APPROVAL);
  v1::Schedule s = Get();
  EXPECT_EQ(s.last_fire().outcome(), v1::FireRecord::OUTCOME_STARTED);
  EXPECT_EQ(s.last_fire().run_id(), runs[0].run_id());
  EXPECT_THAT(s.last_fire().message(), HasSubstr("fired although run " + first));
  // The first run's own deadline ends its wait as its policy says.
  AdvanceAndTick(absl::Hours(12));
  EXPECT_EQ(h.Get(first).state(), v1::RUN_STATE_QUEUED);
  EXPECT_EQ(h.Get(runs[0].run_id()).state(), v1::RUN_STATE_AWAITING_APPROVAL);
  // A queued run does block a FORBID schedule: that is the policy, and it says so.
  AdvanceAndTick(absl::Hours(12));
  s = Get();
  EXPECT_EQ(s.last_fire().outcome(), v1::FireRecord::OUTCOME_SKIPPED_ACTIVE);
  EXPECT_THAT(s.last_fire().message(), HasSubstr(first));
}

TEST_F(ApprovalWaitTest, AnApproverStillDecidesBeforeTheDeadline) {
  MP_ASSERT_OK(h.scheduler->CreateSchedule(Nightly()).status());
  AdvanceAndTick(absl::Hours(24));
  const std::string run_id = Runs()[0].run_id();
  v1::ApprovalRequest approve;
  approve.set_run_id(run_id);
  approve.set_reason("change window open");
  MP_ASSERT_OK(h.scheduler->ApproveRun(approve, "alice").status());
  AdvanceAndTick(absl::Hours(2));
  v1::Run run = h.Get(run_id);
  EXPECT_TRUE(run.approval().approved());
  EXPECT_EQ(run.approval().by(), "alice");
}

TEST_F(ApprovalWaitTest, RunsStartedByAPersonKeepWaitingWithoutADeadline) {
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("demo"));
  ASSERT_EQ(run.state(), v1::RUN_STATE_AWAITING_APPROVAL);
  EXPECT_FALSE(run.has_approval_deadline());
  AdvanceAndTick(absl::Hours(24 * 8));
  EXPECT_EQ(h.Get(run.run_id()).state(), v1::RUN_STATE_AWAITING_APPROVAL);
}

TEST_F(ApprovalWaitTest, AFireThatCannotBeHandledIsShownAsNotFiredUntilItIs) {
  MP_ASSERT_OK(h.scheduler->CreateSchedule(Nightly()).status());
  // Another connection makes every new run fail to insert, as a broken disk would.
  MP_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<sqlite::Database> other,
      sqlite::Database::Open(h.dir.File("scheduler.db"), sqlite::DatabaseOptions{}));
  MP_ASSERT_OK(other->Exec(
      "CREATE TRIGGER refuse_runs BEFORE INSERT ON runs BEGIN SELECT RAISE(ABORT, 'refused'); "
      "END;"));
  AdvanceAndTick(absl::Hours(24));
  EXPECT_THAT(Runs(), SizeIs(0));
  v1::Schedule s = Get();
  EXPECT_EQ(s.last_fire().outcome(), v1::FireRecord::OUTCOME_NOT_FIRED);
  EXPECT_THAT(s.last_fire().message(), HasSubstr("could not fire"));
  EXPECT_THAT(s.last_fire().message(), HasSubstr("tried again at the next tick"));
  EXPECT_THAT(s.last_fire().message(), ::testing::Not(HasSubstr("runs")));  // no SQL leaks
  EXPECT_THAT(s.waiting_for(), HasSubstr("to be handled"));
  // Once the cause is gone the next tick fires, and the error is gone from the view.
  MP_ASSERT_OK(other->Exec("DROP TRIGGER refuse_runs;"));
  AdvanceAndTick(absl::Seconds(1));
  ASSERT_THAT(Runs(), SizeIs(1));
  s = Get();
  EXPECT_EQ(s.last_fire().outcome(), v1::FireRecord::OUTCOME_STARTED);
}

}  // namespace
}  // namespace meshproof::scheduler::testing
