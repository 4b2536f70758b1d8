// The agent's own API with the real meshproof-agent binary: --tokens (Execute needs
// runner, GetInfo viewer, health stays open), an ExecuteRequest that claims approval is
// refused whoever sends it, `meshproof probe` with and without a token, and a gated test
// that runs only in a scheduler run an approver approved. The probes hit a small HTTP
// server on loopback that counts what reached it.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "meshproof/agent/v1/agent.grpc.pb.h"
#include "services/common/auth/token_hash.h"
#include "services/scenario/scenario_parser.h"
#include "tests/probe-agent/fake_http_server.h"
#include "tests/testing/scheduler_run.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::agent {
namespace {

namespace av1 = ::meshproof::agent::v1;
namespace rv1 = ::meshproof::result::v1;
namespace schedv1 = ::meshproof::scheduler::v1;
using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::FakeHttpServer;
using ::meshproof::testing::FakeRequest;
using ::meshproof::testing::FakeResponse;
using ::meshproof::testing::RunCommand;
using ::meshproof::testing::ServiceProcess;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kViewer[] = "mpt-agent-viewer-0123456789";
constexpr char kRunner[] = "mpt-agent-runner-0123456789";

// One plain test and one that needs approval, both against the counting server.
std::string ScenarioYaml(int port) {
  return absl::StrCat(R"(apiVersion: meshproof/v1
kind: Scenario
name: gate
team: platform
target: {cluster: lab}
tests:
  - name: plain
    http: {url: "http://127.0.0.1:)",
                      port, R"(/plain"}
    expect: {status: 200}
deferred:
  - name: gated
    reason: changes mesh-global state
    requires_approval: true
    http: {url: "http://127.0.0.1:)",
                      port, R"(/gated"}
    expect: {status: 200}
)");
}

std::string Entry(const std::string& name, const std::string& roles, const std::string& token) {
  return absl::StrCat("  - name: ", name, "\n    team: platform\n    roles: [", roles,
                      "]\n    sha256: ", auth::HashToHex(auth::HashToken(token)), "\n");
}

struct Call {
  grpc::Status status;
  std::map<std::string, rv1::TestResult> results;
  rv1::ScenarioOutcome outcome;
};

class AgentAuthTest : public ::testing::Test {
 protected:
  AgentAuthTest() : server_([](const FakeRequest&) { return FakeResponse{}; }) {}

  void StartAgent(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--listen", "127.0.0.1:0", "--cluster",
                                     "lab",      "--agent-id",  "gate-agent"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto agent = ServiceProcess::Start(BinaryPath("meshproof-agent"), args, dir_.File("agent.log"));
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_.emplace(std::move(*agent));
    stub_ = av1::ProbeAgentService::NewStub(
        grpc::CreateChannel(agent_->address(), grpc::InsecureChannelCredentials()));
  }
  std::string TokensFile() {
    return dir_.WriteFile("agent-tokens.yaml", "tokens:\n" + Entry("ci-viewer", "viewer", kViewer) +
                                                   Entry("ci-runner", "runner", kRunner));
  }
  Call Execute(const std::string& token, bool approved = false) {
    auto parsed = scenario::ParseScenario(ScenarioYaml(server_.port()), {});
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!token.empty()) context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    av1::ExecuteRequest request;
    *request.mutable_scenario() = *parsed;
    request.set_approved(approved);
    auto reader = stub_->Execute(&context, request);
    Call call;
    av1::ExecuteEvent event;
    while (reader->Read(&event)) {
      if (event.has_result()) call.results[event.result().test()] = event.result();
      if (event.has_outcome()) call.outcome = event.outcome();
    }
    call.status = reader->Finish();
    return call;
  }
  grpc::Status GetInfo(const std::string& token) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    av1::AgentInfo info;
    return stub_->GetInfo(&context, av1::GetInfoRequest(), &info);
  }
  int Hits(const std::string& path) {
    int n = 0;
    for (const FakeRequest& r : server_.requests()) n += r.target == path;
    return n;
  }

  testing::TempDir dir_;
  FakeHttpServer server_;
  std::optional<ServiceProcess> agent_;
  std::unique_ptr<av1::ProbeAgentService::Stub> stub_;
};

