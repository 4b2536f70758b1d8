// A stopping agent's hand-back (AssignmentRelease) and the cost of heartbeats, on the
// Scheduler domain class with a fake clock: a released run moves to another agent at
// once — the clock never advances, so the lease cannot be what moved it — keeps the
// results recorded so far and passes them on so they are not run again; a heartbeat
// renews only the leases its agent names, by index.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "services/scheduler/migrations.h"
#include "services/scheduler/run_queue.h"
#include "tests/scheduler/scheduler_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::scheduler::testing {
namespace {

namespace rv1 = meshproof::result::v1;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

v1::AgentMessage Report(const v1::Assignment& a, uint64_t seq, const std::string& test,
                        rv1::TestVerdict verdict) {
  v1::AgentMessage m;
  v1::ResultReport* r = m.mutable_result();
  r->set_assignment_id(a.assignment_id());
  r->set_run_id(a.run_id());
  r->set_attempt(a.attempt());
  r->set_sequence(seq);
  *r->mutable_result() = Result(a.scenario().name(), test, verdict);
  return m;
}

v1::AgentMessage Release(const v1::Assignment& a, uint64_t seq) {
  v1::AgentMessage m;
  v1::AssignmentRelease* r = m.mutable_release();
  r->set_assignment_id(a.assignment_id());
  r->set_run_id(a.run_id());
  r->set_attempt(a.attempt());
  r->set_sequence(seq);
  r->set_reason("the agent is stopping");
  return m;
}

v1::AgentMessage Done(const v1::Assignment& a, uint64_t seq) {
  v1::AgentMessage m;
  v1::AssignmentDone* d = m.mutable_done();
  d->set_assignment_id(a.assignment_id());
  d->set_run_id(a.run_id());
  d->set_attempt(a.attempt());
  d->set_sequence(seq);
  d->mutable_outcome()->set_verdict(rv1::RUN_VERDICT_PASSED);
  return m;
}

bool AckedDone(const std::vector<v1::SchedulerMessage>& sent, const std::string& assignment_id) {
  for (const auto& m : sent) {
    if (m.has_ack() && m.ack().assignment_id() == assignment_id && m.ack().done()) return true;
  }
  return false;
}

class SchedulerHandbackTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(h.Open().ok()); }
  SchedulerHarness h;
};

TEST_F(SchedulerHandbackTest, ReleasedRunMovesAtOnceAndKeepsItsRecordedTests) {
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  RecordingSink first, second;
  const std::string s1 = h.Connect(AgentInfo("a1"), &first);
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("plain", {{"PORT", "1"}}));
  const v1::Assignment a = Assignments(first.Take()).at(0);
  EXPECT_THAT(a.recorded(), SizeIs(0));
  const std::string s2 = h.Connect(AgentInfo("a2"), &second);
  h.scheduler->OnAgentMessage(s1, Report(a, 1, "t1", rv1::TEST_VERDICT_FAIL));
  h.scheduler->OnAgentMessage(s1, Release(a, 1));

  // No clock advance and no tick: only the release can have moved the run.
  EXPECT_TRUE(AckedDone(first.Take(), a.assignment_id()));
  v1::Run moved = h.Get(run.run_id());
  EXPECT_EQ(moved.state(), v1::RUN_STATE_RUNNING);
  EXPECT_EQ(moved.agent_id(), "a2");
  EXPECT_EQ(moved.attempt(), 1u) << "a hand-back uses no attempt";
  std::vector<v1::Assignment> assigned = Assignments(second.Take());
  ASSERT_THAT(assigned, SizeIs(1));
  const v1::Assignment& b = assigned[0];
  EXPECT_NE(b.assignment_id(), a.assignment_id());
  EXPECT_EQ(b.attempt(), 1u);
  ASSERT_THAT(b.recorded(), SizeIs(1));
  EXPECT_EQ(b.recorded(0).test(), "t1");
  EXPECT_EQ(b.recorded(0).verdict(), rv1::TEST_VERDICT_FAIL);

  // The run's events say why it moved.
  MP_ASSERT_OK_AND_ASSIGN(Scheduler::Watch watch, h.scheduler->BeginWatch(run.run_id()));
  ASSERT_FALSE(watch.initial.empty());

  // A late report of the released assignment is stale: acknowledged, not kept.
  h.scheduler->OnAgentMessage(s1, Report(a, 2, "t2", rv1::TEST_VERDICT_PASS));
  h.scheduler->OnAgentMessage(s2, Report(b, 1, "t2", rv1::TEST_VERDICT_PASS));
  h.scheduler->OnAgentMessage(s2, Done(b, 1));
  EXPECT_TRUE(AckedDone(second.Take(), b.assignment_id()));
  v1::Run ended = h.Get(run.run_id());
  EXPECT_EQ(ended.state(), v1::RUN_STATE_PASSED);
  MP_ASSERT_OK_AND_ASSIGN(Scheduler::Watch after, h.scheduler->BeginWatch(run.run_id()));
  std::map<std::string, int> seen;
  for (const v1::RunEvent& e : after.initial) {
    if (e.has_result()) ++seen[e.result().test()];
  }
  EXPECT_EQ(seen, (std::map<std::string, int>{{"t1", 1}, {"t2", 1}}));
}

