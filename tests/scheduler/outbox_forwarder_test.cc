// The outbox and its forwarder with a fake store: order, batching, retry while the store
// is down with nothing lost or doubled, refusals set aside, and the backoff schedule;
// with several runs: each run's writes in order, calls of distinct runs in flight
// together but never two of one run, and one run's failure neither holding back nor
// losing another's rows.
#include "services/scheduler/outbox_forwarder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/scheduler/scheduler_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::scheduler::testing {
namespace {

namespace rv1 = meshproof::result::v1;
namespace sv1 = meshproof::store::v1;
using ::meshproof::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

// The calls of one run, in the order the store received them.
std::vector<std::string> CallsOf(const std::vector<std::string>& calls, const std::string& run) {
  std::vector<std::string> out;
  for (const std::string& c : calls) {
    if (c.find(" " + run) != std::string::npos) out.push_back(c);
  }
  return out;
}

// A store that holds every call until `target` calls are in flight together (then lets
// all through), or until a deadline passes, and records the most calls it saw in flight
// at once, overall and for any one run.
class GatedStore final : public StoreClient {
 public:
  GatedStore(FakeStore* inner, int target) : inner_(inner), target_(target) {}
  absl::Status BeginRun(const sv1::BeginRunRequest& request) override {
    Enter(request.run().run_id());
    absl::Status s = inner_->BeginRun(request);
    Leave(request.run().run_id());
    return s;
  }
  absl::Status AppendResults(const sv1::AppendResultsRequest& request) override {
    Enter(request.run_id());
    absl::Status s = inner_->AppendResults(request);
    Leave(request.run_id());
    return s;
  }
  absl::Status FinishRun(const sv1::FinishRunRequest& request) override {
    Enter(request.run_id());
    absl::Status s = inner_->FinishRun(request);
    Leave(request.run_id());
    return s;
  }
  int max_in_flight() {
    absl::MutexLock lock(&mu_);
    return max_in_flight_;
  }
  int max_in_flight_of_one_run() {
    absl::MutexLock lock(&mu_);
    return max_of_one_run_;
  }

 private:
  void Enter(const std::string& run) {
    absl::MutexLock lock(&mu_);
    ++in_flight_;
    max_in_flight_ = std::max(max_in_flight_, in_flight_);
    max_of_one_run_ = std::max(max_of_one_run_, ++per_run_[run]);
    if (in_flight_ >= target_) open_ = true;
    // A forwarder that sends one call at a time never opens the gate: the deadline lets
    // it finish (and the test fail on the figures) instead of hanging.
    mu_.AwaitWithTimeout(absl::Condition(&open_), absl::Seconds(1));
  }
  void Leave(const std::string& run) {
    absl::MutexLock lock(&mu_);
    --in_flight_;
    --per_run_[run];
  }

  FakeStore* inner_;
  const int target_;
  absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = false;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int max_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int max_of_one_run_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, int> per_run_ ABSL_GUARDED_BY(mu_);
};

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

