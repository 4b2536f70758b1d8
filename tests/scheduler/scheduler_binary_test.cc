// The real meshproof-scheduler (and meshproof-store) as child processes over real gRPC,
// with fake agents written in the test: submit → start → results acked → verdict → the
// store holds them; approvals; schedules; SIGKILL of the scheduler and of an agent; the
// store going away during a run; and the agent's SchedulerLink against the real binary.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <iostream>

#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"
#include "meshproof/store/v1/store.grpc.pb.h"
#include "services/common/time_util.h"
#include "services/probe-agent/scheduler_link.h"
#include "tests/scheduler/fake_agent.h"
#include "tests/scheduler/scheduler_fixtures.h"
#include "tests/testing/grpc_polling.h"
#include "tests/testing/scheduler_run.h"
#include "tests/testing/service_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::scheduler::testing {
namespace {

namespace rv1 = meshproof::result::v1;
namespace sv1 = meshproof::store::v1;
using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::Deadline;
using ::meshproof::testing::ServiceProcess;
using ::meshproof::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// A port free right now (the store must come back on the same one).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

v1::AgentMessage Report(const v1::Assignment& a, uint64_t seq, const std::string& test,
                        rv1::TestVerdict verdict = rv1::TEST_VERDICT_PASS) {
  v1::AgentMessage m;
  m.mutable_result()->set_assignment_id(a.assignment_id());
  m.mutable_result()->set_run_id(a.run_id());
  m.mutable_result()->set_attempt(a.attempt());
  m.mutable_result()->set_sequence(seq);
  *m.mutable_result()->mutable_result() = Result(a.scenario().name(), test, verdict);
  return m;
}

v1::AgentMessage Done(const v1::Assignment& a, uint64_t seq, uint32_t passed) {
  v1::AgentMessage m;
  m.mutable_done()->set_assignment_id(a.assignment_id());
  m.mutable_done()->set_run_id(a.run_id());
  m.mutable_done()->set_attempt(a.attempt());
  m.mutable_done()->set_sequence(seq);
  m.mutable_done()->mutable_outcome()->set_verdict(rv1::RUN_VERDICT_PASSED);
  m.mutable_done()->mutable_outcome()->mutable_counts()->set_total(passed);
  m.mutable_done()->mutable_outcome()->mutable_counts()->set_passed(passed);
  return m;
}

// What an agent's executor does when every test passes: reports each, then the outcome.
template <typename Emit>
rv1::ScenarioOutcome PassEveryTest(const v1::Assignment& a, const Emit& emit) {
  rv1::ScenarioOutcome outcome;
  for (const auto& test : a.scenario().tests()) {
    emit(Result(a.scenario().name(), test.name(), rv1::TEST_VERDICT_PASS));
  }
  outcome.set_verdict(rv1::RUN_VERDICT_PASSED);
  outcome.mutable_counts()->set_total(a.scenario().tests_size());
  outcome.mutable_counts()->set_passed(a.scenario().tests_size());
  return outcome;
}

class SchedulerBinaryTest : public ::testing::Test {
 protected:
  void TearDown() override {
    // The services' own words are the quickest way to see why a test failed.
    if (HasFailure()) {
      std::string log = ::meshproof::testing::ReadFileOrEmpty(dir.File("scheduler.log"));
      if (log.size() > 8000) log = log.substr(log.size() - 8000);
      std::cerr << "---- scheduler.log (tail) ----\n" << log << "\n";
    }
  }
  void StartStore(int port) {
    absl::StatusOr<ServiceProcess> store = ServiceProcess::Start(
        BinaryPath("meshproof-store"),
        {"--listen", absl::StrCat("127.0.0.1:", port), "--db", dir.File("store.db")},
        dir.File("store.log"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::make_unique<ServiceProcess>(std::move(*store));
    store_stub_ = sv1::ResultsStoreService::NewStub(
        grpc::CreateChannel(store_->address(), grpc::InsecureChannelCredentials()));
  }
  void StartScheduler(const std::string& config =
                          "lease: 3s\nheartbeat_interval: 500ms\n"
                          "tick_interval: 100ms\n"
                          "store_backoff_max: 500ms\n") {
    const std::string config_file = dir.WriteFile("scheduler.yaml", config);
    std::vector<std::string> args = {"--listen", "127.0.0.1:0", "--db", dir.File("scheduler.db"),
                                     "--config", config_file};
    if (store_port_ != 0) {
      args.push_back("--store");
      args.push_back(absl::StrCat("127.0.0.1:", store_port_));
    }
    absl::StatusOr<ServiceProcess> scheduler =
        ServiceProcess::Start(BinaryPath("meshproof-scheduler"), args, dir.File("scheduler.log"));
    ASSERT_TRUE(scheduler.ok()) << scheduler.status();
    scheduler_ = std::make_unique<ServiceProcess>(std::move(*scheduler));
    stub_ = v1::SchedulerService::NewStub(
        grpc::CreateChannel(scheduler_->address(), grpc::InsecureChannelCredentials()));
  }
  void StartBoth() {
    store_port_ = FreePort();
    ASSERT_NO_FATAL_FAILURE(StartStore(store_port_));
    ASSERT_NO_FATAL_FAILURE(StartScheduler());
  }

  void Submit(const std::string& yaml) {
    grpc::ClientContext context;
    Deadline(&context);
    v1::SubmitScenarioRequest req;
    req.mutable_yaml()->set_text(yaml);
    v1::SubmitScenarioResponse resp;
    grpc::Status status = stub_->SubmitScenario(&context, req, &resp);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  v1::Run Start(const std::string& scenario, std::map<std::string, std::string> vars = {}) {
    grpc::ClientContext context;
    Deadline(&context);
    v1::StartRunRequest req;
    req.set_scenario(scenario);
    req.mutable_vars()->insert(vars.begin(), vars.end());
    v1::Run run;
    grpc::Status status = stub_->StartRun(&context, req, &run);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return run;
  }
  v1::Run GetRun(const std::string& run_id) {
    grpc::ClientContext context;
    Deadline(&context);
    v1::GetRunRequest req;
    req.set_run_id(run_id);
    v1::Run run;
    grpc::Status status = stub_->GetRun(&context, req, &run);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return run;
  }
  // Watches the run until it ends (bounded); returns the events seen.
  std::vector<v1::RunEvent> WatchToEnd(const std::string& run_id,
                                       absl::Duration timeout = absl::Seconds(30)) {
    grpc::ClientContext context;
    Deadline(&context, timeout);
    v1::WatchRunRequest req;
    req.set_run_id(run_id);
    auto reader = stub_->WatchRun(&context, req);
    std::vector<v1::RunEvent> events;
    v1::RunEvent event;
    while (reader->Read(&event)) events.push_back(event);
    grpc::Status status = reader->Finish();
    EXPECT_TRUE(status.ok()) << "watch of " << run_id << ": " << status.error_message();
    return events;
  }
  std::optional<sv1::RunDetail> WaitForStoredRun(const std::string& run_id, int results) {
    return ::meshproof::testing::WaitForFinishedRun(*store_stub_, run_id, results);
  }
  v1::Assignment Assignment(FakeAgent& agent) {
    std::optional<v1::Assignment> a = agent.NextAssignment();
    EXPECT_TRUE(a.has_value()) << "no assignment arrived";
    return a.value_or(v1::Assignment());
  }

  TempDir dir;
  int store_port_ = 0;
  std::unique_ptr<ServiceProcess> store_;
  std::unique_ptr<ServiceProcess> scheduler_;
  std::unique_ptr<v1::SchedulerService::Stub> stub_;
  std::unique_ptr<sv1::ResultsStoreService::Stub> store_stub_;
};

TEST_F(SchedulerBinaryTest, SubmitStartResultsVerdictAndTheStoreHoldsThem) {
  ASSERT_NO_FATAL_FAILURE(StartBoth());
  Submit(kPlainScenario);
  FakeAgent agent(scheduler_->address(), AgentInfo("a1"));
  agent.Connect();
  ASSERT_TRUE(agent.WaitFor([](const auto& m) { return m.has_welcome(); }).has_value());
  v1::Run run = Start("plain", {{"PORT", "8080"}});
  const v1::Assignment a = Assignment(agent);
  EXPECT_EQ(a.run_id(), run.run_id());
  EXPECT_EQ(a.scenario().tests(1).probe().http().url(), "http://example.com:8080/b");
  ASSERT_TRUE(agent.Send(Report(a, 1, "t1")));
  ASSERT_TRUE(agent.WaitForAck(a.assignment_id(), 1));
  ASSERT_TRUE(agent.Send(Report(a, 2, "t2")));
  ASSERT_TRUE(agent.WaitForAck(a.assignment_id(), 2));
  ASSERT_TRUE(agent.Send(Done(a, 2, 2)));
  ASSERT_TRUE(agent.WaitForAck(a.assignment_id(), 2, /*done=*/true));
  std::vector<v1::RunEvent> events = WatchToEnd(run.run_id());
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().run().state(), v1::RUN_STATE_PASSED);
  std::optional<sv1::RunDetail> stored = WaitForStoredRun(run.run_id(), 2);
  ASSERT_TRUE(stored.has_value()) << "the store never had the finished run";
  EXPECT_EQ(stored->run().verdict(), rv1::RUN_VERDICT_PASSED);
  EXPECT_THAT(stored->results(), SizeIs(2));
  EXPECT_EQ(stored->run().agent_id(), "a1");
  EXPECT_EQ(stored->run().cluster(), "lab");
}

TEST_F(SchedulerBinaryTest, ARunNeedingApprovalWaitsThenRunsItsGatedTestOnlyOnceApproved) {
  ASSERT_NO_FATAL_FAILURE(StartBoth());
  Submit(kGatedScenario);
  FakeAgent agent(scheduler_->address(), AgentInfo("a1"));
  agent.Connect();
  ASSERT_TRUE(agent.WaitFor([](const auto& m) { return m.has_welcome(); }).has_value());
  v1::Run run = Start("demo");
  EXPECT_EQ(run.state(), v1::RUN_STATE_AWAITING_APPROVAL);
  EXPECT_TRUE(GetRun(run.run_id()).agent_id().empty());
  {
    grpc::ClientContext context;
    Deadline(&context);
    context.AddMetadata("x-meshproof-user", "alice");
    v1::ApprovalRequest req;
    req.set_run_id(run.run_id());
    req.set_reason("change window CHG-42");
    v1::Run approved;
    ASSERT_TRUE(stub_->ApproveRun(&context, req, &approved).ok());
    EXPECT_EQ(approved.approval().by(), "alice");
  }
  // The first assignment this agent ever sees comes after the approval, and says so.
  const v1::Assignment a = Assignment(agent);
  EXPECT_TRUE(a.approved());
  uint64_t seq = 0;
  for (const char* test : {"t1", "t2", "gated"}) ASSERT_TRUE(agent.Send(Report(a, ++seq, test)));
  ASSERT_TRUE(agent.Send(Done(a, seq, 3)));
  std::vector<v1::RunEvent> events = WatchToEnd(run.run_id());
  EXPECT_EQ(events.back().run().state(), v1::RUN_STATE_PASSED);
  std::optional<sv1::RunDetail> stored = WaitForStoredRun(run.run_id(), 3);
  ASSERT_TRUE(stored.has_value());
  bool gated = false;
  for (const auto& r : stored->results()) gated |= r.test() == "gated";
  EXPECT_TRUE(gated);
}

TEST_F(SchedulerBinaryTest, IntervalScheduleFiresOncePerIntervalWithoutGapsOrDoubles) {
  ASSERT_NO_FATAL_FAILURE(StartBoth());
  Submit(kPlainScenario);
  {
    grpc::ClientContext context;
    Deadline(&context);
    v1::CreateScheduleRequest req;
    req.set_schedule_id("fast");
    req.set_scenario("plain");
    req.mutable_interval()->set_seconds(1);
    req.set_concurrency_policy(v1::CONCURRENCY_POLICY_ALLOW);
    (*req.mutable_vars())["PORT"] = "1";
    v1::Schedule s;
    ASSERT_TRUE(stub_->CreateSchedule(&context, req, &s).ok());
  }
  // Wait (bounded) for three runs, then pause and compare runs with fire records.
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  int runs = 0;
  while (absl::Now() < give_up && runs < 3) {
    grpc::ClientContext context;
    Deadline(&context);
    v1::ListRunsRequest req;
    req.set_schedule_id("fast");
    v1::ListRunsResponse resp;
    ASSERT_TRUE(stub_->ListRuns(&context, req, &resp).ok());
    runs = resp.runs_size();
    if (runs < 3) absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_GE(runs, 3);
  v1::Schedule paused;
  {
    grpc::ClientContext context;
    Deadline(&context);
    v1::ScheduleRef ref;
    ref.set_schedule_id("fast");
    ASSERT_TRUE(stub_->PauseSchedule(&context, ref, &paused).ok());
  }
  v1::ListRunsResponse all;
  {
    grpc::ClientContext context;
    Deadline(&context);
    v1::ListRunsRequest req;
    req.set_schedule_id("fast");
    ASSERT_TRUE(stub_->ListRuns(&context, req, &all).ok());
  }
  int started = 0;
  std::set<int64_t> times;
  for (const auto& r : paused.recent()) {
    if (r.outcome() == v1::FireRecord::OUTCOME_STARTED) ++started;
    times.insert(absl::ToUnixSeconds(FromProtoTimestamp(r.fire_time())));
  }
  EXPECT_EQ(started, all.runs_size());
  EXPECT_EQ(static_cast<int>(times.size()), paused.recent_size());  // one record per time
  // Consecutive fire times one interval apart: none skipped, none doubled.
  const int64_t newest = *times.rbegin(), oldest = *times.begin();
  EXPECT_EQ(newest - oldest + 1, static_cast<int64_t>(times.size()));
}

TEST_F(SchedulerBinaryTest, SigkillOfTheSchedulerMidRunLosesAndDoublesNothing) {
  ASSERT_NO_FATAL_FAILURE(StartBoth());
  Submit(kPlainScenario);
  {
    grpc::ClientContext context;
    Deadline(&context);
    v1::CreateScheduleRequest req;
    req.set_schedule_id("nightly");
    req.set_scenario("plain");
    req.set_cron("0 3 * * *");
    req.set_time_zone("America/New_York");
    v1::Schedule s;
    ASSERT_TRUE(stub_->CreateSchedule(&context, req, &s).ok());
  }
  auto agent = std::make_unique<FakeAgent>(scheduler_->address(), AgentInfo("a1"));
  agent->Connect();
  v1::Run run = Start("plain", {{"PORT", "1"}});
  const v1::Assignment a = Assignment(*agent);
  ASSERT_TRUE(agent->Send(Report(a, 1, "t1")));
  ASSERT_TRUE(agent->WaitForAck(a.assignment_id(), 1));

  scheduler_->Kill();
  ASSERT_NO_FATAL_FAILURE(StartScheduler());
  EXPECT_EQ(GetRun(run.run_id()).state(), v1::RUN_STATE_RUNNING);
  {
    grpc::ClientContext context;
    Deadline(&context);
    v1::GetScheduleRequest req;
    req.set_schedule_id("nightly");
    v1::Schedule s;
    ASSERT_TRUE(stub_->GetSchedule(&context, req, &s).ok());
    EXPECT_EQ(s.cron(), "0 3 * * *");
    EXPECT_THAT(s.next_fire_times(), SizeIs(5));
  }
  // The agent reconnects to the new process, still holding its assignment, and resends
  // (the report of t1 again: it may not know the ack arrived).
  agent = std::make_unique<FakeAgent>(scheduler_->address(), AgentInfo("a1"));
  agent->Connect({a.assignment_id()});
  ASSERT_TRUE(agent->Send(Report(a, 1, "t1")));
  ASSERT_TRUE(agent->Send(Report(a, 2, "t2")));
  ASSERT_TRUE(agent->Send(Done(a, 2, 2)));
  ASSERT_TRUE(agent->WaitForAck(a.assignment_id(), 2, /*done=*/true));
  EXPECT_EQ(WatchToEnd(run.run_id()).back().run().state(), v1::RUN_STATE_PASSED);
  v1::Run ended = GetRun(run.run_id());
  EXPECT_EQ(ended.attempt(), 1u);
  std::optional<sv1::RunDetail> stored = WaitForStoredRun(run.run_id(), 2);
  ASSERT_TRUE(stored.has_value());
  EXPECT_THAT(stored->results(), SizeIs(2));
}

TEST_F(SchedulerBinaryTest, StoreStoppedDuringARunGetsEveryResultExactlyOnceAfterItReturns) {
  ASSERT_NO_FATAL_FAILURE(StartBoth());
  Submit(kPlainScenario);
  FakeAgent agent(scheduler_->address(), AgentInfo("a1"));
  agent.Connect();
  v1::Run run = Start("plain", {{"PORT", "1"}});
  const v1::Assignment a = Assignment(agent);
  absl::StatusOr<int> stopped = store_->Terminate();
  ASSERT_TRUE(stopped.ok());
  ASSERT_TRUE(agent.Send(Report(a, 1, "t1")));
  ASSERT_TRUE(agent.Send(Report(a, 2, "t2")));
  ASSERT_TRUE(agent.Send(Done(a, 2, 2)));
  // The scheduler acknowledges once results are in its own database, store or not.
  ASSERT_TRUE(agent.WaitForAck(a.assignment_id(), 2, /*done=*/true));
  EXPECT_EQ(WatchToEnd(run.run_id()).back().run().state(), v1::RUN_STATE_PASSED);
  ASSERT_NO_FATAL_FAILURE(StartStore(store_port_));
  std::optional<sv1::RunDetail> stored = WaitForStoredRun(run.run_id(), 2);
  ASSERT_TRUE(stored.has_value()) << "results did not arrive after the store returned";
  EXPECT_THAT(stored->results(), SizeIs(2));
  EXPECT_EQ(stored->run().verdict(), rv1::RUN_VERDICT_PASSED);
}

TEST_F(SchedulerBinaryTest, AKilledAgentsRunFinishesOnASecondAgent) {
  ASSERT_NO_FATAL_FAILURE(StartBoth());
  Submit(kPlainScenario);
  FakeAgent first(scheduler_->address(), AgentInfo("a1"));
  first.Connect();
  v1::Run run = Start("plain", {{"PORT", "1"}});
  const v1::Assignment a = Assignment(first);
  ASSERT_TRUE(first.Send(Report(a, 1, "t1")));
  ASSERT_TRUE(first.WaitForAck(a.assignment_id(), 1));
  first.Vanish();
  FakeAgent second(scheduler_->address(), AgentInfo("a2"));
  second.Connect();
  // After the 3 s lease, attempt 2 goes to the second agent.
  const v1::Assignment b = Assignment(second);
  EXPECT_EQ(b.run_id(), run.run_id());
  EXPECT_EQ(b.attempt(), 2u);
  ASSERT_TRUE(second.Send(Report(b, 1, "t1")));
  ASSERT_TRUE(second.Send(Report(b, 2, "t2")));
  ASSERT_TRUE(second.Send(Done(b, 2, 2)));
  std::vector<v1::RunEvent> events = WatchToEnd(run.run_id());
  EXPECT_EQ(events.back().run().state(), v1::RUN_STATE_PASSED);
  EXPECT_EQ(events.back().run().agent_id(), "a2");
  std::optional<sv1::RunDetail> stored = WaitForStoredRun(run.run_id(), 2);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->run().latest_attempt(), 2u);
}

TEST_F(SchedulerBinaryTest, AKilledAgentWithNoOneToTakeOverEndsErrorWithNotRunAndAReason) {
  store_port_ = FreePort();
  ASSERT_NO_FATAL_FAILURE(StartStore(store_port_));
  ASSERT_NO_FATAL_FAILURE(StartScheduler(
      "lease: 2s\nheartbeat_interval: 500ms\ntick_interval: 100ms\nmax_attempts: 1\n"));
  Submit(kPlainScenario);
  FakeAgent agent(scheduler_->address(), AgentInfo("a1"));
  agent.Connect();
  v1::Run run = Start("plain", {{"PORT", "1"}});
  const v1::Assignment a = Assignment(agent);
  ASSERT_TRUE(agent.Send(Report(a, 1, "t1")));
  ASSERT_TRUE(agent.WaitForAck(a.assignment_id(), 1));
  agent.Vanish();
  std::vector<v1::RunEvent> events = WatchToEnd(run.run_id());
  ASSERT_FALSE(events.empty());
  const v1::Run& ended = events.back().run();
  EXPECT_EQ(ended.state(), v1::RUN_STATE_ERROR);
  EXPECT_THAT(ended.reason(), HasSubstr("lease expired"));
  EXPECT_EQ(ended.counts().passed(), 1u);
  EXPECT_EQ(ended.counts().not_run(), 1u);
  std::optional<sv1::RunDetail> stored = WaitForStoredRun(run.run_id(), 2);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->run().verdict(), rv1::RUN_VERDICT_ERROR);
}

TEST_F(SchedulerBinaryTest, TheAgentsSchedulerLinkRunsAssignmentsEndToEnd) {
  ASSERT_NO_FATAL_FAILURE(StartBoth());
  Submit(kPlainScenario);
  agent::SchedulerLinkOptions options;
  options.address = scheduler_->address();
  options.info = AgentInfo("linked");
  agent::SchedulerLink link(options, [](const v1::Assignment& a, const auto& emit,
                                        const auto& cancelled) { return PassEveryTest(a, emit); });
  link.Start();
  v1::Run run = Start("plain", {{"PORT", "1"}});
  std::vector<v1::RunEvent> events = WatchToEnd(run.run_id());
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().run().state(), v1::RUN_STATE_PASSED);
  EXPECT_EQ(events.back().run().agent_id(), "linked");
  std::optional<sv1::RunDetail> stored = WaitForStoredRun(run.run_id(), 2);
  ASSERT_TRUE(stored.has_value());
  link.Stop();
}

TEST_F(SchedulerBinaryTest, AStartRunClaimingToBeAScheduleIsRefusedAndCreatesNothing) {
  ASSERT_NO_FATAL_FAILURE(StartBoth());
  Submit(kPlainScenario);
  {
    grpc::ClientContext context;
    Deadline(&context);
    v1::StartRunRequest req;
    req.set_scenario("plain");
    (*req.mutable_vars())["PORT"] = "1";
    req.set_trigger(rv1::TRIGGER_SCHEDULE);
    v1::Run run;
    const grpc::Status status = stub_->StartRun(&context, req, &run);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("trigger:"));
  }
  grpc::ClientContext context;
  Deadline(&context);
  v1::ListRunsRequest req;
  v1::ListRunsResponse resp;
  ASSERT_TRUE(stub_->ListRuns(&context, req, &resp).ok());
  EXPECT_EQ(resp.runs_size(), 0);
}