TEST_F(SchedulerHandbackTest, StoppingAgentGetsNoNewRunsUntilItReconnects) {
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  RecordingSink sink;
  const std::string s1 = h.Connect(AgentInfo("a1"), &sink);
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("plain", {{"PORT", "1"}}));
  const v1::Assignment a = Assignments(sink.Take()).at(0);
  h.scheduler->OnAgentMessage(s1, Release(a, 0));
  // The only agent is stopping: the run waits in the queue rather than going back to it.
  EXPECT_THAT(Assignments(sink.Take()), SizeIs(0));
  EXPECT_EQ(h.Get(run.run_id()).state(), v1::RUN_STATE_QUEUED);
  EXPECT_THAT(h.Get(run.run_id()).reason(), HasSubstr("handed the run back"));
  h.scheduler->AgentDisconnected(s1);
  h.Connect(AgentInfo("a1"), &sink);  // a new process under the same id
  EXPECT_THAT(Assignments(sink.Take()), SizeIs(1));
}

TEST_F(SchedulerHandbackTest, ReleaseWithReportsMissingWaitsForThem) {
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  RecordingSink first, second;
  const std::string s1 = h.Connect(AgentInfo("a1"), &first);
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("plain", {{"PORT", "1"}}));
  const v1::Assignment a = Assignments(first.Take()).at(0);
  h.Connect(AgentInfo("a2"), &second);
  // Report 1 never arrived: the release cannot be taken, or its result would be lost.
  h.scheduler->OnAgentMessage(s1, Report(a, 2, "t2", rv1::TEST_VERDICT_PASS));
  h.scheduler->OnAgentMessage(s1, Release(a, 2));
  EXPECT_FALSE(AckedDone(first.Take(), a.assignment_id()));
  EXPECT_EQ(h.Get(run.run_id()).agent_id(), "a1");
  EXPECT_THAT(Assignments(second.Take()), SizeIs(0));
}

TEST_F(SchedulerHandbackTest, StaleReleaseIsAcknowledgedAndIgnored) {
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  RecordingSink sink;
  const std::string s1 = h.Connect(AgentInfo("a1"), &sink);
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("plain", {{"PORT", "1"}}));
  v1::Assignment a = Assignments(sink.Take()).at(0);
  a.set_assignment_id(a.assignment_id() + "-old");
  h.scheduler->OnAgentMessage(s1, Release(a, 0));
  EXPECT_TRUE(AckedDone(sink.Take(), a.assignment_id()));
  EXPECT_EQ(h.Get(run.run_id()).state(), v1::RUN_STATE_RUNNING);
}

TEST(NextAssignmentIdTest, CountsHandBacksWithinAnAttempt) {
  EXPECT_EQ(NextAssignmentId("r1", 1, ""), "r1.1");
  EXPECT_EQ(NextAssignmentId("r1", 2, ""), "r1.2");
  EXPECT_EQ(NextAssignmentId("r1", 1, "r1.1"), "r1.1.2");
  EXPECT_EQ(NextAssignmentId("r1", 1, "r1.1.2"), "r1.1.3");
  EXPECT_EQ(NextAssignmentId("r1", 2, "r1.1.3"), "r1.2");
}

TEST_F(SchedulerHandbackTest, HeartbeatRenewsOnlyTheLeasesItsAgentNames) {
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  RecordingSink s1sink, s2sink;
  const std::string s1 = h.Connect(AgentInfo("a1"), &s1sink);
  MP_ASSERT_OK_AND_ASSIGN(v1::Run mine, h.Start("plain", {{"PORT", "1"}}));
  const std::string s2 = h.Connect(AgentInfo("a2"), &s2sink);
  MP_ASSERT_OK_AND_ASSIGN(v1::Run theirs, h.Start("plain", {{"PORT", "2"}}));
  const v1::Assignment a = Assignments(s1sink.Take()).at(0);
  const v1::Assignment b = Assignments(s2sink.Take()).at(0);
  ASSERT_EQ(h.Get(theirs.run_id()).agent_id(), "a2");
  // a1 names its own assignment and, wrongly, a2's: only its own lease moves.
  h.clock.Advance(absl::Seconds(20));
  v1::AgentMessage beat;
  beat.mutable_heartbeat()->add_active_assignments(a.assignment_id());
  beat.mutable_heartbeat()->add_active_assignments(b.assignment_id());
  h.scheduler->OnAgentMessage(s1, beat);
  std::vector<v1::SchedulerMessage> sent = s1sink.Take();
  ASSERT_THAT(sent, SizeIs(1));
  EXPECT_EQ(sent[0].cancel().assignment_id(), b.assignment_id());
  h.clock.Advance(absl::Seconds(15));
  h.scheduler->Tick();
  EXPECT_EQ(h.Get(mine.run_id()).attempt(), 1u);
  EXPECT_EQ(h.Get(mine.run_id()).state(), v1::RUN_STATE_RUNNING);
  EXPECT_EQ(h.Get(theirs.run_id()).attempt(), 2u) << "a1's heartbeat must not renew a2's lease";
}

// The renewal finds the run through the assignment index: its cost does not grow with the
// number of running runs (no scan of the runs table, no run bodies read).
TEST(RenewLeaseQueryTest, UsesTheAssignmentIndex) {
  ::meshproof::testing::TempDir dir;
  MP_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> db,
                          Database::Open(dir.File("s.db"), DatabaseOptions()));
  MP_ASSERT_OK(ApplyMigrations(db.get(), SchedulerMigrations()).status());
  MP_ASSERT_OK_AND_ASSIGN(sqlite::Statement plan,
                          db->Prepare(std::string("EXPLAIN QUERY PLAN ") + kRenewLeaseSql));
  std::string details;
  while (true) {
    MP_ASSERT_OK_AND_ASSIGN(bool row, plan.Step());
    if (!row) break;
    details += plan.Text(3) + "\n";
  }
  EXPECT_THAT(details, HasSubstr("USING INDEX runs_by_assignment")) << details;
  EXPECT_THAT(details, Not(HasSubstr("SCAN"))) << details;
}

}  // namespace
}  // namespace meshproof::scheduler::testing
