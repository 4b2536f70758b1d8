// The Scheduler domain class on a real SQLite file with a fake clock and recording
// agent sinks: scenario versions, the run state machine, approvals, acks and duplicates,
// leases expiring into a second attempt or NOT_RUN, deadlines, restart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "tests/scheduler/scheduler_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::scheduler::testing {
namespace {

namespace rv1 = meshproof::result::v1;
using ::meshproof::testing::StatusIs;
using ::testing::HasSubstr;
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

v1::AgentMessage Done(const v1::Assignment& a, uint64_t seq, rv1::RunVerdict verdict) {
  v1::AgentMessage m;
  v1::AssignmentDone* d = m.mutable_done();
  d->set_assignment_id(a.assignment_id());
  d->set_run_id(a.run_id());
  d->set_attempt(a.attempt());
  d->set_sequence(seq);
  d->mutable_outcome()->set_verdict(verdict);
  d->mutable_outcome()->mutable_counts()->set_total(2);
  d->mutable_outcome()->mutable_counts()->set_passed(2);
  return m;
}

std::vector<v1::Ack> Acks(const std::vector<v1::SchedulerMessage>& messages) {
  std::vector<v1::Ack> out;
  for (const auto& m : messages) {
    if (m.has_ack()) out.push_back(m.ack());
  }
  return out;
}

class SchedulerRunsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(h.Open().ok()); }
  SchedulerHarness h;
};

// A watcher's listener that only counts how often it was told.
class CountingListener final : public RunEventListener {
 public:
  void OnRunEvents() override { ++told; }
  int told = 0;
};

