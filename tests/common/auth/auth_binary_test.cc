// Tokens end to end with the real binaries: meshproof-scheduler and meshproof-store
// started with --tokens, the scheduler writing to the store with --store-token-file, an
// agent's SchedulerLink with its token, and the meshproof CLI with and without
// MESHPROOF_TOKEN.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"
#include "meshproof/store/v1/store.grpc.pb.h"
#include "services/common/auth/token_hash.h"
#include "services/common/auth/tokens_file.h"
#include "services/probe-agent/scheduler_link.h"
#include "tests/testing/control_plane.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/tokens_file.h"

namespace meshproof::auth {
namespace {

namespace rv1 = meshproof::result::v1;
namespace sv1 = meshproof::scheduler::v1;
namespace stv1 = meshproof::store::v1;
using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::RunCommand;
using ::meshproof::testing::ServiceProcess;
using ::meshproof::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

// The tokens callers present; the services only ever see their hashes.
constexpr char kViewer[] = "mpt-viewer-0123456789";
constexpr char kRunner[] = "mpt-runner-0123456789";
constexpr char kApprover[] = "mpt-approver-0123456789";
constexpr char kAgent[] = "mpt-agent-0123456789";
constexpr char kLinkedAgent[] = "mpt-linked-agent-0123456789";
constexpr char kWriter[] = "mpt-writer-0123456789";
constexpr char kStoreReader[] = "mpt-store-reader-0123456789";

// Two plain tests and one that needs approval.
constexpr char kScenario[] = R"yaml(apiVersion: meshproof/v1
kind: Scenario
name: demo
team: platform
target: {cluster: lab}
tests:
  - name: t1
    http: {url: "http://example.com/a"}
  - name: t2
    http: {url: "http://example.com/b"}
deferred:
  - name: gated
    reason: changes mesh-global state
    requires_approval: true
    http: {url: "http://example.com/c"}
)yaml";

std::string Entry(const std::string& name, const std::string& roles, const std::string& token) {
  return ::meshproof::testing::TokensFileEntry(
      {.name = name, .token = token, .roles = roles, .team = "platform"});
}

// An agent token's entry, bound to the agent id and cluster it may claim.
std::string AgentEntry(const std::string& name, const std::string& agent_id,
                       const std::string& token) {
  return ::meshproof::testing::TokensFileEntry(
      {.name = name, .token = token, .roles = "agent", .agent_id = agent_id, .cluster = "lab"});
}

void Prepare(grpc::ClientContext* context, const std::string& token) {
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!token.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

class AuthBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string store_tokens =
        dir_.WriteFile("store-tokens.yaml", "tokens:\n" + Entry("scheduler", "writer", kWriter) +
                                                Entry("store-reader", "viewer", kStoreReader));
    absl::StatusOr<ServiceProcess> store =
        ::meshproof::testing::StartStore(dir_, {"--tokens", store_tokens});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::make_unique<ServiceProcess>(std::move(*store));

    const std::string scheduler_tokens = dir_.WriteFile(
        "scheduler-tokens.yaml", "tokens:\n" + Entry("ci-viewer", "viewer", kViewer) +
                                     Entry("ci-runner", "viewer, runner", kRunner) +
                                     Entry("alice", "viewer, approver", kApprover) +
                                     AgentEntry("lab-agent", "with-token", kAgent) +
                                     AgentEntry("linked-agent", "linked", kLinkedAgent));
    const std::string store_token = dir_.WriteFile("store.token", absl::StrCat(kWriter, "\n"));
    chmod(store_token.c_str(), 0600);
    // The tokens come from the configuration file's key here (the flag elsewhere).
    const std::string config =
        dir_.WriteFile("scheduler.yaml", absl::StrCat(::meshproof::testing::kFastSchedulerConfig,
                                                      "tokens: ", scheduler_tokens, "\n"));
    absl::StatusOr<ServiceProcess> scheduler = ::meshproof::testing::StartScheduler(
        dir_,
        {"--config", config, "--store", store_->address(), "--store-token-file", store_token});
    ASSERT_TRUE(scheduler.ok()) << scheduler.status();
    scheduler_ = std::make_unique<ServiceProcess>(std::move(*scheduler));
    stub_ = sv1::SchedulerService::NewStub(
        grpc::CreateChannel(scheduler_->address(), grpc::InsecureChannelCredentials()));
    store_stub_ = stv1::ResultsStoreService::NewStub(
        grpc::CreateChannel(store_->address(), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (HasFailure()) {
      for (const char* log : {"scheduler.log", "store.log"}) {
        std::string text = meshproof::testing::ReadFileOrEmpty(dir_.File(log));
        if (text.size() > 6000) text = text.substr(text.size() - 6000);
        std::cerr << "---- " << log << " (tail) ----\n" << text << "\n";
      }
    }
  }

  grpc::Status Submit(const std::string& token) {
    grpc::ClientContext context;
    Prepare(&context, token);
    sv1::SubmitScenarioRequest req;
    req.mutable_yaml()->set_text(kScenario);
    sv1::SubmitScenarioResponse resp;
    return stub_->SubmitScenario(&context, req, &resp);
  }
  grpc::Status StartRun(const std::string& token, sv1::Run* run) {
    grpc::ClientContext context;
    Prepare(&context, token);
    sv1::StartRunRequest req;
    req.set_scenario("demo");
    return stub_->StartRun(&context, req, run);
  }
  grpc::Status ListRuns(const std::string& token) {
    grpc::ClientContext context;
    Prepare(&context, token);
    sv1::ListRunsResponse resp;
    return stub_->ListRuns(&context, {}, &resp);
  }
  grpc::Status Approve(const std::string& token, const std::string& run_id, sv1::Run* run) {
    grpc::ClientContext context;
    Prepare(&context, token);
    // A header anyone can write; with tokens on it must not become the recorded actor.
    context.AddMetadata("x-meshproof-user", "mallory");
    sv1::ApprovalRequest req;
    req.set_run_id(run_id);
    req.set_reason("change window CHG-42");
    return stub_->ApproveRun(&context, req, run);
  }
  sv1::RunState WaitForEnd(const std::string& run_id) {
    const absl::Time give_up = absl::Now() + absl::Seconds(30);
    sv1::Run run;
    while (absl::Now() < give_up) {
      grpc::ClientContext context;
      Prepare(&context, kViewer);
      sv1::GetRunRequest req;
      req.set_run_id(run_id);
      if (stub_->GetRun(&context, req, &run).ok() && run.state() != sv1::RUN_STATE_QUEUED &&
          run.state() != sv1::RUN_STATE_RUNNING && run.state() != sv1::RUN_STATE_PENDING &&
          run.state() != sv1::RUN_STATE_AWAITING_APPROVAL) {
        return run.state();
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    return run.state();
  }
  grpc::Status HealthCheck(const std::string& address) {
    grpc::ClientContext context;
    Prepare(&context, "");
    grpc::health::v1::HealthCheckResponse response;
    return grpc::health::v1::Health::NewStub(
               grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))
        ->Check(&context, {}, &response);
  }

  TempDir dir_;
  std::unique_ptr<ServiceProcess> store_, scheduler_;
  std::unique_ptr<sv1::SchedulerService::Stub> stub_;
  std::unique_ptr<stv1::ResultsStoreService::Stub> store_stub_;
};

TEST_F(AuthBinaryTest, CallsWithoutAKnownTokenAreUnauthenticatedButHealthIsOpen) {
  grpc::Status none = ListRuns("");
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(none.error_message(), HasSubstr("no bearer token"));
  grpc::Status unknown = ListRuns("not-a-token");
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(unknown.error_message(), "unknown token");
  EXPECT_TRUE(ListRuns(kViewer).ok());
  grpc::Status health = HealthCheck(scheduler_->address());
  EXPECT_TRUE(health.ok()) << health.error_message();
  health = HealthCheck(store_->address());
  EXPECT_TRUE(health.ok()) << health.error_message();
  // The token is never written to a log, not even a refused one.
  const std::string log = meshproof::testing::ReadFileOrEmpty(dir_.File("scheduler.log"));
  EXPECT_THAT(log, HasSubstr("auth: 5 tokens from"));
  EXPECT_THAT(log, HasSubstr("unknown token"));
  EXPECT_THAT(log, Not(HasSubstr("not-a-token")));
  EXPECT_THAT(log, Not(HasSubstr(kViewer)));
}

TEST_F(AuthBinaryTest, AViewerCannotStartARunARunnerCan) {
  grpc::Status submit = Submit(kViewer);
  EXPECT_EQ(submit.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Submit(kRunner).ok());
  sv1::Run run;
  grpc::Status viewer = StartRun(kViewer, &run);
  EXPECT_EQ(viewer.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(viewer.error_message(), HasSubstr("StartRun needs the role runner"));
  EXPECT_THAT(viewer.error_message(), HasSubstr("\"ci-viewer\""));
  grpc::Status runner = StartRun(kRunner, &run);
  ASSERT_TRUE(runner.ok()) << runner.error_message();
  EXPECT_EQ(run.state(), sv1::RUN_STATE_AWAITING_APPROVAL);
}

TEST_F(AuthBinaryTest, OnlyAnApproverApprovesAndTheTokensNameIsRecorded) {
  ASSERT_TRUE(Submit(kRunner).ok());
  sv1::Run run;
  ASSERT_TRUE(StartRun(kRunner, &run).ok());
  sv1::Run approved;
  grpc::Status runner = Approve(kRunner, run.run_id(), &approved);
  EXPECT_EQ(runner.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(runner.error_message(), HasSubstr("needs the role approver"));
  grpc::Status approver = Approve(kApprover, run.run_id(), &approved);
  ASSERT_TRUE(approver.ok()) << approver.error_message();
  EXPECT_EQ(approved.state(), sv1::RUN_STATE_QUEUED);
  EXPECT_EQ(approved.approval().by(), "alice");
}

TEST_F(AuthBinaryTest, TheSchedulerWritesResultsToAStoreThatRequiresAToken) {
  ASSERT_TRUE(Submit(kRunner).ok());
  agent::SchedulerLinkOptions options;
  options.address = scheduler_->address();
  options.info.set_agent_id("linked");
  options.info.set_cluster("lab");
  options.info.set_max_concurrency(4);
  options.token = kLinkedAgent;
  agent::SchedulerLink link(options,
                            [](const sv1::Assignment& a, const auto& emit, const auto& cancelled) {
                              rv1::ScenarioOutcome outcome;
                              int ran = 0;
                              for (const auto& test : a.scenario().tests()) {
                                rv1::TestResult r;
                                r.set_scenario(a.scenario().name());
                                r.set_test(test.name());
                                r.set_phase(rv1::PHASE_TEST);
                                r.set_verdict(rv1::TEST_VERDICT_PASS);
                                emit(r);
                                ++ran;
                              }
                              outcome.set_verdict(rv1::RUN_VERDICT_PASSED);
                              outcome.mutable_counts()->set_total(ran);
                              outcome.mutable_counts()->set_passed(ran);
                              return outcome;
                            });
  link.Start();
  sv1::Run run;
  ASSERT_TRUE(StartRun(kRunner, &run).ok());
  sv1::Run approved;
  ASSERT_TRUE(Approve(kApprover, run.run_id(), &approved).ok());
  EXPECT_EQ(WaitForEnd(run.run_id()), sv1::RUN_STATE_PASSED);
  link.Stop();

  // The forwarder's writes needed the writer token; reading needs a viewer token.
  stv1::RunDetail detail;
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  bool stored = false;
  while (!stored && absl::Now() < give_up) {
    grpc::ClientContext context;
    Prepare(&context, kStoreReader);
    stv1::GetRunRequest req;
    req.set_run_id(run.run_id());
    stored = store_stub_->GetRun(&context, req, &detail).ok() &&
             detail.run().verdict() == rv1::RUN_VERDICT_PASSED;
    if (!stored) absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_TRUE(stored) << "the store never had the finished run";
  EXPECT_EQ(detail.results_size(), 3);
  {
    grpc::ClientContext context;
    Prepare(&context, "");
    stv1::GetRunRequest req;
    req.set_run_id(run.run_id());
    EXPECT_EQ(store_stub_->GetRun(&context, req, &detail).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    // The scheduler's own token may write, not read.
    grpc::ClientContext context;
    Prepare(&context, kWriter);
    stv1::GetRunRequest req;
    req.set_run_id(run.run_id());
    EXPECT_EQ(store_stub_->GetRun(&context, req, &detail).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
}

TEST_F(AuthBinaryTest, TheAgentBinaryConnectsWithItsTokenFileAndNotWithout) {
  const std::string token_file = dir_.WriteFile("agent.token", absl::StrCat(kAgent, "\n"));
  chmod(token_file.c_str(), 0600);
  auto with = ServiceProcess::Start(
      BinaryPath("meshproof-agent"),
      {"--listen", "127.0.0.1:0", "--scheduler", scheduler_->address(), "--agent-id", "with-token",
       "--cluster", "lab", "--scheduler-token-file", token_file},
      dir_.File("agent-with.log"));
  ASSERT_TRUE(with.ok()) << with.status();
  auto without =
      ServiceProcess::Start(BinaryPath("meshproof-agent"),
                            {"--listen", "127.0.0.1:0", "--scheduler", scheduler_->address(),
                             "--agent-id", "no-token", "--cluster", "lab"},
                            dir_.File("agent-without.log"));
  ASSERT_TRUE(without.ok()) << without.status();

  // Bounded wait until the agent with a token is listed and the other has been refused.
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  std::set<std::string> agents;
  bool refused = false;
  while (absl::Now() < give_up && (agents.count("with-token") == 0 || !refused)) {
    grpc::ClientContext context;
    Prepare(&context, kViewer);
    sv1::ListAgentsResponse resp;
    if (stub_->ListAgents(&context, {}, &resp).ok()) {
      agents.clear();
      for (const auto& a : resp.agents()) agents.insert(a.info().agent_id());
    }
    refused = absl::StrContains(meshproof::testing::ReadFileOrEmpty(dir_.File("agent-without.log")),
                                "check --scheduler-token-file");
    if (agents.count("with-token") == 0 || !refused) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(agents.count("with-token"), 1u);
  EXPECT_EQ(agents.count("no-token"), 0u);
  EXPECT_TRUE(refused) << meshproof::testing::ReadFileOrEmpty(dir_.File("agent-without.log"));
  EXPECT_THAT(meshproof::testing::ReadFileOrEmpty(dir_.File("agent-with.log")),
              Not(HasSubstr(kAgent)));
}

TEST_F(AuthBinaryTest, TheCliSendsMeshproofTokenAndExplainsAMissingOne) {
  // env(1) gives the CLI a clean environment: no token and no config file of this host.
  const std::vector<std::string> base = {"env", "-i", "HOME=" + dir_.path(),
                                         "XDG_CONFIG_HOME=" + dir_.File("xdg")};
  std::vector<std::string> with = base;
  with.insert(with.end(), {absl::StrCat("MESHPROOF_TOKEN=", kViewer), BinaryPath("meshproof"),
                           "run", "list", "--scheduler", scheduler_->address()});
  auto ok = RunCommand(with);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;

  std::vector<std::string> without = base;
  without.insert(without.end(),
                 {BinaryPath("meshproof"), "run", "list", "--scheduler", scheduler_->address()});
  auto refused = RunCommand(without);
  // docs/cli.md: a refused token is "bad input or usage" (2), not "unreachable" (3).
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("did not accept the token: no bearer token"));
  EXPECT_THAT(refused.err, HasSubstr("set --token or MESHPROOF_TOKEN"));

  std::vector<std::string> viewer_starts = base;
  viewer_starts.push_back(absl::StrCat("MESHPROOF_TOKEN=", kViewer));
  viewer_starts.insert(viewer_starts.end(), {BinaryPath("meshproof"), "run", "start", "demo",
                                             "--scheduler", scheduler_->address()});
  auto denied = RunCommand(viewer_starts);
  EXPECT_EQ(denied.exit_code, 2) << denied.err;
  EXPECT_THAT(denied.err, HasSubstr("needs the role runner"));
}

TEST(TokenCommandTest, NewPrintsATokenAndAnEntryThatLoadsWithItsHash) {
  auto made = RunCommand({BinaryPath("meshproof"), "token", "new", "--name", "ci-nightly", "--team",
                          "platform", "--roles", "viewer, runner"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const size_t newline = made.out.find('\n');
  ASSERT_NE(newline, std::string::npos) << made.out;
  const std::string token = made.out.substr(0, newline);
  EXPECT_THAT(token, ::testing::MatchesRegex("mpt_[0-9a-f]{64}"));
  absl::StatusOr<std::vector<TokenEntry>> entries =
      ParseTokensFile("tokens:\n" + made.out.substr(newline + 1), "printed");
  ASSERT_TRUE(entries.ok()) << entries.status() << "\n" << made.out;
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].name, "ci-nightly");
  EXPECT_EQ((*entries)[0].team, "platform");
  EXPECT_EQ((*entries)[0].roles, (RoleSet{Role::kViewer, Role::kRunner}));
  EXPECT_TRUE(HashesEqual((*entries)[0].sha256, HashToken(token)));

  // Two tokens are never the same.
  auto again =
      RunCommand({BinaryPath("meshproof"), "token", "new", "--name", "x", "--roles", "viewer"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.substr(0, again.out.find('\n')), token);

  auto hashed = RunCommand({BinaryPath("meshproof"), "token", "hash"}, token + "\n");
  ASSERT_EQ(hashed.exit_code, 0) << hashed.err;
  EXPECT_EQ(hashed.out, HashToHex(HashToken(token)) + "\n");
}

TEST(TokenCommandTest, BadRolesOrNamesExitTwoNamingTheFlag) {
  auto role = RunCommand(
      {BinaryPath("meshproof"), "token", "new", "--name", "x", "--roles", "viewer,boss"});
  EXPECT_EQ(role.exit_code, 2);
  EXPECT_THAT(role.err, HasSubstr("--roles: unknown role \"boss\""));
  auto name =
      RunCommand({BinaryPath("meshproof"), "token", "new", "--name", "a b", "--roles", "viewer"});
  EXPECT_EQ(name.exit_code, 2);
  EXPECT_THAT(name.err, HasSubstr("--name: expected 1 to 64 characters"));
  EXPECT_TRUE(name.out.empty()) << "no token is printed when the entry is refused";
}

TEST(TokenCommandTest, AnAgentTokenIsBoundToItsAgentAndCluster) {
  auto unbound =
      RunCommand({BinaryPath("meshproof"), "token", "new", "--name", "a", "--roles", "agent"});
  EXPECT_EQ(unbound.exit_code, 2);
  EXPECT_THAT(unbound.err, HasSubstr("--agent-id: required for a token with the role agent"));
  EXPECT_TRUE(unbound.out.empty());
  auto bound = RunCommand({BinaryPath("meshproof"), "token", "new", "--name", "a", "--roles",
                           "agent", "--agent-id", "lab-1", "--cluster", "lab", "--serves-teams",
                           "platform, payments"});
  ASSERT_EQ(bound.exit_code, 0) << bound.err;
  absl::StatusOr<std::vector<TokenEntry>> entries =
      ParseTokensFile("tokens:\n" + bound.out.substr(bound.out.find('\n') + 1), "printed");
  ASSERT_TRUE(entries.ok()) << entries.status() << "\n" << bound.out;
  ASSERT_TRUE((*entries)[0].agent.has_value());
  EXPECT_EQ((*entries)[0].agent->agent_id, "lab-1");
  EXPECT_EQ((*entries)[0].agent->cluster, "lab");
  EXPECT_EQ((*entries)[0].agent->teams, (std::vector<std::string>{"platform", "payments"}));
}

TEST(AuthBinaryStartupTest, ABadTokensFileStopsTheServiceWithItsLineAndColumn) {
  TempDir dir;
  const std::string tokens = dir.WriteFile(
      "tokens.yaml", "tokens:\n  - name: a\n    roles: [viewer, superuser]\n    sha256: 00\n");
  for (const char* binary : {"meshproof-scheduler", "meshproof-store"}) {
    auto result = RunCommand({BinaryPath(binary), "--listen", "127.0.0.1:0", "--db",
                              dir.File(std::string(binary) + ".db"), "--tokens", tokens});
    EXPECT_EQ(result.exit_code, 2) << binary << ": " << result.err;
    EXPECT_THAT(result.err, HasSubstr(tokens + ":3:21: tokens[0].roles[1]: unknown role "
                                               "\"superuser\""))
        << binary;
  }
}

TEST(AuthBinaryStartupTest, TheTokensKeyOfTheConfigFileIsReadToo) {
  TempDir dir;
  const std::string tokens = dir.WriteFile(
      "tokens.yaml", "tokens:\n  - name: a\n    roles: [viewer, superuser]\n    sha256: 00\n");
  const std::string config = dir.WriteFile("config.yaml", "tokens: " + tokens + "\n");
  for (const char* binary : {"meshproof-scheduler", "meshproof-store"}) {
    auto result = RunCommand({BinaryPath(binary), "--listen", "127.0.0.1:0", "--db",
                              dir.File(std::string(binary) + ".db"), "--config", config});
    EXPECT_EQ(result.exit_code, 2) << binary << ": " << result.err;
    EXPECT_THAT(result.err, HasSubstr(tokens + ":3:21: tokens[0].roles[1]")) << binary;
  }
}

TEST(TokenCommandTest, EachSubcommandHasHelpWithAnExample) {
  for (const char* sub : {"new", "hash"}) {
    auto help = RunCommand({BinaryPath("meshproof"), "token", sub, "--help"});
    EXPECT_EQ(help.exit_code, 0) << sub;
    EXPECT_THAT(help.out, HasSubstr("Example:\n  meshproof token ")) << sub;
  }
}

TEST(AuthBinaryStartupTest, WithoutTokensTheServiceWarnsOnceThatAuthIsDisabled) {
  TempDir dir;
  auto store = ServiceProcess::Start(BinaryPath("meshproof-store"),
                                     {"--listen", "127.0.0.1:0", "--db", dir.File("s.db")},
                                     dir.File("store.log"));
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE(store->Terminate().ok());
  const std::string log = meshproof::testing::ReadFileOrEmpty(dir.File("store.log"));
  const size_t first = log.find("auth is disabled");
  ASSERT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find("auth is disabled", first + 1), std::string::npos) << log;
}

}  // namespace
}  // namespace meshproof::auth
