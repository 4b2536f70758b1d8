// Team isolation, end to end: the real meshproof-scheduler and meshproof-store with real
// tokens files, and a row for every RPC of the scheduler's, the agent gateway's and the
// store's contracts. The methods are enumerated from the proto descriptors, so a new RPC
// without a row here fails the test. For each RPC: a token of the owning team holding the
// method's role is allowed, the same team without the role is refused, a token of another
// team with the role gets NOT_FOUND (one object), sees nothing of the other team (lists)
// or is PERMISSION_DENIED (a request naming another team), and an admin is allowed.
// Agent tokens are bound to their agent id and cluster, and get only their teams' runs.
#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "meshproof/scheduler/v1/agent_gateway.grpc.pb.h"
#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"
#include "meshproof/store/v1/store.grpc.pb.h"
#include "tests/testing/control_plane.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/tokens_file.h"

namespace meshproof::scheduler {
namespace {

namespace sv1 = meshproof::scheduler::v1;
namespace stv1 = meshproof::store::v1;
namespace rv1 = meshproof::result::v1;
using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::ServiceProcess;
using ::meshproof::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kA[] = "team-a";
constexpr char kB[] = "team-b";

std::string Token(const std::string& name) { return absl::StrCat("mpt-", name, "-0123456789"); }

std::string Entry(const std::string& name, const std::string& team, const std::string& roles) {
  return ::meshproof::testing::TokensFileEntry(
      {.name = name, .token = Token(name), .roles = roles, .team = team});
}

std::string AgentEntry(const std::string& name, const std::string& team) {
  return ::meshproof::testing::TokensFileEntry({.name = name,
                                                .token = Token(name),
                                                .roles = "agent",
                                                .agent_id = name,
                                                .cluster = "lab",
                                                .serves_teams = team});
}

// A scenario with one plain test and one gated test: a run of it waits for approval,
// so every run made here stays open without an agent.
std::string ScenarioYaml(const std::string& name) {
  return absl::StrCat(R"yaml(apiVersion: meshproof/v1
kind: Scenario
name: )yaml",
                      name, R"yaml(
target: {cluster: lab}
tests:
  - name: t1
    http: {url: "http://example.com/a"}
deferred:
  - name: gated
    reason: changes mesh-global state
    requires_approval: true
    http: {url: "http://example.com/c"}
)yaml");
}

void Prepare(grpc::ClientContext* context, const std::string& token) {
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

// What one case is run against: objects of one team in the scheduler and in the store.
struct Target {
  std::string team;
  std::string scenario;
  std::string run_id;
  std::string schedule_id;
  std::string store_scenario;
  std::string store_run_id;
};

// How a method treats teams, and so what each caller must get.
enum class Kind {
  kOne,          // names one object: other team NOT_FOUND
  kList,         // lists or aggregates: other team OK but sees nothing of the target
  kNamesTeam,    // the request names the team: other team PERMISSION_DENIED
  kUnscoped,     // every team allowed (the agents listing: each team sees the agents
                 // serving it, ListAgentsShowsOnlyTheAgentsServingTheCallersTeam)
  kWriter,       // the store's writes: only the writer (and admin)
  kAdminOnly,    // maintenance: only admin
  kAgentStream,  // the agent gateway: tested by AgentTokensAreBoundToTheirAgent
};

struct Outcome {
  grpc::Status status;
  bool saw = false;  // for kList: the target was in the answer
};

struct Row {
  Kind kind;
  std::string role;  // viewer, runner, approver (kOne, kList, kNamesTeam, kUnscoped)
  std::function<Outcome(const std::string& token, const Target& target)> call;
};

class TeamIsolationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string store_tokens = dir_->WriteFile(
        "store-tokens.yaml",
        absl::StrCat("tokens:\n", Entry("writer", "", "writer"), Entry("a-viewer", kA, "viewer"),
                     Entry("a-runner", kA, "runner"), Entry("b-viewer", kB, "viewer"),
                     Entry("admin", "ops", "admin")));
    auto store = ::meshproof::testing::StartStore(*dir_, {"--tokens", store_tokens});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = new ServiceProcess(std::move(*store));

    std::string tokens = "tokens:\n";
    for (const char* team : {kA, kB}) {
      const std::string t = team == std::string(kA) ? "a" : "b";
      absl::StrAppend(&tokens, Entry(t + "-viewer", team, "viewer"),
                      Entry(t + "-runner", team, "runner"),
                      Entry(t + "-approver", team, "approver"), AgentEntry("agent-" + t, team));
    }
    absl::StrAppend(&tokens, Entry("admin", "ops", "admin"),
                    Entry("no-team", "", "viewer, runner"));
    const std::string scheduler_tokens = dir_->WriteFile("scheduler-tokens.yaml", tokens);
    const std::string store_token = dir_->WriteFile("store.token", Token("writer") + "\n");
    const std::string config =
        dir_->WriteFile("scheduler.yaml", ::meshproof::testing::kFastSchedulerConfig);
    auto scheduler = ::meshproof::testing::StartScheduler(
        *dir_, {"--config", config, "--tokens", scheduler_tokens, "--store", store_->address(),
                "--store-token-file", store_token});
    ASSERT_TRUE(scheduler.ok()) << scheduler.status();
    scheduler_ = new ServiceProcess(std::move(*scheduler));
  }
  static void TearDownTestSuite() {
    delete scheduler_;
    delete store_;
    delete dir_;
  }