TEST_F(SchedulerBinaryTest, TheLinksHeartbeatsKeepALongAssignmentsLeaseAlive) {
  // A lease far shorter than the link's default heartbeat interval (10 s): only the
  // interval the scheduler sends in its welcome keeps a long assignment alive.
  store_port_ = FreePort();
  ASSERT_NO_FATAL_FAILURE(StartStore(store_port_));
  ASSERT_NO_FATAL_FAILURE(StartScheduler(
      "lease: 1s\nheartbeat_interval: 200ms\ntick_interval: 50ms\nmax_attempts: 1\n"));
  Submit(kPlainScenario);
  agent::SchedulerLinkOptions options;
  options.address = scheduler_->address();
  options.info = AgentInfo("slow");
  agent::SchedulerLink link(options,
                            [](const v1::Assignment& a, const auto& emit, const auto& cancelled) {
                              // Three leases long, reporting nothing meanwhile: a probe waiting on
                              // a slow upstream.
                              absl::SleepFor(absl::Seconds(3));
                              return PassEveryTest(a, emit);
                            });
  link.Start();
  v1::Run run = Start("plain", {{"PORT", "1"}});
  std::vector<v1::RunEvent> events = WatchToEnd(run.run_id());
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().run().state(), v1::RUN_STATE_PASSED) << events.back().run().reason();
  EXPECT_EQ(events.back().run().attempt(), 1u);
  link.Stop();
}

