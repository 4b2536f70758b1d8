// The outbox and its forwarder with a fake store: order, batching, retry while the store
// is down with nothing lost or doubled, refusals set aside, and the backoff schedule.
#include "services/scheduler/outbox_forwarder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/scheduler/scheduler_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::scheduler::testing {
namespace {

namespace rv1 = meshproof::result::v1;
using ::meshproof::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::SizeIs;

class OutboxForwarderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(h.Open().ok());
    ASSERT_TRUE(h.Submit(kPlainScenario).ok());
    absl::StatusOr<std::unique_ptr<Database>> db =
        Database::Open(h.dir.File("scheduler.db"), DatabaseOptions());
    ASSERT_TRUE(db.ok());
    forwarder =
        std::make_unique<OutboxForwarder>(std::move(*db), &store, &h.clock, ForwarderOptions());
  }
  // Runs one scenario to PASSED on a fake agent; returns the run id.
  std::string FinishOneRun() {
    RecordingSink sink;
    const std::string session = h.Connect(AgentInfo("a1"), &sink);
    absl::StatusOr<v1::Run> run = h.Start("plain", {{"PORT", "1"}});
    EXPECT_TRUE(run.ok());
    const v1::Assignment a = Assignments(sink.Take()).at(0);
    uint64_t seq = 0;
    for (const char* test : {"t1", "t2"}) {
      v1::AgentMessage m;
      m.mutable_result()->set_assignment_id(a.assignment_id());
      m.mutable_result()->set_run_id(a.run_id());
      m.mutable_result()->set_attempt(1);
      m.mutable_result()->set_sequence(++seq);
      *m.mutable_result()->mutable_result() = Result("plain", test, rv1::TEST_VERDICT_PASS);
      h.scheduler->OnAgentMessage(session, m);
    }
    v1::AgentMessage done;
    done.mutable_done()->set_assignment_id(a.assignment_id());
    done.mutable_done()->set_run_id(a.run_id());
    done.mutable_done()->set_sequence(seq);
    done.mutable_done()->mutable_outcome()->set_verdict(rv1::RUN_VERDICT_PASSED);
    h.scheduler->OnAgentMessage(session, done);
    h.scheduler->AgentDisconnected(session);
    return run->run_id();
  }

  SchedulerHarness h;
  FakeStore store;
  std::unique_ptr<OutboxForwarder> forwarder;
};

TEST_F(OutboxForwarderTest, ForwardsBeginResultsAndFinishInOrderInOneBatch) {
  const std::string run = FinishOneRun();
  MP_ASSERT_OK(forwarder->ForwardOnce());
  EXPECT_THAT(store.calls(), ElementsAre("begin " + run, "append " + run + " x2",
                                         "finish " + run + " RUN_VERDICT_PASSED"));
  MP_ASSERT_OK(forwarder->ForwardOnce());
  EXPECT_THAT(store.calls(), SizeIs(3));  // drained: nothing is sent twice
}

TEST_F(OutboxForwarderTest, WhileTheStoreIsDownNothingIsLostOrDoubled) {
  const std::string run = FinishOneRun();
  store.set_down(true);
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(forwarder->ForwardOnce(), StatusIs(absl::StatusCode::kUnavailable));
  }
  EXPECT_THAT(store.calls(), SizeIs(0));
  const std::string second = FinishOneRun();
  store.set_down(false);
  MP_ASSERT_OK(forwarder->ForwardOnce());
  EXPECT_THAT(store.calls(), SizeIs(6));
  EXPECT_THAT(store.results(),
              ElementsAre(run + "/1/t1", run + "/1/t2", second + "/1/t1", second + "/1/t2"));
}

TEST_F(OutboxForwarderTest, RefusedEntriesAreSetAsideSoLaterWritesGoThrough) {
  const std::string run = FinishOneRun();
  store.set_refuse_appends(true);
  MP_ASSERT_OK(forwarder->ForwardOnce());
  EXPECT_THAT(store.calls(), ElementsAre("begin " + run, "finish " + run + " RUN_VERDICT_PASSED"));
  absl::StatusOr<std::unique_ptr<Database>> db =
      Database::Open(h.dir.File("scheduler.db"), DatabaseOptions());
  ASSERT_TRUE(db.ok());
  Outbox outbox(db->get());
  MP_ASSERT_OK_AND_ASSIGN(int64_t dead, outbox.DeadSize());
  EXPECT_EQ(dead, 2);
  MP_ASSERT_OK_AND_ASSIGN(int64_t left, outbox.Size());
  EXPECT_EQ(left, 0);
}

TEST_F(OutboxForwarderTest, OutboxSurvivesARestartOfTheScheduler) {
  const std::string run = FinishOneRun();
  MP_ASSERT_OK(h.Open());
  MP_ASSERT_OK(forwarder->ForwardOnce());
  EXPECT_THAT(store.calls(), SizeIs(3));
}

TEST(ForwarderBackoffTest, DoublesUpToTheMaximum) {
  ForwarderOptions options;
  options.backoff_initial = absl::Milliseconds(200);
  options.backoff_max = absl::Seconds(1);
  EXPECT_EQ(ForwarderBackoff(1, options), absl::Milliseconds(200));
  EXPECT_EQ(ForwarderBackoff(2, options), absl::Milliseconds(400));
  EXPECT_EQ(ForwarderBackoff(3, options), absl::Milliseconds(800));
  EXPECT_EQ(ForwarderBackoff(4, options), absl::Seconds(1));
  EXPECT_EQ(ForwarderBackoff(100, options), absl::Seconds(1));
}

TEST(ForwarderBackoffTest, OnlyRefusalsAreFinal) {
  EXPECT_TRUE(IsRetryableStoreError(absl::UnavailableError("")));
  EXPECT_TRUE(IsRetryableStoreError(absl::DeadlineExceededError("")));
  EXPECT_TRUE(IsRetryableStoreError(absl::InternalError("")));
  EXPECT_FALSE(IsRetryableStoreError(absl::InvalidArgumentError("")));
  EXPECT_FALSE(IsRetryableStoreError(absl::AlreadyExistsError("")));
  EXPECT_FALSE(IsRetryableStoreError(absl::FailedPreconditionError("")));
}

}  // namespace
}  // namespace meshproof::scheduler::testing
