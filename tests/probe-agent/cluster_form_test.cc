// examples/scenarios/20-egress.yaml, unchanged, in its cluster form: the variables of
// examples/clusters/one-cluster.env, with only where things are reached overridden to
// the loopback lab. A real meshproof-agent process runs it; the probes go to the lab's
// real nginx gateway; the gateway's access log is read through a TLS fake Kubernetes API
// (token-checked) that serves the lab's live egress log as the istio-proxy container log
// of a gateway pod; the gateway's configuration is read through a fake istiod that relays
// the lab gateway's own admin config_dump.
#include <curl/curl.h>
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "meshproof/agent/v1/agent.grpc.pb.h"
#include "services/scenario/scenario_parser.h"
#include "tests/probe-agent/fake_http_server.h"
#include "tests/probe-agent/fake_kubernetes_api.h"
#include "tests/probe-agent/test_pki.h"
#include "tests/testing/lab.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace meshproof {
namespace {

namespace av1 = ::meshproof::agent::v1;
namespace rv1 = ::meshproof::result::v1;
using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::FakeKubernetesApi;
using ::meshproof::testing::FakeRequest;
using ::meshproof::testing::FakeResponse;
using ::meshproof::testing::Lab;
using ::meshproof::testing::RealFixture;
using ::meshproof::testing::ServiceProcess;
using ::testing::HasSubstr;

// A pod of the recorded real PodList: the fake API answers it for any label selector, so
// it stands for the egress gateway replica whose istio-proxy log the lab's log is.
constexpr char kGatewayPod[] = "kubernetes-bootcamp-2321272333-ix8pt";
constexpr char kOtherPod[] = "kubernetes-bootcamp-2321272333-x5rnq";
constexpr char kToken[] = "agent-sa-token";

size_t AppendBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// Returns the body of GET `url` with its status, {0, curl's error} when it could not be read.
FakeResponse HttpGet(const std::string& url) {
  CURL* curl = curl_easy_init();
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  const CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) return {502, curl_easy_strerror(code)};
  return {static_cast<int>(status), body};
}