TEST_F(SchedulerBinaryTest, AGracefullyStoppedLinkHandsItsRunToAnotherWithoutRepeats) {
  ASSERT_NO_FATAL_FAILURE(StartBoth());
  Submit(kPlainScenario);
  auto options_for = [&](const std::string& id) {
    agent::SchedulerLinkOptions options;
    options.address = scheduler_->address();
    options.info = AgentInfo(id);
    return options;
  };
  // The first agent decides t1, then works on t2 until it is interrupted, as the
  // executor does: the test cut short comes out NOT_RUN and the verdict CANCELLED.
  agent::SchedulerLink stopping(
      options_for("stopping"),
      [](const v1::Assignment& a, const auto& emit, const auto& cancelled) {
        emit(Result(a.scenario().name(), "t1", rv1::TEST_VERDICT_PASS));
        const absl::Time give_up = absl::Now() + absl::Seconds(20);
        while (!cancelled() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(5));
        emit(Result(a.scenario().name(), "t2", rv1::TEST_VERDICT_NOT_RUN));
        rv1::ScenarioOutcome outcome;
        outcome.set_verdict(rv1::RUN_VERDICT_CANCELLED);
        return outcome;
      });
  absl::Mutex mu;
  std::vector<std::string> recorded_seen, run_by_second;
  agent::SchedulerLink second(
      options_for("second"), [&](const v1::Assignment& a, const auto& emit, const auto&) {
        absl::MutexLock lock(&mu);
        for (const auto& r : a.recorded()) recorded_seen.push_back(r.test());
        for (const auto& test : a.scenario().tests()) {
          bool done = false;
          for (const auto& r : a.recorded()) done = done || r.test() == test.name();
          if (done) continue;
          run_by_second.push_back(test.name());
          emit(Result(a.scenario().name(), test.name(), rv1::TEST_VERDICT_PASS));
        }
        rv1::ScenarioOutcome outcome;
        outcome.set_verdict(rv1::RUN_VERDICT_PASSED);
        return outcome;
      });
  stopping.Start();
  ASSERT_TRUE(::meshproof::testing::WaitForConnectedAgent(scheduler_->address(), "stopping").ok());
  v1::Run run = Start("plain", {{"PORT", "1"}});

  // Follow the run; once t1 is recorded the second agent comes up and the first stops.
  grpc::ClientContext context;
  Deadline(&context, absl::Seconds(30));
  v1::WatchRunRequest req;
  req.set_run_id(run.run_id());
  auto reader = stub_->WatchRun(&context, req);
  v1::RunEvent event;
  std::map<std::string, int> results;
  while (results.count("t1") == 0 && reader->Read(&event)) {
    if (event.has_result()) ++results[event.result().test()];
  }
  ASSERT_EQ(results["t1"], 1);
  second.Start();
  ASSERT_TRUE(::meshproof::testing::WaitForConnectedAgent(scheduler_->address(), "second").ok());
  stopping.StopGracefully();
  v1::Run last;
  std::string handback_reason;
  while (reader->Read(&event)) {
    if (event.has_result()) ++results[event.result().test()];
    if (!event.has_run()) continue;
    last = event.run();
    if (last.state() == v1::RUN_STATE_QUEUED) handback_reason = last.reason();
  }
  EXPECT_EQ(last.state(), v1::RUN_STATE_PASSED) << last.reason();
  EXPECT_EQ(last.agent_id(), "second");
  EXPECT_EQ(last.attempt(), 1u);
  EXPECT_THAT(handback_reason, HasSubstr("stopping handed the run back"));
  EXPECT_EQ(results, (std::map<std::string, int>{{"t1", 1}, {"t2", 1}}));
  absl::MutexLock lock(&mu);
  EXPECT_EQ(recorded_seen, std::vector<std::string>{"t1"});
  EXPECT_EQ(run_by_second, std::vector<std::string>{"t2"});
  second.Stop();
}

}  // namespace
}  // namespace meshproof::scheduler::testing