TEST_F(SchedulerRunsTest, SubmitStoresVersionsAndIdenticalContentIsNotNew) {
  v1::SubmitScenarioRequest req;
  req.mutable_yaml()->set_text(kGatedScenario);
  MP_ASSERT_OK_AND_ASSIGN(v1::SubmitScenarioResponse first, h.scheduler->SubmitScenario(req));
  EXPECT_TRUE(first.created());
  EXPECT_EQ(first.version().revision(), 1u);
  EXPECT_EQ(first.version().team(), "platform");
  EXPECT_EQ(first.version().version().size(), 64u);
  // The stored form keeps ${HOST}: variables are substituted per run.
  EXPECT_THAT(first.version().scenario().tests(0).probe().http().url(), HasSubstr("${HOST}"));
  MP_ASSERT_OK_AND_ASSIGN(v1::SubmitScenarioResponse again, h.scheduler->SubmitScenario(req));
  EXPECT_FALSE(again.created());
  EXPECT_EQ(again.version().version(), first.version().version());

  std::string changed = kGatedScenario;
  changed.replace(changed.find("/a\""), 3, "/z\"");
  req.mutable_yaml()->set_text(changed);
  MP_ASSERT_OK_AND_ASSIGN(v1::SubmitScenarioResponse second, h.scheduler->SubmitScenario(req));
  EXPECT_TRUE(second.created());
  EXPECT_EQ(second.version().revision(), 2u);
  EXPECT_NE(second.version().version(), first.version().version());

  v1::GetScenarioRequest get;
  get.set_name("demo");
  MP_ASSERT_OK_AND_ASSIGN(v1::ScenarioVersion latest, h.scheduler->GetScenario(get));
  EXPECT_EQ(latest.revision(), 2u);
  get.set_version(first.version().version());
  MP_ASSERT_OK_AND_ASSIGN(v1::ScenarioVersion old, h.scheduler->GetScenario(get));
  EXPECT_EQ(old.revision(), 1u);
  EXPECT_EQ(old.yaml(), kGatedScenario);

  v1::ListScenarioVersionsRequest versions;
  versions.set_name("demo");
  versions.set_page_size(1);
  MP_ASSERT_OK_AND_ASSIGN(auto page1, h.scheduler->ListScenarioVersions(versions));
  ASSERT_THAT(page1.versions(), SizeIs(1));
  EXPECT_EQ(page1.versions(0).revision(), 2u);
  versions.set_page_token(page1.next_page_token());
  MP_ASSERT_OK_AND_ASSIGN(auto page2, h.scheduler->ListScenarioVersions(versions));
  ASSERT_THAT(page2.versions(), SizeIs(1));
  EXPECT_EQ(page2.versions(0).revision(), 1u);
  EXPECT_TRUE(page2.next_page_token().empty());

  MP_ASSERT_OK_AND_ASSIGN(auto list, h.scheduler->ListScenarios({}));
  ASSERT_THAT(list.scenarios(), SizeIs(1));
  EXPECT_EQ(list.scenarios(0).revision(), 2u);

  v1::DeleteScenarioRequest del;
  del.set_name("demo");
  MP_ASSERT_OK(h.scheduler->DeleteScenario(del));
  EXPECT_THAT(h.scheduler->DeleteScenario(del), StatusIs(absl::StatusCode::kNotFound));
  get.clear_version();
  EXPECT_THAT(h.scheduler->GetScenario(get), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(SchedulerRunsTest, InvalidYamlIsRejectedWithItsLocationAndNothingIsStored) {
  v1::SubmitScenarioRequest req;
  req.mutable_yaml()->set_text("apiVersion: meshproof/v1\nkind: Scenario\nname: Bad_Name\n");
  req.mutable_yaml()->set_file_name("bad.yaml");
  EXPECT_THAT(h.scheduler->SubmitScenario(req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad.yaml:")));
  MP_ASSERT_OK_AND_ASSIGN(auto list, h.scheduler->ListScenarios({}));
  EXPECT_THAT(list.scenarios(), SizeIs(0));
  v1::SubmitScenarioRequest empty;
  EXPECT_THAT(h.scheduler->SubmitScenario(empty), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(SchedulerRunsTest, AnotherTeamCannotOverwriteAScenario) {
  MP_ASSERT_OK(h.Submit(kGatedScenario).status());
  v1::SubmitScenarioRequest req;
  req.mutable_yaml()->set_text(kGatedScenario);
  req.set_team("intruders");
  EXPECT_THAT(h.scheduler->SubmitScenario(req), StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(SchedulerRunsTest, StartRunChecksVariablesTestsAndScenario) {
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  EXPECT_THAT(h.Start("plain"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("PORT")));
  EXPECT_THAT(h.Start("nope"), StatusIs(absl::StatusCode::kNotFound));
  v1::StartRunRequest req;
  req.set_scenario("plain");
  (*req.mutable_vars())["PORT"] = "8080";
  req.add_only_tests("t9");
  EXPECT_THAT(h.scheduler->StartRun(req, rv1::TRIGGER_API),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("only_tests[0]")));
  MP_ASSERT_OK_AND_ASSIGN(auto list, h.scheduler->ListRuns({}));
  EXPECT_THAT(list.runs(), SizeIs(0));

  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("plain", {{"PORT", "8080"}}));
  EXPECT_EQ(run.state(), v1::RUN_STATE_QUEUED);
  EXPECT_EQ(run.attempt(), 1u);
  EXPECT_FALSE(run.needs_approval());
  EXPECT_TRUE(run.has_deadline());
}

TEST_F(SchedulerRunsTest, RequestIdMakesStartRunIdempotent) {
  MP_ASSERT_OK(h.Submit(kGatedScenario).status());
  v1::StartRunRequest req;
  req.set_scenario("demo");
  req.set_request_id("ci-123");
  MP_ASSERT_OK_AND_ASSIGN(v1::Run a, h.scheduler->StartRun(req, rv1::TRIGGER_API));
  MP_ASSERT_OK_AND_ASSIGN(v1::Run b, h.scheduler->StartRun(req, rv1::TRIGGER_API));
  EXPECT_EQ(a.run_id(), b.run_id());
  MP_ASSERT_OK_AND_ASSIGN(auto list, h.scheduler->ListRuns({}));
  EXPECT_THAT(list.runs(), SizeIs(1));
}

TEST_F(SchedulerRunsTest, RunGoesToAMatchingAgentAndEndsWithItsVerdict) {
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  RecordingSink elsewhere, sink;
  h.Connect(AgentInfo("far", "staging"), &elsewhere);
  const std::string session = h.Connect(AgentInfo("a1", "lab"), &sink);
  v1::StartRunRequest req;
  req.set_scenario("plain");
  (*req.mutable_vars())["PORT"] = "8080";
  req.mutable_target()->set_cluster("lab");
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.scheduler->StartRun(req, rv1::TRIGGER_API));
  EXPECT_EQ(run.state(), v1::RUN_STATE_RUNNING);
  EXPECT_EQ(run.agent_id(), "a1");
  EXPECT_THAT(Assignments(elsewhere.Take()), SizeIs(0));
  std::vector<v1::Assignment> assigned = Assignments(sink.Take());
  ASSERT_THAT(assigned, SizeIs(1));
  const v1::Assignment a = assigned[0];
  EXPECT_EQ(a.run_id(), run.run_id());
  EXPECT_EQ(a.attempt(), 1u);
  EXPECT_EQ(a.scenario().tests(1).probe().http().url(), "http://example.com:8080/b");
  EXPECT_FALSE(a.approved());

  h.scheduler->OnAgentMessage(session, Report(a, 1, "t1", rv1::TEST_VERDICT_PASS));
  h.scheduler->OnAgentMessage(session, Report(a, 1, "t1", rv1::TEST_VERDICT_PASS));  // resent
  h.scheduler->OnAgentMessage(session, Report(a, 2, "t2", rv1::TEST_VERDICT_PASS));
  std::vector<v1::Ack> acks = Acks(sink.Take());
  ASSERT_THAT(acks, SizeIs(3));
  EXPECT_EQ(acks[0].sequence(), 1u);
  EXPECT_EQ(acks[1].sequence(), 1u);
  EXPECT_EQ(acks[2].sequence(), 2u);

  h.scheduler->OnAgentMessage(session, Done(a, 2, rv1::RUN_VERDICT_PASSED));
  acks = Acks(sink.Take());
  ASSERT_THAT(acks, SizeIs(1));
  EXPECT_TRUE(acks[0].done());
  v1::Run done = h.Get(run.run_id());
  EXPECT_EQ(done.state(), v1::RUN_STATE_PASSED);
  EXPECT_EQ(done.counts().passed(), 2u);
  EXPECT_TRUE(done.has_finished_at());

  // The watch of an ended run: the run, the two results (once each), the final run.
  MP_ASSERT_OK_AND_ASSIGN(Scheduler::Watch watch, h.scheduler->BeginWatch(run.run_id()));
  EXPECT_TRUE(watch.ended);
  ASSERT_THAT(watch.initial, SizeIs(4));
  EXPECT_EQ(watch.initial[1].result().test(), "t1");
  EXPECT_EQ(watch.initial[2].result().test(), "t2");
}

TEST_F(SchedulerRunsTest, OutOfOrderReportsAreAckedOnlyUpToTheContiguousSequence) {
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  RecordingSink sink;
  const std::string session = h.Connect(AgentInfo("a1"), &sink);
  MP_ASSERT_OK(h.Start("plain", {{"PORT", "1"}}).status());
  const v1::Assignment a = Assignments(sink.Take()).at(0);
  h.scheduler->OnAgentMessage(session, Report(a, 2, "t2", rv1::TEST_VERDICT_PASS));
  h.scheduler->OnAgentMessage(session, Report(a, 1, "t1", rv1::TEST_VERDICT_PASS));
  std::vector<v1::Ack> acks = Acks(sink.Take());
  ASSERT_THAT(acks, SizeIs(2));
  EXPECT_EQ(acks[0].sequence(), 0u);
  EXPECT_EQ(acks[1].sequence(), 2u);
  // A done that claims more reports than arrived is not acknowledged yet.
  h.scheduler->OnAgentMessage(session, Done(a, 3, rv1::RUN_VERDICT_PASSED));
  EXPECT_THAT(Acks(sink.Take()), SizeIs(0));
  EXPECT_EQ(h.Get(a.run_id()).state(), v1::RUN_STATE_RUNNING);
}

TEST_F(SchedulerRunsTest, ABatchOfReportsIsRecordedOnceAndAcknowledgedOncePerAssignment) {
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  RecordingSink sink;
  const std::string session = h.Connect(AgentInfo("a1"), &sink);
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("plain", {{"PORT", "1"}}));
  const v1::Assignment a = Assignments(sink.Take()).at(0);
  v1::Assignment stale = a;
  stale.set_assignment_id("gone.1");
  // Out of order, a resend, and a report of an assignment that no longer exists, as one
  // batch: results once each, the stale report acknowledged (so the agent forgets it) and
  // dropped, and one cumulative acknowledgement for the live assignment.
  const std::vector<v1::AgentMessage> batch = {
      Report(a, 2, "t2", rv1::TEST_VERDICT_PASS), Report(a, 1, "t1", rv1::TEST_VERDICT_PASS),
      Report(a, 1, "t1", rv1::TEST_VERDICT_PASS), Report(stale, 7, "t1", rv1::TEST_VERDICT_FAIL)};
  h.scheduler->OnAgentMessages(session, batch);
  std::vector<v1::Ack> acks = Acks(sink.Take());
  ASSERT_THAT(acks, SizeIs(2));
  EXPECT_EQ(acks[0].assignment_id(), "gone.1");
  EXPECT_EQ(acks[0].sequence(), 7u);
  EXPECT_EQ(acks[1].assignment_id(), a.assignment_id());
  EXPECT_EQ(acks[1].sequence(), 2u);

  // A done in the same batch as the last results is handled after them.
  const std::vector<v1::AgentMessage> finish = {Done(a, 2, rv1::RUN_VERDICT_PASSED)};
  h.scheduler->OnAgentMessages(session, finish);
  const v1::Run done = h.Get(run.run_id());
  EXPECT_EQ(done.state(), v1::RUN_STATE_PASSED);
  EXPECT_EQ(done.counts().passed(), 2u);
  MP_ASSERT_OK_AND_ASSIGN(Scheduler::Watch watch, h.scheduler->BeginWatch(run.run_id()));
  ASSERT_THAT(watch.initial, SizeIs(4));  // the run, t1 and t2 once each, the final run
  EXPECT_THAT(
      (std::set<std::string>{watch.initial[1].result().test(), watch.initial[2].result().test()}),
      ::testing::ElementsAre("t1", "t2"));
}

TEST_F(SchedulerRunsTest, ResultsThenDoneInOneBatchFinishTheRun) {
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  RecordingSink sink;
  const std::string session = h.Connect(AgentInfo("a1"), &sink);
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("plain", {{"PORT", "1"}}));
  const v1::Assignment a = Assignments(sink.Take()).at(0);
  const std::vector<v1::AgentMessage> batch = {Report(a, 1, "t1", rv1::TEST_VERDICT_PASS),
                                               Report(a, 2, "t2", rv1::TEST_VERDICT_FAIL),
                                               Done(a, 2, rv1::RUN_VERDICT_FAILED)};
  h.scheduler->OnAgentMessages(session, batch);
  std::vector<v1::Ack> acks = Acks(sink.Take());
  ASSERT_THAT(acks, SizeIs(2));
  EXPECT_EQ(acks[0].sequence(), 2u);
  EXPECT_TRUE(acks[1].done());
  EXPECT_EQ(h.Get(run.run_id()).state(), v1::RUN_STATE_FAILED);
}

TEST_F(SchedulerRunsTest, GatedRunWaitsForApprovalAndRunsGatedTestOnlyOnceApproved) {
  MP_ASSERT_OK(h.Submit(kGatedScenario).status());
  RecordingSink sink;
  h.Connect(AgentInfo("a1"), &sink);
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("demo"));
  EXPECT_EQ(run.state(), v1::RUN_STATE_AWAITING_APPROVAL);
  EXPECT_TRUE(run.needs_approval());
  EXPECT_FALSE(run.has_deadline());
  h.scheduler->Tick();
  EXPECT_THAT(Assignments(sink.Take()), SizeIs(0));

  v1::ApprovalRequest approve;
  approve.set_run_id(run.run_id());
  EXPECT_THAT(h.scheduler->ApproveRun(approve, "alice"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("reason")));
  approve.set_reason("maintenance window");
  MP_ASSERT_OK_AND_ASSIGN(v1::Run approved, h.scheduler->ApproveRun(approve, "alice"));
  EXPECT_EQ(approved.state(), v1::RUN_STATE_RUNNING);
  EXPECT_TRUE(approved.approval().approved());
  EXPECT_EQ(approved.approval().by(), "alice");
  EXPECT_EQ(approved.approval().reason(), "maintenance window");
  EXPECT_TRUE(approved.has_deadline());
  std::vector<v1::Assignment> assigned = Assignments(sink.Take());
  ASSERT_THAT(assigned, SizeIs(1));
  EXPECT_TRUE(assigned[0].approved());
  EXPECT_THAT(h.scheduler->ApproveRun(approve, "alice"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(SchedulerRunsTest, RejectedRunRunsWithoutApproval) {
  MP_ASSERT_OK(h.Submit(kGatedScenario).status());
  RecordingSink sink;
  h.Connect(AgentInfo("a1"), &sink);
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("demo"));
  v1::ApprovalRequest reject;
  reject.set_run_id(run.run_id());
  reject.set_reason("not during business hours");
  MP_ASSERT_OK_AND_ASSIGN(v1::Run rejected, h.scheduler->RejectRun(reject, "bob"));
  EXPECT_FALSE(rejected.approval().approved());
  EXPECT_EQ(rejected.approval().by(), "bob");
  EXPECT_EQ(rejected.approval().reason(), "not during business hours");
  std::vector<v1::Assignment> assigned = Assignments(sink.Take());
  ASSERT_THAT(assigned, SizeIs(1));
  EXPECT_FALSE(assigned[0].approved());
}

TEST_F(SchedulerRunsTest, LostAgentsRunMovesToAnotherAgentAsAttemptTwo) {
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  RecordingSink first, second;
  const std::string s1 = h.Connect(AgentInfo("a1"), &first);
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("plain", {{"PORT", "1"}}));
  const v1::Assignment a = Assignments(first.Take()).at(0);
  h.scheduler->OnAgentMessage(s1, Report(a, 1, "t1", rv1::TEST_VERDICT_PASS));
  h.scheduler->AgentDisconnected(s1);
  h.Connect(AgentInfo("a2"), &second);
  // Within the lease nothing moves: the first agent may come back.
  h.clock.Advance(absl::Seconds(29));
  h.scheduler->Tick();
  EXPECT_EQ(h.Get(run.run_id()).agent_id(), "a1");
  EXPECT_THAT(Assignments(second.Take()), SizeIs(0));
  h.clock.Advance(absl::Seconds(2));
  h.scheduler->Tick();
  v1::Run moved = h.Get(run.run_id());
  EXPECT_EQ(moved.state(), v1::RUN_STATE_RUNNING);
  EXPECT_EQ(moved.agent_id(), "a2");
  EXPECT_EQ(moved.attempt(), 2u);
  std::vector<v1::Assignment> assigned = Assignments(second.Take());
  ASSERT_THAT(assigned, SizeIs(1));
  EXPECT_EQ(assigned[0].attempt(), 2u);
  EXPECT_NE(assigned[0].assignment_id(), a.assignment_id());
}

TEST_F(SchedulerRunsTest, AfterTheLastAttemptTheRunEndsErrorWithNotRunTests) {
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  RecordingSink sink;
  std::string session = h.Connect(AgentInfo("a1"), &sink);
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("plain", {{"PORT", "1"}}));
  for (int attempt = 1; attempt <= 2; ++attempt) {
    ASSERT_THAT(Assignments(sink.Take()), SizeIs(1)) << "attempt " << attempt;
    h.scheduler->AgentDisconnected(session);
    h.clock.Advance(absl::Seconds(31));
    h.scheduler->Tick();
    if (attempt == 1) {
      EXPECT_EQ(h.Get(run.run_id()).state(), v1::RUN_STATE_QUEUED);
      session = h.Connect(AgentInfo("a1"), &sink);
    }
  }
  v1::Run ended = h.Get(run.run_id());
  EXPECT_EQ(ended.state(), v1::RUN_STATE_ERROR);
  EXPECT_THAT(ended.reason(), HasSubstr("lease expired"));
  EXPECT_THAT(ended.reason(), HasSubstr("no attempts left"));
  EXPECT_EQ(ended.counts().not_run(), 2u);
  MP_ASSERT_OK_AND_ASSIGN(Scheduler::Watch watch, h.scheduler->BeginWatch(run.run_id()));
  ASSERT_GE(watch.initial.size(), 3u);
  EXPECT_EQ(watch.initial[1].result().verdict(), rv1::TEST_VERDICT_NOT_RUN);
  EXPECT_THAT(watch.initial[1].result().reason(), HasSubstr("lease expired"));
}

TEST_F(SchedulerRunsTest, HeartbeatsRenewTheLease) {
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  RecordingSink sink;
  const std::string session = h.Connect(AgentInfo("a1"), &sink);
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("plain", {{"PORT", "1"}}));
  const v1::Assignment a = Assignments(sink.Take()).at(0);
  for (int i = 0; i < 6; ++i) {
    h.clock.Advance(absl::Seconds(10));
    v1::AgentMessage beat;
    beat.mutable_heartbeat()->add_active_assignments(a.assignment_id());
    h.scheduler->OnAgentMessage(session, beat);
    h.scheduler->Tick();
  }
  v1::Run still = h.Get(run.run_id());
  EXPECT_EQ(still.state(), v1::RUN_STATE_RUNNING);
  EXPECT_EQ(still.attempt(), 1u);
  // A heartbeat naming an assignment the scheduler does not hold gets it cancelled.
  v1::AgentMessage stale;
  stale.mutable_heartbeat()->add_active_assignments("r-unknown.1");
  h.scheduler->OnAgentMessage(session, stale);
  std::vector<v1::SchedulerMessage> sent = sink.Take();
  ASSERT_THAT(sent, SizeIs(1));
  EXPECT_EQ(sent[0].cancel().assignment_id(), "r-unknown.1");
}

TEST_F(SchedulerRunsTest, CancelEndsTheRunAndTellsItsAgent) {
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  RecordingSink sink;
  h.Connect(AgentInfo("a1"), &sink);
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("plain", {{"PORT", "1"}}));
  sink.Take();
  v1::CancelRunRequest cancel;
  cancel.set_run_id(run.run_id());
  cancel.set_reason("wrong cluster");
  MP_ASSERT_OK_AND_ASSIGN(v1::Run cancelled, h.scheduler->CancelRun(cancel));
  EXPECT_EQ(cancelled.state(), v1::RUN_STATE_CANCELLED);
  EXPECT_EQ(cancelled.counts().not_run(), 2u);
  std::vector<v1::SchedulerMessage> sent = sink.Take();
  ASSERT_THAT(sent, SizeIs(1));
  EXPECT_TRUE(sent[0].has_cancel());
  EXPECT_THAT(h.scheduler->CancelRun(cancel), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(SchedulerRunsTest, QueuedRunWithoutAgentTimesOutAtItsDeadline) {
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  v1::StartRunRequest req;
  req.set_scenario("plain");
  (*req.mutable_vars())["PORT"] = "1";
  req.mutable_timeout()->set_seconds(60);
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.scheduler->StartRun(req, rv1::TRIGGER_API));
  h.clock.Advance(absl::Seconds(59));
  h.scheduler->Tick();
  EXPECT_EQ(h.Get(run.run_id()).state(), v1::RUN_STATE_QUEUED);
  h.clock.Advance(absl::Seconds(2));
  h.scheduler->Tick();
  v1::Run ended = h.Get(run.run_id());
  EXPECT_EQ(ended.state(), v1::RUN_STATE_TIMED_OUT);
  EXPECT_THAT(ended.reason(), HasSubstr("no matching agent"));
}

TEST_F(SchedulerRunsTest, RestartKeepsRunsAndDropsResentResults) {
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  auto sink = std::make_unique<RecordingSink>();
  std::string session = h.Connect(AgentInfo("a1"), sink.get());
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("plain", {{"PORT", "1"}}));
  const v1::Assignment a = Assignments(sink->Take()).at(0);
  h.scheduler->OnAgentMessage(session, Report(a, 1, "t1", rv1::TEST_VERDICT_PASS));

  MP_ASSERT_OK(h.Open());  // the scheduler restarts on the same file
  EXPECT_EQ(h.Get(run.run_id()).state(), v1::RUN_STATE_RUNNING);
  sink = std::make_unique<RecordingSink>();
  session = h.Connect(AgentInfo("a1"), sink.get(), {a.assignment_id()});
  // The agent still holds the assignment: nothing is reassigned.
  EXPECT_THAT(Assignments(sink->Take()), SizeIs(0));
  h.scheduler->OnAgentMessage(session, Report(a, 1, "t1", rv1::TEST_VERDICT_FAIL));  // resent
  h.scheduler->OnAgentMessage(session, Report(a, 2, "t2", rv1::TEST_VERDICT_PASS));
  h.scheduler->OnAgentMessage(session, Done(a, 2, rv1::RUN_VERDICT_PASSED));
  EXPECT_EQ(h.Get(run.run_id()).state(), v1::RUN_STATE_PASSED);
  MP_ASSERT_OK_AND_ASSIGN(Scheduler::Watch watch, h.scheduler->BeginWatch(run.run_id()));
  ASSERT_THAT(watch.initial, SizeIs(4));
  // The first copy of t1 is the one kept.
  EXPECT_EQ(watch.initial[1].result().verdict(), rv1::TEST_VERDICT_PASS);
}