TEST_F(AgentAuthTest, ExecuteNeedsARunnerTokenGetInfoAViewerHealthNone) {
  ASSERT_NO_FATAL_FAILURE(StartAgent({"--tokens", TokensFile()}));
  Call none = Execute("");
  EXPECT_EQ(none.status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << none.status.error_message();
  Call unknown = Execute("not-a-token");
  EXPECT_EQ(unknown.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  Call viewer = Execute(kViewer);
  EXPECT_EQ(viewer.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(viewer.status.error_message(), HasSubstr("Execute needs the role runner"));
  EXPECT_EQ(Hits("/plain"), 0) << "a refused call probed";

  Call runner = Execute(kRunner);
  ASSERT_TRUE(runner.status.ok()) << runner.status.error_message();
  EXPECT_EQ(runner.results["plain"].verdict(), rv1::TEST_VERDICT_PASS)
      << runner.results["plain"].reason();
  EXPECT_EQ(runner.outcome.environment().cluster(), "lab");
  EXPECT_EQ(Hits("/plain"), 1);

  EXPECT_EQ(GetInfo("").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(GetInfo(kViewer).ok());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::health::v1::HealthCheckResponse health;
  EXPECT_TRUE(grpc::health::v1::Health::NewStub(
                  grpc::CreateChannel(agent_->address(), grpc::InsecureChannelCredentials()))
                  ->Check(&context, {}, &health)
                  .ok());
  const std::string log = testing::ReadFileOrEmpty(dir_.File("agent.log"));
  EXPECT_THAT(log, HasSubstr("auth: 2 tokens from"));
  EXPECT_THAT(log, Not(HasSubstr(kRunner)));
}

TEST_F(AgentAuthTest, ACallerCannotClaimApprovalWithOrWithoutTokens) {
  ASSERT_NO_FATAL_FAILURE(StartAgent({"--tokens", TokensFile()}));
  Call claimed = Execute(kRunner, /*approved=*/true);
  EXPECT_EQ(claimed.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(claimed.status.error_message(),
              HasSubstr("approved: a caller cannot assert approval"));
  EXPECT_THAT(claimed.status.error_message(),
              HasSubstr("scheduler assignment for a run an approver approved"));
  EXPECT_TRUE(claimed.results.empty());
  EXPECT_EQ(Hits("/plain") + Hits("/gated"), 0) << "a refused call probed";
}

TEST_F(AgentAuthTest, AnOpenAgentRefusesClaimedApprovalTooAndSkipsGatedTestsOtherwise) {
  ASSERT_NO_FATAL_FAILURE(StartAgent({}));
  Call claimed = Execute("", /*approved=*/true);
  EXPECT_EQ(claimed.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  Call plain = Execute("");
  ASSERT_TRUE(plain.status.ok()) << plain.status.error_message();
  EXPECT_EQ(plain.results["gated"].verdict(), rv1::TEST_VERDICT_SKIPPED);
  EXPECT_EQ(Hits("/gated"), 0);
}

TEST_F(AgentAuthTest, TheProbeCommandSendsItsToken) {
  ASSERT_NO_FATAL_FAILURE(StartAgent({"--tokens", TokensFile()}));
  const std::string file = dir_.WriteFile("gate.yaml", ScenarioYaml(server_.port()));
  const std::string token_file = dir_.WriteFile("runner.token", absl::StrCat(kRunner, "\n"));
  chmod(token_file.c_str(), 0600);
  auto without = RunCommand({"/usr/bin/env", "-u", "MESHPROOF_TOKEN", "HOME=" + dir_.path(),
                             BinaryPath("meshproof"), "probe", file, "--agent", agent_->address()});
  EXPECT_EQ(without.exit_code, 2) << without.out << without.err;
  EXPECT_THAT(without.err, HasSubstr("did not accept the token"));
  auto with = RunCommand({"/usr/bin/env", "-u", "MESHPROOF_TOKEN", "HOME=" + dir_.path(),
                          BinaryPath("meshproof"), "probe", file, "--agent", agent_->address(),
                          "--token-file", token_file});
  EXPECT_EQ(with.exit_code, 0) << with.out << with.err;
  EXPECT_THAT(with.out, HasSubstr("PASS     plain"));
  // There is no flag to claim approval any more.
  auto approved = RunCommand(
      {BinaryPath("meshproof"), "probe", file, "--agent", agent_->address(), "--approved"});
  EXPECT_EQ(approved.exit_code, 2);
  EXPECT_EQ(Hits("/gated"), 0);
}

// The gated test runs only when the scheduler hands the agent an assignment of a run an
// approver approved; a rejected run and every direct call skip it.
TEST_F(AgentAuthTest, TheGatedTestRunsOnlyInAnApprovedSchedulerRun) {
  auto scheduler = ServiceProcess::Start(
      BinaryPath("meshproof-scheduler"),
      {"--listen", "127.0.0.1:0", "--db", dir_.File("scheduler.db")}, dir_.File("scheduler.log"));
  ASSERT_TRUE(scheduler.ok()) << scheduler.status();
  ASSERT_NO_FATAL_FAILURE(
      StartAgent({"--tokens", TokensFile(), "--scheduler", scheduler->address()}));
  ASSERT_TRUE(testing::WaitForConnectedAgent(scheduler->address(), "gate-agent").ok());

  testing::SchedulerRunOptions reject;
  reject.approve = false;
  auto rejected =
      testing::RunThroughScheduler(scheduler->address(), ScenarioYaml(server_.port()), reject);
  ASSERT_TRUE(rejected.ok()) << rejected.status();
  EXPECT_EQ(rejected->run.state(), schedv1::RUN_STATE_PASSED) << rejected->run.reason();
  EXPECT_EQ(rejected->results["gated"].verdict(), rv1::TEST_VERDICT_SKIPPED);
  EXPECT_EQ(Hits("/gated"), 0);

  auto approved =
      testing::RunThroughScheduler(scheduler->address(), ScenarioYaml(server_.port()), {});
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->run.state(), schedv1::RUN_STATE_PASSED) << approved->run.reason();
  EXPECT_EQ(approved->run.agent_id(), "gate-agent");
  EXPECT_EQ(approved->results["gated"].verdict(), rv1::TEST_VERDICT_PASS)
      << approved->results["gated"].reason();
  EXPECT_EQ(Hits("/gated"), 1);
}

}  // namespace
}  // namespace meshproof::agent
