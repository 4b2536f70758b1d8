// The agent against the lab, as a user runs it: a real meshproof-agent process, real
// gRPC, real nginx gateways and httpbin. The seed report's tables must come out exactly.

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "meshproof/agent/v1/agent.grpc.pb.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"
#include "services/scenario/scenario_parser.h"
#include "tests/testing/lab.h"
#include "tests/testing/loopback_listener.h"
#include "tests/testing/scheduler_run.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"
#include "tests/truthfulness/netns_relay.h"

namespace meshproof {
namespace {

namespace av1 = ::meshproof::agent::v1;
namespace rv1 = ::meshproof::result::v1;
namespace schedv1 = ::meshproof::scheduler::v1;
using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::Lab;
using ::meshproof::testing::ServiceProcess;
using ::meshproof::testing::SilentListener;
using ::testing::HasSubstr;

struct AgentRun {
  std::map<std::string, rv1::TestResult> results;
  rv1::ScenarioOutcome outcome;
  int events = 0;        // the outcome's included
  int batch_events = 0;  // events carrying ExecuteEvent.results
  int results_read = 0;  // every result read, however carried
};

scenario::v1::Scenario Parse(const std::string& yaml,
                             const std::map<std::string, std::string>& vars) {
  scenario::ParseOptions options;
  options.vars = vars;
  auto parsed = scenario::ParseScenario(yaml, options);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : scenario::v1::Scenario();
}

scenario::v1::Scenario ParseFile(const std::string& relative,
                                 const std::map<std::string, std::string>& vars) {
  return Parse(testing::ReadFileOrEmpty(std::string(MESHPROOF_SOURCE_DIR) + "/" + relative), vars);
}

AgentRun Execute(const std::string& address, const scenario::v1::Scenario& scenario,
                 bool batch_results = false) {
  auto stub = av1::ProbeAgentService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  av1::ExecuteRequest request;
  *request.mutable_scenario() = scenario;
  request.set_batch_results(batch_results);
  auto reader = stub->Execute(&context, request);
  AgentRun run;
  av1::ExecuteEvent event;
  uint64_t last_sequence = 0;
  auto read = [&run](const rv1::TestResult& result) {
    EXPECT_TRUE(run.results.emplace(result.test(), result).second) << result.test() << " twice";
    ++run.results_read;
  };
  while (reader->Read(&event)) {
    EXPECT_EQ(event.sequence(), last_sequence + 1);
    last_sequence = event.sequence();
    ++run.events;
    if (event.has_result()) read(event.result());
    if (event.has_results()) {
      ++run.batch_events;
      EXPECT_GT(event.results().results_size(), 0);
      for (const rv1::TestResult& result : event.results().results()) read(result);
    }
    if (event.has_outcome()) run.outcome = event.outcome();
  }
  grpc::Status status = reader->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  return run;
}

class AgentLabTest : public ::testing::Test {
 protected:
  void StartLab(const Lab::Options& options) {
    auto lab = Lab::Start(dir_.File("lab"), options);
    ASSERT_TRUE(lab.ok()) << lab.status();
    lab_ = std::move(*lab);
  }
  void StartAgent(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--listen", "127.0.0.1:0",        "--cluster",
                                     "lab",      "--environment-kind", "lab"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto agent = ServiceProcess::Start(BinaryPath("meshproof-agent"), args, dir_.File("agent.log"));
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_.emplace(std::move(*agent));
  }