TEST_F(SchedulerRunsTest, AgentThatRestartedWithoutItsAssignmentLosesTheAttempt) {
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  RecordingSink sink;
  std::string session = h.Connect(AgentInfo("a1"), &sink);
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("plain", {{"PORT", "1"}}));
  const v1::Assignment a = Assignments(sink.Take()).at(0);
  h.scheduler->OnAgentMessage(session, Report(a, 1, "t1", rv1::TEST_VERDICT_PASS));
  h.scheduler->AgentDisconnected(session);
  h.Connect(AgentInfo("a1"), &sink);  // hello without the assignment
  v1::Run moved = h.Get(run.run_id());
  EXPECT_EQ(moved.attempt(), 2u);
  EXPECT_EQ(moved.state(), v1::RUN_STATE_RUNNING);  // handed straight back to a1
}

TEST_F(SchedulerRunsTest, SecondLiveSessionWithTheSameIdIsRefused) {
  RecordingSink one, two;
  h.Connect(AgentInfo("a1"), &one);
  v1::Hello hello;
  *hello.mutable_info() = AgentInfo("a1");
  EXPECT_THAT(h.scheduler->AgentConnected(hello, &two), StatusIs(absl::StatusCode::kAlreadyExists));
  // Once the first session has been silent for two heartbeat intervals, the new one wins.
  h.clock.Advance(absl::Seconds(21));
  MP_EXPECT_OK(h.scheduler->AgentConnected(hello, &two).status());
  EXPECT_TRUE(one.closed());
  v1::ListAgentsResponse agents = h.scheduler->ListAgents();
  ASSERT_THAT(agents.agents(), SizeIs(1));
  EXPECT_EQ(agents.agents(0).state(), v1::AGENT_STATE_CONNECTED);
}