  void SetUp() override {
    ASSERT_NE(scheduler_, nullptr);
    ASSERT_NE(store_, nullptr);
    channel_ = grpc::CreateChannel(scheduler_->address(), grpc::InsecureChannelCredentials());
    stub_ = sv1::SchedulerService::NewStub(channel_);
    gateway_ = sv1::AgentGatewayService::NewStub(channel_);
    store_stub_ = stv1::ResultsStoreService::NewStub(
        grpc::CreateChannel(store_->address(), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (HasFailure()) {
      for (const char* log : {"scheduler.log", "store.log"}) {
        std::string text = meshproof::testing::ReadFileOrEmpty(dir_->File(log));
        if (text.size() > 6000) text = text.substr(text.size() - 6000);
        std::cerr << "---- " << log << " (tail) ----\n" << text << "\n";
      }
    }
  }

  static std::string Unique(const std::string& prefix) {
    static std::atomic<int> counter{0};
    return absl::StrCat(prefix, "-", ++counter);
  }

  // Makes fresh objects of `team`: in the scheduler, each made by that team's own
  // tokens; in the store (`in_store`), by the writer, as the scheduler's forwarder
  // writes them.
  Target Make(const std::string& team, bool in_store = false) {
    const std::string t = team == kA ? "a" : "b";
    Target target;
    target.team = team;
    if (in_store) {
      MakeInStore(&target);
      return target;
    }
    target.scenario = Unique("s");
    {
      grpc::ClientContext context;
      Prepare(&context, Token(t + "-runner"));
      sv1::SubmitScenarioRequest req;
      req.mutable_yaml()->set_text(ScenarioYaml(target.scenario));
      sv1::SubmitScenarioResponse resp;
      grpc::Status s = stub_->SubmitScenario(&context, req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      EXPECT_EQ(resp.version().team(), team);
    }
    {
      grpc::ClientContext context;
      Prepare(&context, Token(t + "-runner"));
      sv1::StartRunRequest req;
      req.set_scenario(target.scenario);
      sv1::Run run;
      grpc::Status s = stub_->StartRun(&context, req, &run);
      EXPECT_TRUE(s.ok()) << s.error_message();
      EXPECT_EQ(run.team(), team);
      EXPECT_EQ(run.state(), sv1::RUN_STATE_AWAITING_APPROVAL);
      target.run_id = run.run_id();
    }
    {
      grpc::ClientContext context;
      Prepare(&context, Token(t + "-runner"));
      sv1::CreateScheduleRequest req;
      target.schedule_id = Unique("sched");
      req.set_schedule_id(target.schedule_id);
      req.set_scenario(target.scenario);
      req.mutable_interval()->set_seconds(3600);
      sv1::Schedule schedule;
      grpc::Status s = stub_->CreateSchedule(&context, req, &schedule);
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    return target;
  }

  void MakeInStore(Target* target) {
    const std::string& team = target->team;
    // Two finished runs in the store whose test flips (for the flaky-test query) and has
    // a latency (for the trend).
    target->store_scenario = Unique("store-s");
    for (int i = 0; i < 2; ++i) {
      const std::string run_id = Unique("store-run");
      if (i == 0) target->store_run_id = run_id;
      stv1::BeginRunRequest begin;
      stv1::RunRecord* run = begin.mutable_run();
      run->set_run_id(run_id);
      run->set_scenario(target->store_scenario);
      run->set_scenario_version("v1");
      run->set_cluster("lab");
      run->set_team(team);
      run->set_agent_id("agent");
      run->set_trigger(rv1::TRIGGER_API);
      run->mutable_started_at()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 60 + i);
      EXPECT_TRUE(WriterCall([&](grpc::ClientContext* c) {
                    stv1::BeginRunResponse r;
                    return store_stub_->BeginRun(c, begin, &r);
                  }).ok());
      stv1::AppendResultsRequest append;
      append.set_run_id(run_id);
      append.set_attempt(1);
      rv1::TestResult* result = append.add_results();
      result->set_scenario(target->store_scenario);
      result->set_test("t1");
      result->set_phase(rv1::PHASE_TEST);
      result->set_verdict(i == 0 ? rv1::TEST_VERDICT_PASS : rv1::TEST_VERDICT_FAIL);
      result->mutable_outcome()->mutable_timings()->mutable_total()->set_nanos(5000000);
      EXPECT_TRUE(WriterCall([&](grpc::ClientContext* c) {
                    stv1::AppendResultsResponse r;
                    return store_stub_->AppendResults(c, append, &r);
                  }).ok());
      stv1::FinishRunRequest finish;
      finish.set_run_id(run_id);
      finish.set_verdict(i == 0 ? rv1::RUN_VERDICT_PASSED : rv1::RUN_VERDICT_FAILED);
      *finish.mutable_finished_at() = run->started_at();
      EXPECT_TRUE(WriterCall([&](grpc::ClientContext* c) {
                    stv1::FinishRunResponse r;
                    return store_stub_->FinishRun(c, finish, &r);
                  }).ok());
    }
  }

  grpc::Status WriterCall(const std::function<grpc::Status(grpc::ClientContext*)>& call) {
    grpc::ClientContext context;
    Prepare(&context, Token("writer"));
    return call(&context);
  }

  // One row per RPC, keyed "/package.Service/Method".
  std::map<std::string, Row> Rows();

  static TempDir* dir_;
  static ServiceProcess* store_;
  static ServiceProcess* scheduler_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<sv1::SchedulerService::Stub> stub_;
  std::unique_ptr<sv1::AgentGatewayService::Stub> gateway_;
  std::unique_ptr<stv1::ResultsStoreService::Stub> store_stub_;
};

TempDir* TeamIsolationTest::dir_ = nullptr;
ServiceProcess* TeamIsolationTest::store_ = nullptr;
ServiceProcess* TeamIsolationTest::scheduler_ = nullptr;

// A unary call with `token`, as an Outcome.
template <typename Stub, typename Req, typename Resp>
Outcome Unary(Stub* stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
              const std::string& token, const Req& req, Resp* resp) {
  grpc::ClientContext context;
  Prepare(&context, token);
  return Outcome{(stub->*method)(&context, req, resp)};
}

std::map<std::string, Row> TeamIsolationTest::Rows() {
  std::map<std::string, Row> rows;
  const std::string sched = "/meshproof.scheduler.v1.SchedulerService/";
  const std::string store = "/meshproof.store.v1.ResultsStoreService/";
  sv1::SchedulerService::Stub* s = stub_.get();
  stv1::ResultsStoreService::Stub* st = store_stub_.get();
  using S = sv1::SchedulerService::Stub;
  using St = stv1::ResultsStoreService::Stub;

  // ------------------------------------------------------------------ scheduler
  rows[sched + "SubmitScenario"] = {
      Kind::kNamesTeam, "runner", [=](auto& token, auto& t) {
        sv1::SubmitScenarioRequest req;
        req.mutable_yaml()->set_text(ScenarioYaml(Unique("submitted")));
        req.set_team(t.team);
        sv1::SubmitScenarioResponse resp;
        return Unary(s, &S::SubmitScenario, token, req, &resp);
      }};
  rows[sched + "ListScenarios"] = {Kind::kList, "viewer", [=](auto& token, auto& t) {
                                     sv1::ListScenariosRequest req;
                                     req.set_page_size(500);
                                     sv1::ListScenariosResponse resp;
                                     Outcome o = Unary(s, &S::ListScenarios, token, req, &resp);
                                     for (const auto& v : resp.scenarios())
                                       o.saw |= v.name() == t.scenario;
                                     return o;
                                   }};
  rows[sched + "GetScenario"] = {Kind::kOne, "viewer", [=](auto& token, auto& t) {
                                   sv1::GetScenarioRequest req;
                                   req.set_name(t.scenario);
                                   sv1::ScenarioVersion resp;
                                   return Unary(s, &S::GetScenario, token, req, &resp);
                                 }};
  rows[sched + "ListScenarioVersions"] = {Kind::kOne, "viewer", [=](auto& token, auto& t) {
                                            sv1::ListScenarioVersionsRequest req;
                                            req.set_name(t.scenario);
                                            sv1::ListScenarioVersionsResponse resp;
                                            return Unary(s, &S::ListScenarioVersions, token, req,
                                                         &resp);
                                          }};
  rows[sched + "DeleteScenario"] = {Kind::kOne, "runner", [=](auto& token, auto& t) {
                                      sv1::DeleteScenarioRequest req;
                                      req.set_name(t.scenario);
                                      sv1::DeleteScenarioResponse resp;
                                      return Unary(s, &S::DeleteScenario, token, req, &resp);
                                    }};
  rows[sched + "StartRun"] = {Kind::kOne, "runner", [=](auto& token, auto& t) {
                                sv1::StartRunRequest req;
                                req.set_scenario(t.scenario);
                                sv1::Run resp;
                                return Unary(s, &S::StartRun, token, req, &resp);
                              }};
  rows[sched + "GetRun"] = {Kind::kOne, "viewer", [=](auto& token, auto& t) {
                              sv1::GetRunRequest req;
                              req.set_run_id(t.run_id);
                              sv1::Run resp;
                              return Unary(s, &S::GetRun, token, req, &resp);
                            }};
  rows[sched + "ListRuns"] = {Kind::kList, "viewer", [=](auto& token, auto& t) {
                                sv1::ListRunsRequest req;
                                req.set_page_size(500);
                                sv1::ListRunsResponse resp;
                                Outcome o = Unary(s, &S::ListRuns, token, req, &resp);
                                for (const auto& r : resp.runs()) o.saw |= r.run_id() == t.run_id;
                                return o;
                              }};
  rows[sched + "CancelRun"] = {Kind::kOne, "runner", [=](auto& token, auto& t) {
                                 sv1::CancelRunRequest req;
                                 req.set_run_id(t.run_id);
                                 sv1::Run resp;
                                 return Unary(s, &S::CancelRun, token, req, &resp);
                               }};
  rows[sched + "WatchRun"] = {Kind::kOne, "viewer", [=](auto& token, auto& t) {
                                grpc::ClientContext context;
                                Prepare(&context, token);
                                sv1::WatchRunRequest req;
                                req.set_run_id(t.run_id);
                                auto reader = s->WatchRun(&context, req);
                                sv1::RunEvent event;
                                if (reader->Read(&event)) {
                                  // The run as it is now came back: allowed. The run stays open, so
                                  // stop watching.
                                  context.TryCancel();
                                  reader->Finish().IgnoreError();
                                  return Outcome{grpc::Status::OK};
                                }
                                return Outcome{reader->Finish()};
                              }};
  for (const char* m : {"ApproveRun", "RejectRun"}) {
    const bool approve = std::string(m) == "ApproveRun";
    rows[sched + m] = {Kind::kOne, "approver", [=](auto& token, auto& t) {
                         sv1::ApprovalRequest req;
                         req.set_run_id(t.run_id);
                         req.set_reason("checked");
                         sv1::Run resp;
                         return approve ? Unary(s, &S::ApproveRun, token, req, &resp)
                                        : Unary(s, &S::RejectRun, token, req, &resp);
                       }};
  }
  rows[sched + "CreateSchedule"] = {Kind::kOne, "runner", [=](auto& token, auto& t) {
                                      sv1::CreateScheduleRequest req;
                                      req.set_schedule_id(Unique("created"));
                                      req.set_scenario(t.scenario);
                                      req.mutable_interval()->set_seconds(3600);
                                      sv1::Schedule resp;
                                      return Unary(s, &S::CreateSchedule, token, req, &resp);
                                    }};
  rows[sched + "ListSchedules"] = {Kind::kList, "viewer", [=](auto& token, auto& t) {
                                     sv1::ListSchedulesRequest req;
                                     req.set_page_size(500);
                                     sv1::ListSchedulesResponse resp;
                                     Outcome o = Unary(s, &S::ListSchedules, token, req, &resp);
                                     for (const auto& x : resp.schedules())
                                       o.saw |= x.schedule_id() == t.schedule_id;
                                     return o;
                                   }};
  rows[sched + "GetSchedule"] = {Kind::kOne, "viewer", [=](auto& token, auto& t) {
                                   sv1::GetScheduleRequest req;
                                   req.set_schedule_id(t.schedule_id);
                                   sv1::Schedule resp;
                                   return Unary(s, &S::GetSchedule, token, req, &resp);
                                 }};
  for (const char* m : {"PauseSchedule", "ResumeSchedule", "TriggerSchedule", "DeleteSchedule"}) {
    const std::string name = m;
    rows[sched + m] = {Kind::kOne, "runner", [=](auto& token, auto& t) {
                         sv1::ScheduleRef req;
                         req.set_schedule_id(t.schedule_id);
                         if (name == "PauseSchedule") {
                           sv1::Schedule resp;
                           return Unary(s, &S::PauseSchedule, token, req, &resp);
                         }
                         if (name == "ResumeSchedule") {
                           sv1::Schedule resp;
                           return Unary(s, &S::ResumeSchedule, token, req, &resp);
                         }
                         if (name == "TriggerSchedule") {
                           sv1::Run resp;
                           return Unary(s, &S::TriggerSchedule, token, req, &resp);
                         }
                         sv1::DeleteScheduleResponse resp;
                         return Unary(s, &S::DeleteSchedule, token, req, &resp);
                       }};
  }
  rows[sched + "ListAgents"] = {Kind::kUnscoped, "viewer", [=](auto& token, auto&) {
                                  sv1::ListAgentsRequest req;
                                  sv1::ListAgentsResponse resp;
                                  return Unary(s, &S::ListAgents, token, req, &resp);
                                }};
  rows["/meshproof.scheduler.v1.AgentGatewayService/Connect"] = {Kind::kAgentStream, "", nullptr};

  // ---------------------------------------------------------------------- store
  rows[store + "BeginRun"] = {
      Kind::kWriter, "", [=](auto& token, auto& t) {
        stv1::BeginRunRequest req;
        req.mutable_run()->set_run_id(Unique("written"));
        req.mutable_run()->set_scenario(t.store_scenario);
        req.mutable_run()->set_scenario_version("v1");
        req.mutable_run()->set_cluster("lab");
        req.mutable_run()->set_team(t.team);
        req.mutable_run()->set_trigger(rv1::TRIGGER_API);
        req.mutable_run()->mutable_started_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
        stv1::BeginRunResponse resp;
        return Unary(st, &St::BeginRun, token, req, &resp);
      }};
  rows[store + "AppendResults"] = {
      Kind::kWriter, "", [=](auto& token, auto& t) {
        // Into a run still open (the target's runs are finished), begun by the writer.
        const std::string run_id = Unique("open");
        stv1::BeginRunRequest begin;
        begin.mutable_run()->set_run_id(run_id);
        begin.mutable_run()->set_scenario(t.store_scenario);
        begin.mutable_run()->set_scenario_version("v1");
        begin.mutable_run()->set_cluster("lab");
        begin.mutable_run()->set_team(t.team);
        begin.mutable_run()->set_trigger(rv1::TRIGGER_API);
        begin.mutable_run()->mutable_started_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
        stv1::BeginRunResponse begun;
        Outcome b = Unary(st, &St::BeginRun, Token("writer"), begin, &begun);
        if (!b.status.ok()) return b;
        stv1::AppendResultsRequest req;
        req.set_run_id(run_id);
        req.set_attempt(1);
        rv1::TestResult* result = req.add_results();
        result->set_scenario(t.store_scenario);
        result->set_test("t2");
        result->set_phase(rv1::PHASE_TEST);
        result->set_verdict(rv1::TEST_VERDICT_PASS);
        stv1::AppendResultsResponse resp;
        return Unary(st, &St::AppendResults, token, req, &resp);
      }};
  rows[store + "FinishRun"] = {
      Kind::kWriter, "", [=](auto& token, auto& t) {
        stv1::FinishRunRequest req;
        req.set_run_id(t.store_run_id);
        req.set_verdict(rv1::RUN_VERDICT_PASSED);
        req.mutable_finished_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
        stv1::FinishRunResponse resp;
        return Unary(st, &St::FinishRun, token, req, &resp);
      }};
  rows[store + "GetRun"] = {Kind::kOne, "viewer", [=](auto& token, auto& t) {
                              stv1::GetRunRequest req;
                              req.set_run_id(t.store_run_id);
                              stv1::RunDetail resp;
                              return Unary(st, &St::GetRun, token, req, &resp);
                            }};
  rows[store + "GetClaimsLedger"] = {Kind::kOne, "viewer", [=](auto& token, auto& t) {
                                       stv1::GetClaimsLedgerRequest req;
                                       req.set_run_id(t.store_run_id);
                                       stv1::GetClaimsLedgerResponse resp;
                                       return Unary(st, &St::GetClaimsLedger, token, req, &resp);
                                     }};
  rows[store + "CompareRuns"] = {Kind::kOne, "viewer", [=](auto& token, auto& t) {
                                   stv1::CompareRunsRequest req;
                                   req.set_base_run_id(t.store_run_id);
                                   req.set_head_run_id(t.store_run_id);
                                   stv1::CompareRunsResponse resp;
                                   return Unary(st, &St::CompareRuns, token, req, &resp);
                                 }};
  rows[store + "ListRuns"] = {Kind::kList, "viewer", [=](auto& token, auto& t) {
                                stv1::ListRunsRequest req;
                                req.set_scenario(t.store_scenario);
                                stv1::ListRunsResponse resp;
                                Outcome o = Unary(st, &St::ListRuns, token, req, &resp);
                                for (const auto& r : resp.runs())
                                  o.saw |= r.run_id() == t.store_run_id;
                                return o;
                              }};
  rows[store + "GetTestHistory"] = {Kind::kList, "viewer", [=](auto& token, auto& t) {
                                      stv1::GetTestHistoryRequest req;
                                      req.set_scenario(t.store_scenario);
                                      req.set_test("t1");
                                      stv1::GetTestHistoryResponse resp;
                                      Outcome o = Unary(st, &St::GetTestHistory, token, req, &resp);
                                      o.saw = resp.points_size() > 0;
                                      return o;
                                    }};
  rows[store + "ListFlakyTests"] = {Kind::kList, "viewer", [=](auto& token, auto& t) {
                                      stv1::ListFlakyTestsRequest req;
                                      req.set_limit(500);
                                      stv1::ListFlakyTestsResponse resp;
                                      Outcome o = Unary(st, &St::ListFlakyTests, token, req, &resp);
                                      for (const auto& f : resp.tests())
                                        o.saw |= f.scenario() == t.store_scenario;
                                      return o;
                                    }};
  rows[store + "GetLatestPerCluster"] = {Kind::kList, "viewer", [=](auto& token, auto& t) {
                                           stv1::GetLatestPerClusterRequest req;
                                           req.set_scenario(t.store_scenario);
                                           stv1::GetLatestPerClusterResponse resp;
                                           Outcome o = Unary(st, &St::GetLatestPerCluster, token,
                                                             req, &resp);
                                           o.saw = resp.rows_size() > 0;
                                           return o;
                                         }};
  rows[store + "GetLatencyTrend"] = {Kind::kList, "viewer", [=](auto& token, auto& t) {
                                       stv1::GetLatencyTrendRequest req;
                                       req.set_scenario(t.store_scenario);
                                       req.set_test("t1");
                                       stv1::GetLatencyTrendResponse resp;
                                       Outcome o =
                                           Unary(st, &St::GetLatencyTrend, token, req, &resp);
                                       o.saw = resp.days_size() > 0;
                                       return o;
                                     }};
  rows[store + "ApplyRetention"] = {
      Kind::kAdminOnly, "", [=](auto& token, auto&) {
        stv1::ApplyRetentionRequest req;
        req.mutable_cutoff()->set_seconds(1);  // deletes nothing this test made
        stv1::ApplyRetentionResponse resp;
        return Unary(st, &St::ApplyRetention, token, req, &resp);
      }};
  rows[store + "Backup"] = {Kind::kAdminOnly, "", [=](auto& token, auto&) {
                              stv1::BackupRequest req;
                              req.set_destination(dir_->File(Unique("backup") + ".db"));
                              stv1::BackupResponse resp;
                              return Unary(st, &St::Backup, token, req, &resp);
                            }};
  return rows;
}

// The methods of every service in the contracts the scheduler and the store serve.
std::vector<std::string> ContractMethods() {
  std::vector<std::string> methods;
  for (const auto* service :
       {sv1::SchedulerService::service_full_name(), sv1::AgentGatewayService::service_full_name(),
        stv1::ResultsStoreService::service_full_name()}) {
    const auto* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
    if (descriptor == nullptr) {
      ADD_FAILURE() << service << " is not in the generated pool";
      continue;
    }
    for (int m = 0; m < descriptor->method_count(); ++m) {
      methods.push_back(absl::StrCat("/", service, "/", descriptor->method(m)->name()));
    }
  }
  return methods;
}

Target OfTeam(const std::string& team) {
  Target target;
  target.team = team;
  return target;
}

// The token of `team` ("a" or "b") holding `role`, and one of the same team without it.
std::string WithRole(const std::string& t, const std::string& role) {
  return Token(absl::StrCat(t, "-", role));
}
std::string WithoutRole(const std::string& t, const std::string& role) {
  return Token(absl::StrCat(t, role == "runner" ? "-viewer" : "-runner"));
}

TEST_F(TeamIsolationTest, EveryRpcIsScopedToTheCallersTeam) {
  const std::vector<std::string> methods = ContractMethods();
  // Guards the walk: it must see the services it is meant to check.
  ASSERT_GE(methods.size(), 30u);
  std::map<std::string, Row> rows = Rows();
  for (const std::string& method : methods) {
    SCOPED_TRACE(method);
    auto it = rows.find(method);
    ASSERT_NE(it, rows.end()) << method << " has no row in this matrix: add one";
    const Row& row = it->second;
    const bool in_store = absl::StartsWith(method, "/meshproof.store.");
    auto Make = [&](const std::string& team) { return this->Make(team, in_store); };
    switch (row.kind) {
      case Kind::kOne: {
        Outcome same = row.call(WithRole("a", row.role), Make(kA));
        EXPECT_TRUE(same.status.ok()) << "same team: " << same.status.error_message();
        Outcome lacking = row.call(WithoutRole("a", row.role), Make(kA));
        EXPECT_EQ(lacking.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
        Target theirs = Make(kB);
        Outcome other = row.call(WithRole("a", row.role), theirs);
        EXPECT_EQ(other.status.error_code(), grpc::StatusCode::NOT_FOUND)
            << "other team: " << other.status.error_message();
        // Not found, and not changed either: B still finds its object.
        Outcome still =
            row.call(WithRole("b", row.role == "approver" ? "approver" : row.role), theirs);
        EXPECT_TRUE(still.status.ok())
            << "owner after the refusal: " << still.status.error_message();
        Outcome admin = row.call(Token("admin"), Make(kB));
        EXPECT_TRUE(admin.status.ok()) << "admin: " << admin.status.error_message();
        break;
      }
      case Kind::kList: {
        Target mine = Make(kA);
        Outcome same = row.call(WithRole("a", row.role), mine);
        EXPECT_TRUE(same.status.ok()) << same.status.error_message();
        EXPECT_TRUE(same.saw) << "same team does not see its own object";
        EXPECT_EQ(row.call(WithoutRole("a", row.role), mine).status.error_code(),
                  grpc::StatusCode::PERMISSION_DENIED);
        Outcome other = row.call(WithRole("b", row.role), mine);
        EXPECT_TRUE(other.status.ok()) << other.status.error_message();
        EXPECT_FALSE(other.saw) << "another team sees team-a's object";
        Outcome admin = row.call(Token("admin"), mine);
        EXPECT_TRUE(admin.status.ok()) << admin.status.error_message();
        EXPECT_TRUE(admin.saw) << "admin does not see every team";
        break;
      }
      case Kind::kNamesTeam: {
        Outcome same = row.call(WithRole("a", row.role), OfTeam(kA));
        EXPECT_TRUE(same.status.ok()) << same.status.error_message();
        EXPECT_EQ(row.call(WithoutRole("a", row.role), OfTeam(kA)).status.error_code(),
                  grpc::StatusCode::PERMISSION_DENIED);
        Outcome other = row.call(WithRole("b", row.role), OfTeam(kA));
        EXPECT_EQ(other.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
        EXPECT_THAT(other.status.error_message(), HasSubstr("team:"));
        Outcome admin = row.call(Token("admin"), OfTeam(kB));
        EXPECT_TRUE(admin.status.ok()) << admin.status.error_message();
        break;
      }
      case Kind::kUnscoped: {
        for (const char* t : {"a", "b"}) {
          EXPECT_TRUE(row.call(WithRole(t, row.role), Target()).status.ok());
        }
        EXPECT_EQ(row.call(WithoutRole("a", row.role), Target()).status.error_code(),
                  grpc::StatusCode::PERMISSION_DENIED);
        EXPECT_TRUE(row.call(Token("admin"), Target()).status.ok());
        break;
      }
      case Kind::kWriter: {
        EXPECT_TRUE(row.call(Token("writer"), Make(kA)).status.ok());
        EXPECT_EQ(row.call(Token("a-viewer"), Make(kA)).status.error_code(),
                  grpc::StatusCode::PERMISSION_DENIED);
        EXPECT_EQ(row.call(Token("a-runner"), Make(kA)).status.error_code(),
                  grpc::StatusCode::PERMISSION_DENIED);
        EXPECT_TRUE(row.call(Token("admin"), Make(kB)).status.ok());
        break;
      }
      case Kind::kAdminOnly: {
        EXPECT_EQ(row.call(Token("a-viewer"), Target()).status.error_code(),
                  grpc::StatusCode::PERMISSION_DENIED);
        EXPECT_EQ(row.call(Token("writer"), Target()).status.error_code(),
                  grpc::StatusCode::PERMISSION_DENIED);
        Outcome admin = row.call(Token("admin"), Target());
        EXPECT_TRUE(admin.status.ok()) << admin.status.error_message();
        break;
      }
      case Kind::kAgentStream: break;  // AgentTokensAreBoundToTheirAgent
    }
  }
  // Every row names a method that exists, so the matrix cannot drift from the contracts.
  for (const auto& [method, row] : rows) {
    EXPECT_NE(std::find(methods.begin(), methods.end(), method), methods.end())
        << method << " is in the matrix but no contract has it";
  }
}

TEST_F(TeamIsolationTest, SubmittingIntoAnotherTeamsNameNeitherOverwritesNorRevealsTheOwner) {
  Target theirs = Make(kB);
  grpc::ClientContext context;
  Prepare(&context, Token("a-runner"));
  sv1::SubmitScenarioRequest req;
  req.mutable_yaml()->set_text(ScenarioYaml(theirs.scenario) + "# changed\n");
  sv1::SubmitScenarioResponse resp;
  grpc::Status status = stub_->SubmitScenario(&context, req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), Not(HasSubstr(kB)));
  // The file's own `team:` naming another team is refused the same way, naming the field.
  grpc::ClientContext context2;
  Prepare(&context2, Token("a-runner"));
  sv1::SubmitScenarioRequest req2;
  req2.mutable_yaml()->set_text(
      absl::StrCat("team: ", kB, "\n", ScenarioYaml(Unique("file-team"))));
  status = stub_->SubmitScenario(&context2, req2, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("team: "));
}

TEST_F(TeamIsolationTest, ATokenWithoutATeamActsInTheDefaultTeamOnly) {
  Target theirs = Make(kA);
  grpc::ClientContext context;
  Prepare(&context, Token("no-team"));
  sv1::GetRunRequest get;
  get.set_run_id(theirs.run_id);
  sv1::Run run;
  EXPECT_EQ(stub_->GetRun(&context, get, &run).error_code(), grpc::StatusCode::NOT_FOUND);

  grpc::ClientContext submit_context;
  Prepare(&submit_context, Token("no-team"));
  sv1::SubmitScenarioRequest req;
  req.mutable_yaml()->set_text(ScenarioYaml(Unique("teamless")));
  sv1::SubmitScenarioResponse resp;
  ASSERT_TRUE(stub_->SubmitScenario(&submit_context, req, &resp).ok());
  EXPECT_EQ(resp.version().team(), "default");
}

TEST_F(TeamIsolationTest, TheForwarderWritesTheRunsTeamSoTheStoreScopesIt) {
  Target mine = Make(kA);
  {
    // Cancelling a run that never ran sends its BeginRun and FinishRun to the store.
    grpc::ClientContext context;
    Prepare(&context, Token("a-runner"));
    sv1::CancelRunRequest req;
    req.set_run_id(mine.run_id);
    sv1::Run run;
    ASSERT_TRUE(stub_->CancelRun(&context, req, &run).ok());
  }
  // Bounded wait until the forwarder delivered it (the admin sees every team).
  stv1::RunDetail detail;
  grpc::Status status;
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  do {
    grpc::ClientContext context;
    Prepare(&context, Token("admin"));
    stv1::GetRunRequest req;
    req.set_run_id(mine.run_id);
    status = store_stub_->GetRun(&context, req, &detail);
    if (status.ok()) break;
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < give_up);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(detail.run().team(), kA);
  for (const auto& [token, code] : {std::pair{"a-viewer", grpc::StatusCode::OK},
                                    std::pair{"b-viewer", grpc::StatusCode::NOT_FOUND}}) {
    grpc::ClientContext context;
    Prepare(&context, Token(token));
    stv1::GetRunRequest req;
    req.set_run_id(mine.run_id);
    EXPECT_EQ(store_stub_->GetRun(&context, req, &detail).error_code(), code) << token;
  }
  // A store query naming another team is refused, naming the field.
  grpc::ClientContext context;
  Prepare(&context, Token("b-viewer"));
  stv1::ListRunsRequest req;
  req.set_team(kA);
  stv1::ListRunsResponse runs;
  status = store_stub_->ListRuns(&context, req, &runs);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("team:"));
}

// Opens an agent stream with `token` and `hello`; returns the first message's status:
// OK when a Welcome came back, else the stream's status.
grpc::Status Hello(
    sv1::AgentGatewayService::Stub* gateway, const std::string& token, const std::string& agent_id,
    const std::string& cluster, sv1::SchedulerMessage* first = nullptr,
    std::unique_ptr<grpc::ClientContext>* keep = nullptr,
    std::unique_ptr<grpc::ClientReaderWriter<sv1::AgentMessage, sv1::SchedulerMessage>>*
        stream_out = nullptr) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  auto stream = gateway->Connect(context.get());
  sv1::AgentMessage hello;
  hello.mutable_hello()->mutable_info()->set_agent_id(agent_id);
  hello.mutable_hello()->mutable_info()->set_cluster(cluster);
  hello.mutable_hello()->mutable_info()->set_max_concurrency(4);
  stream->Write(hello);
  sv1::SchedulerMessage message;
  if (stream->Read(&message) && message.has_welcome()) {
    if (first != nullptr) *first = message;
    if (keep != nullptr) {
      *keep = std::move(context);
      *stream_out = std::move(stream);
    } else {
      context->TryCancel();
      stream->Finish().IgnoreError();
    }
    return grpc::Status::OK;
  }
  stream->WritesDone();
  return stream->Finish();
}

TEST_F(TeamIsolationTest, AgentTokensAreBoundToTheirAgent) {
  EXPECT_TRUE(Hello(gateway_.get(), Token("agent-a"), "agent-a", "lab").ok());
  grpc::Status other_id = Hello(gateway_.get(), Token("agent-a"), "agent-b", "lab");
  EXPECT_EQ(other_id.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(other_id.error_message(), HasSubstr("hello.info.agent_id"));
  grpc::Status other_cluster = Hello(gateway_.get(), Token("agent-a"), "agent-a", "prod");
  EXPECT_EQ(other_cluster.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(other_cluster.error_message(), HasSubstr("hello.info.cluster"));
  // A non-agent token cannot hold the stream at all; an admin may (audited).
  EXPECT_EQ(Hello(gateway_.get(), Token("a-runner"), "agent-a", "lab").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Hello(gateway_.get(), Token("admin"), "admin-agent", "lab").ok());
}

TEST_F(TeamIsolationTest, ListAgentsShowsOnlyTheAgentsServingTheCallersTeam) {
  // Each agent token is bound to one team; a hello leaves the agent known (disconnected).
  Hello(gateway_.get(), Token("agent-a"), "agent-a", "lab").IgnoreError();
  Hello(gateway_.get(), Token("agent-b"), "agent-b", "lab").IgnoreError();
  auto listed = [&](const std::string& token) {
    grpc::ClientContext context;
    Prepare(&context, token);
    sv1::ListAgentsResponse resp;
    const grpc::Status status = stub_->ListAgents(&context, sv1::ListAgentsRequest(), &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::set<std::string> ids;
    for (const sv1::AgentStatus& a : resp.agents()) ids.insert(a.info().agent_id());
    return ids;
  };
  const std::set<std::string> a = listed(Token("a-viewer"));
  EXPECT_EQ(a.count("agent-a"), 1u);
  EXPECT_EQ(a.count("agent-b"), 0u) << "team-a sees team-b's agent";
  const std::set<std::string> b = listed(Token("b-viewer"));
  EXPECT_EQ(b.count("agent-b"), 1u);
  EXPECT_EQ(b.count("agent-a"), 0u) << "team-b sees team-a's agent";
  const std::set<std::string> admin = listed(Token("admin"));
  EXPECT_EQ(admin.count("agent-a") + admin.count("agent-b"), 2u);
}

TEST_F(TeamIsolationTest, AnAdminActingOnAnotherTeamsObjectIsAudited) {
  const Target theirs = Make(kB);
  const std::string line = absl::StrCat("acts on scenario ", theirs.scenario, " of team ", kB);
  auto get = [&](const std::string& token) {
    grpc::ClientContext context;
    Prepare(&context, token);
    sv1::GetScenarioRequest req;
    req.set_name(theirs.scenario);
    sv1::ScenarioVersion resp;
    return stub_->GetScenario(&context, req, &resp);
  };
  // The owner's own read is not an audited act.
  ASSERT_TRUE(get(Token("b-viewer")).ok());
  EXPECT_THAT(meshproof::testing::ReadFileOrEmpty(dir_->File("scheduler.log")),
              Not(HasSubstr(line)));
  // The log line is written before the answer is sent.
  ASSERT_TRUE(get(Token("admin")).ok());
  EXPECT_THAT(meshproof::testing::ReadFileOrEmpty(dir_->File("scheduler.log")),
              HasSubstr(absl::StrCat("audit: admin \"admin\" (team ops) ", line)));
}

TEST_F(TeamIsolationTest, AnAgentIsGivenOnlyTheRunsOfTheTeamsItServes) {
  // agent-a serves team-a only: a queued run of team-b waits; one of team-a is assigned.
  std::unique_ptr<grpc::ClientContext> context;
  std::unique_ptr<grpc::ClientReaderWriter<sv1::AgentMessage, sv1::SchedulerMessage>> stream;
  ASSERT_TRUE(
      Hello(gateway_.get(), Token("agent-a"), "agent-a", "lab", nullptr, &context, &stream).ok());
  auto queue = [&](const std::string& team) {
    Target target = Make(team);
    grpc::ClientContext c;
    Prepare(&c, Token(std::string(team == kA ? "a" : "b") + "-approver"));
    sv1::ApprovalRequest req;
    req.set_run_id(target.run_id);
    req.set_reason("go");
    sv1::Run run;
    EXPECT_TRUE(stub_->ApproveRun(&c, req, &run).ok());
    return target.run_id;
  };
  const std::string theirs = queue(kB);
  const std::string mine = queue(kA);
  // team-a's run reaches the agent although team-b's was queued first, and team-b's never
  // does (earlier tests may have left other team-a runs queued; they come too). Read is
  // bounded by the stream's deadline.
  sv1::SchedulerMessage message;
  bool got_mine = false;
  while (!got_mine && stream->Read(&message)) {
    if (!message.has_assignment()) continue;
    EXPECT_NE(message.assignment().run_id(), theirs) << "team-b's run went to team-a's agent";
    got_mine = message.assignment().run_id() == mine;
  }
  EXPECT_TRUE(got_mine);
  grpc::ClientContext c;
  Prepare(&c, Token("b-viewer"));
  sv1::GetRunRequest get;
  get.set_run_id(theirs);
  sv1::Run run;
  ASSERT_TRUE(stub_->GetRun(&c, get, &run).ok());
  EXPECT_EQ(run.state(), sv1::RUN_STATE_QUEUED);
  context->TryCancel();
  stream->Finish().IgnoreError();
}

}  // namespace
}  // namespace meshproof::scheduler