  testing::TempDir dir_;
  std::unique_ptr<Lab> lab_;
  std::optional<ServiceProcess> agent_;
};

TEST_F(AgentLabTest, ReproducesTheSeedIngressTable) {
  StartLab(Lab::Options());
  StartAgent();
  AgentRun run =
      Execute(agent_->address(), ParseFile("examples/scenarios/10-ingress.yaml", lab_->env()));
  EXPECT_EQ(run.outcome.verdict(), rv1::RUN_VERDICT_PASSED) << run.outcome.reason();
  EXPECT_EQ(run.outcome.environment().kind(), "lab");  // lab evidence, never a mesh's
  EXPECT_EQ(run.results["http-catch-all"].outcome().http().status_code(), 200u);
  EXPECT_EQ(run.results["path-match-status-418"].outcome().http().status_code(), 418u);
  EXPECT_EQ(run.results["tls-termination"].outcome().http().status_code(), 200u);
  EXPECT_THAT(run.results["tls-termination"].outcome().http().tls().version(), HasSubstr("TLSv1."));
  EXPECT_THAT(run.results["tls-termination"].outcome().http().tls().peer_sans(),
              ::testing::Contains("httpbin.example.com"));
  EXPECT_EQ(run.results["unknown-host-404"].outcome().http().status_code(), 404u);
  for (const auto& [name, result] : run.results) {
    EXPECT_EQ(result.verdict(), rv1::TEST_VERDICT_PASS) << name << ": " << result.reason();
    EXPECT_THAT(result.reproduction(),
                ::testing::StartsWith(name == "ingress-listens" ? "nc -z" : "curl"));
  }
}

// A caller that reads ExecuteEvent.results may get several results to an event; one
// that does not ask never gets one. Either way every result arrives exactly once, with
// the same verdicts, and the events are numbered without a gap.
TEST_F(AgentLabTest, BatchedResultsAreTheSameResultsAndOnlyForCallersThatAsk) {
  StartLab(Lab::Options());
  StartAgent();
  constexpr int kTests = 400;
  std::string yaml =
      "apiVersion: meshproof/v1\nkind: Scenario\nname: many\n"
      "defaults: {parallelism: 32, reuse_connections: true}\ntests:\n";
  for (int i = 0; i < kTests; ++i) {
    // Every fifth asks for a status the route does not give: a FAIL among the passes.
    absl::StrAppend(&yaml, "  - {name: t", i, ", http: {url: \"http://${INGRESS_HOST}:",
                    "${INGRESS_HTTP_PORT}/status/200\", headers: {Host: \"${ROUTE_HOST}\"}}, ",
                    "expect: {status: ", i % 5 == 0 ? 201 : 200, "}}\n");
  }
  const scenario::v1::Scenario scenario = Parse(yaml, lab_->env());
  for (bool batch : {false, true}) {
    SCOPED_TRACE(batch ? "batched" : "one result per event");
    AgentRun run = Execute(agent_->address(), scenario, batch);
    EXPECT_EQ(run.results_read, kTests);
    ASSERT_EQ(run.results.size(), static_cast<size_t>(kTests));
    for (int i = 0; i < kTests; ++i) {
      const rv1::TestResult& result = run.results[absl::StrCat("t", i)];
      EXPECT_EQ(result.verdict(), i % 5 == 0 ? rv1::TEST_VERDICT_FAIL : rv1::TEST_VERDICT_PASS)
          << result.test() << ": " << result.reason();
    }
    EXPECT_EQ(run.outcome.counts().failed(), static_cast<uint32_t>(kTests / 5));
    if (!batch) {
      EXPECT_EQ(run.batch_events, 0);
      EXPECT_EQ(run.events, kTests + 1);
    } else {
      EXPECT_EQ(run.events, run.batch_events + 1);  // every result event a batch
      EXPECT_LE(run.events, kTests + 1);
    }
  }
}

TEST_F(AgentLabTest, CatchAllFirstReturns200ForStatus418AsInT10) {
  Lab::Options options;
  options.route_order = "catchall-first";
  StartLab(options);
  StartAgent();
  AgentRun run =
      Execute(agent_->address(), ParseFile("examples/scenarios/10-ingress.yaml", lab_->env()));
  const rv1::TestResult& t10 = run.results["path-match-status-418"];
  EXPECT_EQ(t10.outcome().http().status_code(), 200u);
  EXPECT_EQ(t10.verdict(), rv1::TEST_VERDICT_FAIL);
  EXPECT_EQ(t10.reason(), "expect.status: expected 418, got 200");
  EXPECT_EQ(run.outcome.verdict(), rv1::RUN_VERDICT_FAILED);
}

TEST_F(AgentLabTest, EgressNeedsTheGatewaysLogLineAndSniMismatchFailsAtTls) {
  StartLab(Lab::Options());
  StartAgent();
  AgentRun run =
      Execute(agent_->address(), ParseFile("examples/scenarios/20-egress.yaml", lab_->env()));
  EXPECT_EQ(run.outcome.verdict(), rv1::RUN_VERDICT_PASSED) << run.outcome.reason();
  const rv1::TestResult& through = run.results["egress-through-gateway"];
  EXPECT_EQ(through.verdict(), rv1::TEST_VERDICT_PASS) << through.reason();
  EXPECT_EQ(through.outcome().http().status_code(), 200u);
  bool saw_line = false;
  for (const rv1::Evidence& e : through.evidence()) {
    EXPECT_TRUE(e.satisfied()) << e.name() << ": " << e.message();
    if (e.name() == "gateway-access-log") {
      ASSERT_EQ(e.lines_size(), 1);
      EXPECT_THAT(e.lines(0), HasSubstr("outbound|443||external.test"));
      saw_line = true;
    }
  }
  EXPECT_TRUE(saw_line);
  const rv1::TestResult& sni = run.results["sni-mismatch-fails-at-tls"];
  EXPECT_EQ(sni.verdict(), rv1::TEST_VERDICT_PASS);
  EXPECT_EQ(sni.outcome().failure().class_(), scenario::v1::FAILURE_CLASS_TLS_HANDSHAKE);
  EXPECT_EQ(sni.outcome().failure().curl_exit_code(), 35u);
  EXPECT_EQ(sni.outcome().http().status_code(), 0u);
  EXPECT_EQ(run.results["registry-only-blocks-unregistered"].verdict(), rv1::TEST_VERDICT_SKIPPED);
}

// Every run records what it measured: the sidecar admin's Envoy version as that admin
// answers /server_info (the lab serves a recorded real one), and, for what the lab does
// not have (istiod, a Kubernetes API), unknown with the reason, never a value.
TEST_F(AgentLabTest, EveryRunRecordsTheEnvironmentFingerprint) {
  StartLab(Lab::Options());
  StartAgent();
  AgentRun run =
      Execute(agent_->address(), ParseFile("examples/scenarios/20-egress.yaml", lab_->env()));
  const rv1::Environment& env = run.outcome.environment();
  EXPECT_EQ(env.envoy_version(), "1.15.0-dev");
  EXPECT_EQ(env.istio_version(), "");
  EXPECT_EQ(env.kubernetes_version(), "");
  EXPECT_EQ(env.agent_version(), "0.1.0");
  EXPECT_EQ(env.kind(), "lab");
  std::map<std::string, std::string> unknown;
  for (const rv1::UnknownVersion& u : env.unknown_versions()) unknown[u.component()] = u.reason();
  EXPECT_EQ(unknown.count("envoy"), 0u);
  EXPECT_THAT(unknown["istio"], HasSubstr("no istiod source configured"));
  EXPECT_THAT(unknown["kubernetes"], HasSubstr("meshproof's lab"));
  // 10-ingress names no Envoy admin: nothing to read, and it says so.
  AgentRun ingress =
      Execute(agent_->address(), ParseFile("examples/scenarios/10-ingress.yaml", lab_->env()));
  EXPECT_EQ(ingress.outcome.environment().envoy_version(), "");
  ASSERT_GT(ingress.outcome.environment().unknown_versions_size(), 0);
  EXPECT_EQ(ingress.outcome.environment().unknown_versions(0).component(), "envoy");
}

// The seed scenarios lint with the lab's own lab.env, and it defines every variable they
// use: in the lab nothing falls back to the defaults, which describe a cluster.
TEST_F(AgentLabTest, SeedScenariosLintWithTheLabEnvWhichDefinesEveryVariable) {
  StartLab(Lab::Options());
  const std::string source = MESHPROOF_SOURCE_DIR;
  auto lint = testing::RunCommand({BinaryPath("meshproof"), "lint", "--vars-file", lab_->env_file(),
                                   source + "/examples/scenarios/10-ingress.yaml",
                                   source + "/examples/scenarios/10-ingress-t10.yaml",
                                   source + "/examples/scenarios/20-egress.yaml",
                                   source + "/examples/scenarios/25-egress-tls-origination.yaml",
                                   source + "/examples/scenarios/26-egress-istio-mutual.yaml",
                                   source + "/examples/scenarios/30-security.yaml"});
  EXPECT_EQ(lint.exit_code, 0) << lint.err;
  for (const char* file :
       {"10-ingress.yaml", "10-ingress-t10.yaml", "20-egress.yaml",
        "25-egress-tls-origination.yaml", "26-egress-istio-mutual.yaml", "30-security.yaml"}) {
    const std::string text = testing::ReadFileOrEmpty(source + "/examples/scenarios/" + file);
    ASSERT_FALSE(text.empty()) << file;
    for (size_t at = text.find("${"); at != std::string::npos; at = text.find("${", at + 2)) {
      const std::string name = text.substr(at + 2, text.find('}', at) - at - 2);
      EXPECT_EQ(lab_->env().count(name), 1u)
          << file << " uses ${" << name << "}, which lab.env does not define";
    }
  }
  // The log source and the gateway configuration are the lab's own.
  EXPECT_EQ(lab_->env().at("EGRESS_LOG_SOURCE"), "file://" + lab_->env().at("EGRESS_ACCESS_LOG"));
  EXPECT_EQ(lab_->env().at("GATEWAY_CONFIG_URL"), lab_->env().at("GATEWAY_ADMIN_URL"));
}

// The loopback lab is ALLOW_ANY: approved, the REGISTRY_ONLY test runs, its direct call to
// the unregistered host answers 200, and the test fails — it cannot be confirmed here.
// Approval reaches the agent only as the scheduler's assignment of an approved run: the
// agent dials a real scheduler, which hands it the run once an approver approved it.
TEST_F(AgentLabTest, ApprovedRegistryOnlyTestFailsOnAnAllowAnyLab) {
  StartLab(Lab::Options());
  ASSERT_EQ(lab_->Get("OUTBOUND_POLICY"), "ALLOW_ANY");
  auto scheduler = ServiceProcess::Start(
      BinaryPath("meshproof-scheduler"),
      {"--listen", "127.0.0.1:0", "--db", dir_.File("scheduler.db")}, dir_.File("scheduler.log"));
  ASSERT_TRUE(scheduler.ok()) << scheduler.status();
  StartAgent(
      {"--scheduler", scheduler->address(), "--namespace", "mesh-test", "--agent-id", "lab-agent"});
  ASSERT_TRUE(testing::WaitForConnectedAgent(scheduler->address(), "lab-agent").ok());
  testing::SchedulerRunOptions options;
  options.vars = lab_->env();
  auto run =
      testing::RunThroughScheduler(scheduler->address(),
                                   testing::ReadFileOrEmpty(std::string(MESHPROOF_SOURCE_DIR) +
                                                            "/examples/scenarios/20-egress.yaml"),
                                   options);
  ASSERT_TRUE(run.ok()) << run.status();
  const rv1::TestResult& gated = run->results["registry-only-blocks-unregistered"];
  EXPECT_EQ(gated.verdict(), rv1::TEST_VERDICT_FAIL) << gated.reason();
  EXPECT_EQ(gated.outcome().http().status_code(), 200u);
  EXPECT_EQ(gated.attempts(), 1u);
  EXPECT_EQ(run->results["direct-call-bypasses-gateway"].verdict(), rv1::TEST_VERDICT_PASS);
  EXPECT_EQ(run->run.state(), schedv1::RUN_STATE_FAILED) << run->run.reason();
}

// Without the egress route the configuration layer changes with the lab: the sidecar has no
// egress-gateway cluster, the gateway no 8443 listener and no cluster for the external host,
// and the call itself is black-holed. Each layer fails on its own evidence.
TEST_F(AgentLabTest, EgressRouteAbsentFailsTheConfigLayerTests) {
  Lab::Options options;
  options.egress_route_absent = true;
  StartLab(options);
  StartAgent();
  AgentRun run =
      Execute(agent_->address(), ParseFile("examples/scenarios/20-egress.yaml", lab_->env()));
  EXPECT_EQ(run.results["egress-cluster-in-sidecar"].verdict(), rv1::TEST_VERDICT_FAIL)
      << run.results["egress-cluster-in-sidecar"].reason();
  EXPECT_EQ(run.results["egress-gateway-listener"].verdict(), rv1::TEST_VERDICT_FAIL)
      << run.results["egress-gateway-listener"].reason();
  const rv1::TestResult& through = run.results["egress-through-gateway"];
  EXPECT_EQ(through.verdict(), rv1::TEST_VERDICT_FAIL) << through.reason();
  EXPECT_EQ(through.outcome().failure().class_(), scenario::v1::FAILURE_CLASS_TLS_HANDSHAKE);
  EXPECT_EQ(run.results["sni-mismatch-fails-at-tls"].verdict(), rv1::TEST_VERDICT_PASS);
  EXPECT_EQ(run.outcome.verdict(), rv1::RUN_VERDICT_FAILED);
}

TEST_F(AgentLabTest, BypassingTheGatewayReturns200ButFailsForLackOfEvidence) {
  StartLab(Lab::Options());
  StartAgent();
  const std::string yaml = absl::StrCat(R"(apiVersion: meshproof/v1
kind: Scenario
name: bypass
tests:
  - name: direct-call
    http:
      url: "https://${EXTERNAL_HOST}/get"
      connect_to: ["${EXTERNAL_HOST}:443:127.0.0.1:${EXTERNAL_DIRECT_PORT}"]
      tls: {ca_file: "${LAB_CA_FILE}"}
    expect: {status: 200}
    evidence:
      - name: gateway-access-log
        log: {file: "${EGRESS_ACCESS_LOG}", pattern: 'outbound\|443\|\|external\.test', window: 1s}
)");
  AgentRun run = Execute(agent_->address(), Parse(yaml, lab_->env()));
  const rv1::TestResult& direct = run.results["direct-call"];
  EXPECT_EQ(direct.outcome().http().status_code(), 200u);
  EXPECT_EQ(direct.verdict(), rv1::TEST_VERDICT_FAIL);
  EXPECT_THAT(
      direct.reason(),
      HasSubstr("required evidence[gateway-access-log] missing although the call gave status 200"));
  EXPECT_THAT(direct.reason(), HasSubstr("no new line for this call matching"));
}

// One agent, two labs with two CAs: each probe is verified against exactly the CA file it
// names, in either order, and a CA file replaced on disk is read again.
TEST_F(AgentLabTest, EachProbeIsVerifiedAgainstTheCaItNamesInEitherOrder) {
  StartLab(Lab::Options());
  auto second = Lab::Start(dir_.File("lab2"));
  ASSERT_TRUE(second.ok()) << second.status();
  std::unique_ptr<Lab> lab2 = std::move(*second);
  ASSERT_NE(testing::ReadFileOrEmpty(lab_->Get("LAB_CA_FILE")),
            testing::ReadFileOrEmpty(lab2->Get("LAB_CA_FILE")));
  StartAgent();
  // A test that calls `lab`'s HTTPS ingress trusting `ca`.
  auto call = [](const std::string& name, const Lab& lab, const std::string& ca) {
    return absl::StrCat("  - name: ", name, R"(
    http:
      url: "https://httpbin.example.com:)",
                        lab.Get("INGRESS_HTTPS_PORT"), R"(/status/200"
      resolve: ["httpbin.example.com:)",
                        lab.Get("INGRESS_HTTPS_PORT"), R"(:127.0.0.1"]
      tls: {ca_file: ")",
                        ca, R"("}
    expect: {status: 200}
)");
  };
  const std::string ca1 = lab_->Get("LAB_CA_FILE");
  const std::string ca2 = lab2->Get("LAB_CA_FILE");
  const std::string yaml = absl::StrCat(
      "apiVersion: meshproof/v1\nkind: Scenario\nname: two-cas\ntests:\n",
      call("right-1", *lab_, ca1), call("wrong-1", *lab2, ca1), call("right-2", *lab2, ca2),
      call("wrong-2", *lab_, ca2), call("right-1-again", *lab_, ca1));
  for (int round = 0; round < 2; ++round) {  // the second round runs on warm caches
    AgentRun run = Execute(agent_->address(), Parse(yaml, {}));
    for (const char* name : {"right-1", "right-2", "right-1-again"}) {
      EXPECT_EQ(run.results[name].verdict(), rv1::TEST_VERDICT_PASS)
          << name << ": " << run.results[name].reason();
    }
    for (const char* name : {"wrong-1", "wrong-2"}) {
      EXPECT_EQ(run.results[name].verdict(), rv1::TEST_VERDICT_FAIL) << name;
      EXPECT_THAT(run.results[name].reason(), HasSubstr("tls_verify")) << name;
    }
  }

  // One CA file path whose content changes between two runs.
  const std::string rotating = dir_.WriteFile("rotating-ca.pem", testing::ReadFileOrEmpty(ca1));
  const std::string rotating_yaml =
      absl::StrCat("apiVersion: meshproof/v1\nkind: Scenario\nname: rotating\ntests:\n",
                   call("lab-1", *lab_, rotating), call("lab-2", *lab2, rotating));
  AgentRun before = Execute(agent_->address(), Parse(rotating_yaml, {}));
  EXPECT_EQ(before.results["lab-1"].verdict(), rv1::TEST_VERDICT_PASS)
      << before.results["lab-1"].reason();
  EXPECT_EQ(before.results["lab-2"].verdict(), rv1::TEST_VERDICT_FAIL);
  dir_.WriteFile("rotating-ca.pem", testing::ReadFileOrEmpty(ca2));
  AgentRun after = Execute(agent_->address(), Parse(rotating_yaml, {}));
  EXPECT_EQ(after.results["lab-1"].verdict(), rv1::TEST_VERDICT_FAIL);
  EXPECT_THAT(after.results["lab-1"].reason(), HasSubstr("tls_verify"));
  EXPECT_EQ(after.results["lab-2"].verdict(), rv1::TEST_VERDICT_PASS)
      << after.results["lab-2"].reason();
}

TEST_F(AgentLabTest, ProbeCommandExitsOneWhenATestFails) {
  Lab::Options options;
  options.route_order = "catchall-first";
  StartLab(options);
  StartAgent();
  auto result = testing::RunCommand(
      {BinaryPath("meshproof"), "probe",
       std::string(MESHPROOF_SOURCE_DIR) + "/examples/scenarios/10-ingress.yaml", "--agent",
       agent_->address(), "--vars-file", lab_->env_file()});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("FAIL     path-match-status-418"));
  EXPECT_THAT(result.out, HasSubstr("expect.status: expected 418, got 200"));
}

TEST_F(AgentLabTest, RejectsAnInvalidScenarioNamingTheField) {
  StartAgent();
  scenario::v1::Scenario bad;
  bad.set_name("bad");
  bad.add_tests()->set_name("t");  // no probe
  auto stub = av1::ProbeAgentService::NewStub(
      grpc::CreateChannel(agent_->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  av1::ExecuteRequest request;
  *request.mutable_scenario() = bad;
  auto reader = stub->Execute(&context, request);
  av1::ExecuteEvent event;
  EXPECT_FALSE(reader->Read(&event));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("tests[0]: expected exactly one probe"));
}

scenario::v1::Scenario HangingScenario(int port) {
  return Parse(absl::StrCat(R"(apiVersion: meshproof/v1
kind: Scenario
name: hanging
tests:
  - name: never-answered
    http: {url: "http://127.0.0.1:)",
                            port, R"(/", timeout: 10m}
  - name: after
    http: {url: "http://127.0.0.1:)",
                            port, R"(/", timeout: 10m}
)"),
               {});
}

// Waits (bounded) until `path` contains `text`.
bool WaitForText(const std::string& path, const std::string& text, absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  while (absl::Now() < deadline) {
    if (testing::ReadFileOrEmpty(path).find(text) != std::string::npos) return true;
    absl::SleepFor(absl::Milliseconds(50));  // polling a file, not synchronising threads
  }
  return false;
}

TEST_F(AgentLabTest, TheCallsDeadlineAbortsTheProbeInFlight) {
  StartAgent();
  SilentListener silent;
  auto stub = av1::ProbeAgentService::NewStub(
      grpc::CreateChannel(agent_->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  av1::ExecuteRequest request;
  *request.mutable_scenario() = HangingScenario(silent.port());
  auto reader = stub->Execute(&context, request);
  av1::ExecuteEvent event;
  while (reader->Read(&event)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // The probe's timeout is ten minutes: the scenario ends only because the deadline
  // cancelled the transfer in flight.
  EXPECT_TRUE(WaitForText(dir_.File("agent.log"), "scenario hanging ended: RUN_VERDICT_CANCELLED",
                          absl::Seconds(30)))
      << testing::ReadFileOrEmpty(dir_.File("agent.log"));
}

TEST_F(AgentLabTest, SigtermDrainsThenCancelsARunningScenario) {
  StartAgent();
  SilentListener silent;
  auto stub = av1::ProbeAgentService::NewStub(
      grpc::CreateChannel(agent_->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  av1::ExecuteRequest request;
  *request.mutable_scenario() = HangingScenario(silent.port());
  auto reader = stub->Execute(&context, request);
  ASSERT_TRUE(WaitForText(dir_.File("agent.log"), "executing scenario hanging", absl::Seconds(20)));
  // Drains for up to 10 s, then cancels the call, which aborts the ten-minute probe.
  auto exit_code = agent_->Terminate(absl::Seconds(40));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
  av1::ExecuteEvent event;
  while (reader->Read(&event)) {
  }
  EXPECT_FALSE(reader->Finish().ok());
}

TEST_F(AgentLabTest, NetnsModeForcesEgressThroughTheGateway) {
  if (!testing::CanUseNetns()) GTEST_SKIP() << "network namespaces need root";
  Lab::Options options;
  options.netns = true;
  StartLab(options);
  const std::string ns = lab_->Get("MESH_NETNS");
  ASSERT_FALSE(ns.empty());
  // The agent runs inside the mesh namespace, as a pod would; its only way out is the
  // egress gateway, and port 443 is redirected there as a sidecar would.
  auto agent = ServiceProcess::Start("/usr/bin/ip",
                                     {"netns", "exec", ns, BinaryPath("meshproof-agent"),
                                      "--listen", "127.0.0.1:0", "--cluster", "lab"},
                                     dir_.File("agent-netns.log"));
  ASSERT_TRUE(agent.ok()) << agent.status();
  const std::string yaml = R"(apiVersion: meshproof/v1
kind: Scenario
name: egress-netns
tests:
  - name: plain-call-goes-through-gateway
    http: {url: "${MESH_EXTERNAL_URL}/get", tls: {ca_file: "${LAB_CA_FILE}"}}
    expect: {status: 200}
    evidence:
      - name: gateway-access-log
        log: {file: "${EGRESS_ACCESS_LOG}", pattern: 'outbound\|443\|\|external\.test', min_lines: 1, max_lines: 1}
  - name: bypass-fails
    http: {url: "${EXTERNAL_BYPASS_URL}/get", tls: {ca_file: "${LAB_CA_FILE}"}, connect_timeout: 1s, timeout: 2s}
    expect: {failure: connect_timeout}
)";
  const std::string scenario_file = dir_.WriteFile("netns.yaml", yaml);
  // The CLI runs inside the namespace too: the agent listens on the namespace's loopback.
  auto result = testing::RunCommand({"/usr/bin/ip", "netns", "exec", ns, BinaryPath("meshproof"),
                                     "probe", scenario_file, "--agent", agent->address(),
                                     "--vars-file", lab_->env_file(), "--output", "json"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("outbound|443||external.test"));
  EXPECT_THAT(result.out, HasSubstr("\"verdict\":\"RUN_VERDICT_PASSED\""));
}

// The seed's egress scenario, approved, from an agent inside the mesh namespace of a
// REGISTRY_ONLY lab (mesh.env gives the mesh's view): the direct call to the unregistered
// host is cut by the sidecar's black hole, so the REGISTRY_ONLY test passes on a measured
// block, and the ALLOW_ANY test (the direct call succeeds) fails. The egress path through
// the gateway still works. The scheduler runs in the namespace beside the agent (which
// dials it there); the test reaches the scheduler through a relay, and approves the run.
TEST_F(AgentLabTest, RegistryOnlyLabBlocksTheDirectCallFromTheMesh) {
  if (!testing::CanUseNetns()) GTEST_SKIP() << "network namespaces need root";
  Lab::Options options;
  options.netns = true;
  options.outbound_policy = "registry-only";
  StartLab(options);
  ASSERT_EQ(lab_->Get("OUTBOUND_POLICY"), "REGISTRY_ONLY");
  const std::string ns = lab_->Get("MESH_NETNS");
  auto scheduler =
      ServiceProcess::Start("/usr/bin/ip",
                            {"netns", "exec", ns, BinaryPath("meshproof-scheduler"), "--listen",
                             "127.0.0.1:0", "--db", dir_.File("scheduler.db")},
                            dir_.File("scheduler-netns.log"));
  ASSERT_TRUE(scheduler.ok()) << scheduler.status();
  auto agent =
      ServiceProcess::Start("/usr/bin/ip",
                            {"netns", "exec", ns, BinaryPath("meshproof-agent"), "--listen",
                             "127.0.0.1:0", "--cluster", "lab", "--namespace", "mesh-test",
                             "--agent-id", "mesh-agent", "--scheduler", scheduler->address()},
                            dir_.File("agent-netns.log"));
  ASSERT_TRUE(agent.ok()) << agent.status();
  const std::string inner = scheduler->address();
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(inner.substr(inner.rfind(':') + 1), &port)) << inner;
  auto relay = truth::NetnsRelay::Start(ns, "127.0.0.1", port);
  ASSERT_TRUE(relay.ok()) << relay.status();
  ASSERT_TRUE(testing::WaitForConnectedAgent((*relay)->address(), "mesh-agent").ok());

  testing::SchedulerRunOptions run_options;
  for (absl::string_view line :
       absl::StrSplit(testing::ReadFileOrEmpty(lab_->mesh_env_file()), '\n')) {
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos || absl::StartsWith(line, "#")) continue;
    run_options.vars[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  auto run =
      testing::RunThroughScheduler((*relay)->address(),
                                   testing::ReadFileOrEmpty(std::string(MESHPROOF_SOURCE_DIR) +
                                                            "/examples/scenarios/20-egress.yaml"),
                                   run_options);
  ASSERT_TRUE(run.ok()) << run.status() << "\n"
                        << testing::ReadFileOrEmpty(dir_.File("agent-netns.log"));
  std::map<std::string, rv1::TestResult>& results = run->results;
  const rv1::TestResult& gated = results["registry-only-blocks-unregistered"];
  EXPECT_EQ(gated.verdict(), rv1::TEST_VERDICT_PASS) << gated.reason();
  EXPECT_EQ(gated.outcome().failure().class_(), scenario::v1::FAILURE_CLASS_TLS_HANDSHAKE);
  EXPECT_EQ(gated.outcome().http().status_code(), 0u);
  const rv1::TestResult& direct = results["direct-call-bypasses-gateway"];
  EXPECT_EQ(direct.verdict(), rv1::TEST_VERDICT_FAIL) << direct.reason();
  EXPECT_EQ(results["egress-through-gateway"].verdict(), rv1::TEST_VERDICT_PASS)
      << results["egress-through-gateway"].reason();
  EXPECT_EQ(results["egress-gateway-listener"].verdict(), rv1::TEST_VERDICT_PASS);
  EXPECT_EQ(results["egress-cluster-in-sidecar"].verdict(), rv1::TEST_VERDICT_PASS);
}

}  // namespace
}  // namespace meshproof