TEST_F(SchedulerRunsTest, WatchersWakeOnNewEvents) {
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("plain", {{"PORT", "1"}}));
  auto listener = std::make_shared<CountingListener>();
  MP_ASSERT_OK_AND_ASSIGN(Scheduler::Watch watch,
                          h.scheduler->BeginWatch(run.run_id(), CallerScope::Everyone(), listener));
  EXPECT_FALSE(watch.ended);
  EXPECT_TRUE(watch.subscribed);
  RecordingSink sink;
  h.Connect(AgentInfo("a1"), &sink);
  uint64_t cursor = watch.cursor;
  // The event is already there, so this returns at once; the deadline only bounds it.
  std::vector<v1::RunEvent> events =
      h.scheduler->events()->Wait(run.run_id(), &cursor, absl::Now() + absl::Seconds(30));
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].run().state(), v1::RUN_STATE_RUNNING);
  EXPECT_EQ(listener->told, 1);
  h.scheduler->events()->Unsubscribe(run.run_id(), listener.get());
}

// A run nobody watches keeps no events in memory (a watcher reads what came before it
// from the database); a watcher's subscription keeps exactly what came after it.
TEST_F(SchedulerRunsTest, OnlyAWatchedRunKeepsItsEventsInMemory) {
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("plain", {{"PORT", "1"}}));
  RecordingSink sink;
  const std::string session = h.Connect(AgentInfo("a1"), &sink);
  const v1::Assignment assign = Assignments(sink.Take()).at(0);
  EXPECT_EQ(h.scheduler->events()->HeldEvents(run.run_id()), 0u);  // QUEUED, RUNNING: unheld

  auto listener = std::make_shared<CountingListener>();
  MP_ASSERT_OK_AND_ASSIGN(Scheduler::Watch watch,
                          h.scheduler->BeginWatch(run.run_id(), CallerScope::Everyone(), listener));
  ASSERT_TRUE(watch.subscribed);
  h.scheduler->OnAgentMessage(session, Report(assign, 1, "t1", rv1::TEST_VERDICT_PASS));
  EXPECT_EQ(h.scheduler->events()->HeldEvents(run.run_id()), 1u);
  uint64_t cursor = watch.cursor;
  std::vector<v1::RunEvent> events = h.scheduler->events()->Take(run.run_id(), &cursor);
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].result().test(), "t1");

  h.scheduler->events()->Unsubscribe(run.run_id(), listener.get());
  EXPECT_EQ(h.scheduler->events()->HeldEvents(run.run_id()), 0u);
  h.scheduler->OnAgentMessage(session, Report(assign, 2, "t2", rv1::TEST_VERDICT_PASS));
  EXPECT_EQ(h.scheduler->events()->HeldEvents(run.run_id()), 0u);
}

}  // namespace
}  // namespace meshproof::scheduler::testing