// Reads KEY=VALUE lines (comments and blank lines skipped), as `--vars-file` does.
std::map<std::string, std::string> ReadEnvFile(const std::string& path) {
  std::map<std::string, std::string> vars;
  for (absl::string_view line : absl::StrSplit(testing::ReadFileOrEmpty(path), '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    const size_t eq = line.find('=');
    if (eq != absl::string_view::npos)
      vars[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  return vars;
}

// The lab's egress access log as the gateway container's output: its lines, oldest first.
// The fake API stamps each when it first sees it, as a kubelet does.
std::vector<std::string> ContainerOutput(const std::string& access_log) {
  const std::string text = testing::ReadFileOrEmpty(access_log);
  // Only whole lines: one still being written is output not yet received.
  const size_t end = text.rfind('\n');
  if (end == std::string::npos) return {};
  return absl::StrSplit(text.substr(0, end), '\n', absl::SkipEmpty());
}

struct AgentRun {
  std::map<std::string, rv1::TestResult> results;
  rv1::ScenarioOutcome outcome;
};

AgentRun Execute(const std::string& address, const scenario::v1::Scenario& scenario) {
  auto stub = av1::ProbeAgentService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  av1::ExecuteRequest request;
  *request.mutable_scenario() = scenario;
  auto reader = stub->Execute(&context, request);
  AgentRun run;
  av1::ExecuteEvent event;
  while (reader->Read(&event)) {
    if (event.has_result()) run.results[event.result().test()] = event.result();
    if (event.has_outcome()) run.outcome = event.outcome();
  }
  grpc::Status status = reader->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  return run;
}

const rv1::Evidence* FindEvidence(const rv1::TestResult& result, const std::string& name) {
  for (const rv1::Evidence& e : result.evidence()) {
    if (e.name() == name) return &e;
  }
  return nullptr;
}

class ClusterFormTest : public ::testing::Test {
 protected:
  ClusterFormTest()
      : pki_(testing::MakeTestPki(dir_, "apiserver")),
        api_({pki_.cert_file, pki_.key_file}),
        istiod_([this](const FakeRequest& request) { return Istiod(request); }) {
    api_.AcceptToken(kToken);
    api_.SetPods("istio-system", RealFixture("kubernetes-podlist.json"));
    api_.SetLog(kOtherPod, "");
  }

  void SetUp() override {
    ASSERT_FALSE(pki_.ca_file.empty()) << "openssl could not make the test certificates";
    ASSERT_FALSE(RealFixture("kubernetes-podlist.json").empty()) << "missing fixture";
  }

  void Start(const Lab::Options& options) {
    auto lab = Lab::Start(dir_.File("lab"), options);
    ASSERT_TRUE(lab.ok()) << lab.status();
    lab_ = std::move(*lab);
    {
      absl::MutexLock lock(&mu_);
      gateway_admin_ = lab_->Get("GATEWAY_ADMIN_URL");
    }
    ASSERT_FALSE(lab_->Get("GATEWAY_ADMIN_URL").empty());
    const std::string access_log = lab_->Get("EGRESS_ACCESS_LOG");
    api_.SetLogFeed(kGatewayPod, [access_log] { return ContainerOutput(access_log); });

    const std::string config = dir_.WriteFile(
        "agent.yaml", absl::StrCat("kubernetes:\n  api_server: ", api_.url(), "\n  token_file: ",
                                   dir_.WriteFile("token", absl::StrCat(kToken, "\n")),
                                   "\n  ca_file: ", pki_.ca_file, "\n"));
    auto agent = ServiceProcess::Start(BinaryPath("meshproof-agent"),
                                       {"--listen", "127.0.0.1:0", "--cluster", "one-cluster",
                                        "--environment-kind", "cluster", "--config", config},
                                       dir_.File("agent.log"));
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_.emplace(std::move(*agent));
  }

  // The variables of one-cluster.env; only the places things are reached at (and the CA
  // that verifies them, and the names the lab's certificates and SNI routes are for) are
  // the lab's. EGRESS_LOG_SOURCE and GATEWAY_LOG_CORRELATE stay the cluster's.
  std::map<std::string, std::string> ClusterVars() const {
    std::map<std::string, std::string> vars =
        ReadEnvFile(std::string(MESHPROOF_SOURCE_DIR) + "/examples/clusters/one-cluster.env");
    for (const char* key :
         {"EGRESS_HOST", "EGRESS_PORT", "EXTERNAL_DIRECT_HOST", "EXTERNAL_DIRECT_PORT",
          "ENVOY_ADMIN_URL", "LAB_CA_FILE", "EXTERNAL_HOST", "UNKNOWN_SNI_HOST"}) {
      vars[key] = lab_->Get(key);
    }
    const std::string istiod = absl::StrCat("127.0.0.1:", istiod_.port());
    vars["GATEWAY_CONFIG_URL"] = absl::StrCat("istiod://", istiod, "/istio-egressgateway");
    vars["GATEWAY_READY_URL"] =
        absl::StrCat("http://", istiod, "/debug/config_dump?proxyID=istio-egressgateway");
    return vars;
  }

  scenario::v1::Scenario Scenario() {
    scenario::ParseOptions options;
    options.vars = ClusterVars();
    auto parsed =
        scenario::ParseScenario(testing::ReadFileOrEmpty(std::string(MESHPROOF_SOURCE_DIR) +
                                                         "/examples/scenarios/20-egress.yaml"),
                                options);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    return parsed.ok() ? *parsed : scenario::v1::Scenario();
  }

  // The fake istiod. Not a recording: the lab gateway's own admin /config_dump, relayed
  // as istiod's /debug/config_dump for a connected proxy whose id names the egress
  // gateway, so the listeners and clusters are what the lab's gateway really has.
  FakeResponse Istiod(const FakeRequest& request) {
    std::string admin;
    {
      absl::MutexLock lock(&mu_);
      admin = gateway_admin_;
    }
    const std::string prefix = "/debug/config_dump?proxyID=";
    if (!absl::StartsWith(request.target, prefix) || admin.empty() ||
        !absl::StrContains(request.target.substr(prefix.size()), "istio-egressgateway")) {
      return {404, "Proxy not connected to this Pilot instance"};
    }
    return HttpGet(admin + "/config_dump");
  }

  testing::TempDir dir_;
  testing::TestPki pki_;
  FakeKubernetesApi api_;
  absl::Mutex mu_;
  std::string gateway_admin_ ABSL_GUARDED_BY(mu_);
  testing::FakeHttpServer istiod_;
  std::unique_ptr<Lab> lab_;
  std::optional<ServiceProcess> agent_;
};

TEST_F(ClusterFormTest, EgressPassesWithTheGatewayPodsLogLineThroughTheApi) {
  Start(Lab::Options());
  AgentRun run = Execute(agent_->address(), Scenario());
  EXPECT_EQ(run.outcome.verdict(), rv1::RUN_VERDICT_PASSED) << run.outcome.reason();
  for (const char* name :
       {"egress-cluster-in-sidecar", "egress-gateway-listener", "egress-through-gateway",
        "sni-mismatch-fails-at-tls", "direct-call-bypasses-gateway"}) {
    EXPECT_EQ(run.results[name].verdict(), rv1::TEST_VERDICT_PASS)
        << name << ": " << run.results[name].reason();
  }
  const rv1::TestResult& through = run.results["egress-through-gateway"];
  const rv1::Evidence* log = FindEvidence(through, "gateway-access-log");
  ASSERT_NE(log, nullptr);
  EXPECT_TRUE(log->satisfied()) << log->message();
  ASSERT_EQ(log->lines_size(), 1);
  EXPECT_THAT(log->lines(0), HasSubstr("outbound|443||external.test"));
  ASSERT_EQ(log->line_origins_size(), 1);
  EXPECT_EQ(log->line_origins(0), kGatewayPod);
  const rv1::Evidence* config = FindEvidence(through, "egress-cluster-config");
  ASSERT_NE(config, nullptr);
  EXPECT_TRUE(config->satisfied()) << config->message();
  EXPECT_THAT(config->source(), HasSubstr("/debug/config_dump?proxyID=istio-egressgateway"));
  // The log was read through the API with the agent's token, the container named.
  bool read_log = false;
  for (const FakeRequest& request : api_.requests()) {
    EXPECT_EQ(request.headers.at("authorization"), absl::StrCat("Bearer ", kToken));
    if (absl::StrContains(request.target, absl::StrCat("/pods/", kGatewayPod, "/log?"))) {
      read_log = true;
      EXPECT_THAT(request.target, HasSubstr("container=istio-proxy"));
    }
  }
  EXPECT_TRUE(read_log);
}

TEST_F(ClusterFormTest, WithoutTheEgressRouteTheCallThroughTheGatewayFails) {
  Lab::Options options;
  options.egress_route_absent = true;
  Start(options);
  AgentRun run = Execute(agent_->address(), Scenario());
  const rv1::TestResult& through = run.results["egress-through-gateway"];
  // The call itself is black-holed (observed and wrong), so FAIL rather than ERROR.
  EXPECT_EQ(through.verdict(), rv1::TEST_VERDICT_FAIL) << through.reason();
  EXPECT_EQ(through.outcome().failure().class_(), scenario::v1::FAILURE_CLASS_TLS_HANDSHAKE);
  EXPECT_NE(run.outcome.verdict(), rv1::RUN_VERDICT_PASSED);
  EXPECT_EQ(run.results["egress-gateway-listener"].verdict(), rv1::TEST_VERDICT_FAIL)
      << run.results["egress-gateway-listener"].reason();
}

TEST_F(ClusterFormTest, AnApiThatRefusesTheLogIsErrorNeverPass) {
  Start(Lab::Options());
  api_.FailWith(
      403, "pods \\\"istio-egressgateway\\\" is forbidden: cannot get resource \\\"pods/log\\\"");
  AgentRun run = Execute(agent_->address(), Scenario());
  const rv1::TestResult& through = run.results["egress-through-gateway"];
  EXPECT_EQ(through.verdict(), rv1::TEST_VERDICT_ERROR) << through.reason();
  const rv1::Evidence* log = FindEvidence(through, "gateway-access-log");
  ASSERT_NE(log, nullptr);
  EXPECT_FALSE(log->satisfied());
  EXPECT_TRUE(log->unobservable()) << log->message();
  EXPECT_THAT(log->message(), HasSubstr("403"));
}

}  // namespace
}  // namespace meshproof