  // Runs `n` runs of the scenario on one agent to PASSED with their rows interleaved in
  // the outbox (each run's BeginRun, then t1 of every run, then t2 of every run, then the
  // dones); returns the run ids in the order started.
  std::vector<std::string> FinishInterleavedRuns(int n) {
    RecordingSink sink;
    const std::string session = h.Connect(AgentInfo("a1"), &sink);
    std::vector<std::string> runs;
    for (int i = 0; i < n; ++i) {
      absl::StatusOr<v1::Run> run = h.Start("plain", {{"PORT", "1"}});
      EXPECT_TRUE(run.ok());
      if (run.ok()) runs.push_back(run->run_id());
    }
    const std::vector<v1::Assignment> assigned = Assignments(sink.Take());
    EXPECT_THAT(assigned, SizeIs(n));
    uint64_t seq = 0;
    for (const char* test : {"t1", "t2"}) {
      ++seq;
      for (const v1::Assignment& a : assigned) {
        v1::AgentMessage m;
        m.mutable_result()->set_assignment_id(a.assignment_id());
        m.mutable_result()->set_run_id(a.run_id());
        m.mutable_result()->set_attempt(1);
        m.mutable_result()->set_sequence(seq);
        *m.mutable_result()->mutable_result() = Result("plain", test, rv1::TEST_VERDICT_PASS);
        h.scheduler->OnAgentMessage(session, m);
      }
    }
    for (const v1::Assignment& a : assigned) {
      v1::AgentMessage done;
      done.mutable_done()->set_assignment_id(a.assignment_id());
      done.mutable_done()->set_run_id(a.run_id());
      done.mutable_done()->set_sequence(seq);
      done.mutable_done()->mutable_outcome()->set_verdict(rv1::RUN_VERDICT_PASSED);
      h.scheduler->OnAgentMessage(session, done);
    }
    h.scheduler->AgentDisconnected(session);
    return runs;
  }
  absl::StatusOr<int64_t> OutboxSize() {
    absl::StatusOr<std::unique_ptr<Database>> db =
        Database::Open(h.dir.File("scheduler.db"), DatabaseOptions());
    if (!db.ok()) return db.status();
    return Outbox(db->get()).Size();
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
  for (const std::string& r : {run, second}) {
    EXPECT_THAT(CallsOf(store.calls(), r), ElementsAre("begin " + r, "append " + r + " x2",
                                                       "finish " + r + " RUN_VERDICT_PASSED"));
  }
  EXPECT_THAT(store.results(), UnorderedElementsAre(run + "/1/t1", run + "/1/t2", second + "/1/t1",
                                                    second + "/1/t2"));
}

TEST_F(OutboxForwarderTest, EachRunsWritesArriveInOrderWhenRunsInterleave) {
  const std::vector<std::string> runs = FinishInterleavedRuns(3);
  ASSERT_THAT(runs, SizeIs(3));
  MP_ASSERT_OK(forwarder->ForwardOnce());
  EXPECT_THAT(store.calls(), SizeIs(9));
  for (const std::string& r : runs) {
    // The two results sit apart in the outbox (other runs' rows between them), yet go
    // as one batch, after the BeginRun and before the FinishRun.
    EXPECT_THAT(CallsOf(store.calls(), r), ElementsAre("begin " + r, "append " + r + " x2",
                                                       "finish " + r + " RUN_VERDICT_PASSED"));
  }
  MP_ASSERT_OK_AND_ASSIGN(int64_t left, OutboxSize());
  EXPECT_EQ(left, 0);
}

TEST_F(OutboxForwarderTest, CallsOfDistinctRunsAreInFlightTogetherButNeverTwoOfOneRun) {
  const std::vector<std::string> runs = FinishInterleavedRuns(3);
  ASSERT_THAT(runs, SizeIs(3));
  GatedStore gated(&store, 3);
  absl::StatusOr<std::unique_ptr<Database>> db =
      Database::Open(h.dir.File("scheduler.db"), DatabaseOptions());
  ASSERT_TRUE(db.ok());
  OutboxForwarder concurrent(std::move(*db), &gated, &h.clock, ForwarderOptions());
  MP_ASSERT_OK(concurrent.ForwardOnce());
  EXPECT_EQ(gated.max_in_flight(), 3);
  EXPECT_EQ(gated.max_in_flight_of_one_run(), 1);
  for (const std::string& r : runs) {
    EXPECT_THAT(CallsOf(store.calls(), r), ElementsAre("begin " + r, "append " + r + " x2",
                                                       "finish " + r + " RUN_VERDICT_PASSED"));
  }
}

TEST_F(OutboxForwarderTest, OneRunsFailureNeitherHoldsBackNorLosesAnothersRows) {
  const std::vector<std::string> runs = FinishInterleavedRuns(2);
  ASSERT_THAT(runs, SizeIs(2));
  const std::string& failing = runs[0];  // the oldest rows are the failing run's
  const std::string& healthy = runs[1];
  store.set_down_for_run(failing);
  EXPECT_THAT(forwarder->ForwardOnce(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(CallsOf(store.calls(), failing), IsEmpty());
  EXPECT_THAT(CallsOf(store.calls(), healthy),
              ElementsAre("begin " + healthy, "append " + healthy + " x2",
                          "finish " + healthy + " RUN_VERDICT_PASSED"));
  // The failing run's four rows (begin, two results, finish) are all still there.
  MP_ASSERT_OK_AND_ASSIGN(int64_t left, OutboxSize());
  EXPECT_EQ(left, 4);

  store.set_down_for_run("");
  MP_ASSERT_OK(forwarder->ForwardOnce());
  EXPECT_THAT(CallsOf(store.calls(), failing),
              ElementsAre("begin " + failing, "append " + failing + " x2",
                          "finish " + failing + " RUN_VERDICT_PASSED"));
  EXPECT_THAT(store.calls(), SizeIs(6));  // nothing of the healthy run sent twice
  EXPECT_THAT(store.results(), UnorderedElementsAre(failing + "/1/t1", failing + "/1/t2",
                                                    healthy + "/1/t1", healthy + "/1/t2"));
  MP_ASSERT_OK_AND_ASSIGN(left, OutboxSize());
  EXPECT_EQ(left, 0);
}

TEST_F(OutboxForwarderTest, ARunSitsOutAfterAFailureUntilTheNextPass) {
  const std::vector<std::string> runs = FinishInterleavedRuns(1);
  ASSERT_THAT(runs, SizeIs(1));
  store.set_down_for_run(runs[0]);
  // One failed try per pass: the run is not hammered again within the pass.
  EXPECT_THAT(forwarder->ForwardOnce(), StatusIs(absl::StatusCode::kUnavailable));
  absl::StatusOr<std::unique_ptr<Database>> db =
      Database::Open(h.dir.File("scheduler.db"), DatabaseOptions());
  ASSERT_TRUE(db.ok());
  MP_ASSERT_OK_AND_ASSIGN(std::vector<OutboxEntry> head, Outbox(db->get()).Head(10));
  ASSERT_THAT(head, SizeIs(4));
  EXPECT_EQ(head[0].kind, OutboxKind::kBegin);
  EXPECT_EQ(head[0].tries, 1);
  EXPECT_EQ(head[1].tries, 0);
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
