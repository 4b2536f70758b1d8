// Probe features against the lab with a real meshproof-agent, each with a twin that must
// fail: an SNI different from the URL's host, client certificates (right, wrong, none),
// certificate assertions (subject, issuer, SAN, expiry window, ALPN), a TCP probe that
// expects a refusal, and a DNS probe answered by the hosts file. The reproduction line of
// every result is executed and must give the outcome the probe observed.

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "meshproof/agent/v1/agent.grpc.pb.h"
#include "services/scenario/scenario_parser.h"
#include "tests/testing/lab.h"
#include "tests/testing/loopback_listener.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace meshproof {
namespace {

namespace av1 = ::meshproof::agent::v1;
namespace rv1 = ::meshproof::result::v1;
using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::Lab;
using ::meshproof::testing::ServiceProcess;
using ::testing::HasSubstr;

using Results = std::map<std::string, rv1::TestResult>;

// Runs the reproduction line of `result` (its first line: the probe) in bash and checks it
// ends as the probe did: the same HTTP status and curl exit code, the same connect
// success for `nc -z`, the same addresses for `getent`.
void ExpectReproductionAgrees(const std::string& name, const rv1::TestResult& result) {
  const std::string line = result.reproduction().substr(0, result.reproduction().find('\n'));
  SCOPED_TRACE(absl::StrCat(name, ": ", line));
  const testing::CommandResult command = testing::RunCommand({"/bin/bash", "-c", line});
  const rv1::ProbeOutcome& outcome = result.outcome();
  if (outcome.has_http()) {
    char code[8];
    std::snprintf(code, sizeof(code), "%03u", outcome.http().status_code());
    EXPECT_EQ(absl::StripAsciiWhitespace(command.out), code) << command.err;
    EXPECT_EQ(command.exit_code,
              outcome.has_failure() ? static_cast<int>(outcome.failure().curl_exit_code()) : 0)
        << command.err;
  } else if (outcome.has_tcp() || (outcome.has_failure() && line.rfind("nc ", 0) == 0)) {
    EXPECT_EQ(command.exit_code == 0, !outcome.has_failure()) << command.err;
  } else if (outcome.has_dns()) {
    EXPECT_EQ(command.exit_code, 0) << command.err;
    for (const std::string& address : outcome.dns().addresses()) {
      EXPECT_THAT(command.out, HasSubstr(address));
    }
  } else {
    ADD_FAILURE() << "no probe outcome to compare with";
  }
}

class ProbeFeaturesLabTest : public ::testing::Test {
 protected:
  void Start(const std::vector<std::string>& lab_args = {}) {
    Lab::Options options;
    options.extra_args = lab_args;
    auto lab = Lab::Start(dir_.File("lab"), options);
    ASSERT_TRUE(lab.ok()) << lab.status();
    lab_ = std::move(*lab);
    auto agent = ServiceProcess::Start(
        BinaryPath("meshproof-agent"),
        {"--listen", "127.0.0.1:0", "--cluster", "lab", "--environment-kind", "lab"},
        dir_.File("agent.log"));
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_.emplace(std::move(*agent));
  }

  Results Execute(const std::string& yaml, const std::map<std::string, std::string>& extra = {}) {
    std::map<std::string, std::string> vars = lab_->env();
    for (const auto& [key, value] : extra) vars[key] = value;
    scenario::ParseOptions options;
    options.vars = vars;
    auto parsed = scenario::ParseScenario(yaml, options);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    Results results;
    if (!parsed.ok()) return results;
    auto stub = av1::ProbeAgentService::NewStub(
        grpc::CreateChannel(agent_->address(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    av1::ExecuteRequest request;
    *request.mutable_scenario() = *parsed;
    auto reader = stub->Execute(&context, request);
    av1::ExecuteEvent event;
    while (reader->Read(&event)) {
      if (event.has_result()) results[event.result().test()] = event.result();
    }
    const grpc::Status status = reader->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    return results;
  }

  Results ExecuteFile(const std::string& name) {
    return Execute(testing::ReadFileOrEmpty(
        absl::StrCat(MESHPROOF_SOURCE_DIR, "/examples/scenarios/", name, ".yaml")));
  }

  testing::TempDir dir_;
  std::unique_ptr<Lab> lab_;
  std::optional<ServiceProcess> agent_;
};

// The URL names an address; the SNI names the host. The ingress picks its server by SNI:
// the right name answers (and the ingress logs that SNI for this very connection), a name
// it has no server for is refused in the handshake.
TEST_F(ProbeFeaturesLabTest, SniOverrideDifferentFromTheUrlHost) {
  Start();
  Results results = Execute(R"(apiVersion: meshproof/v1
kind: Scenario
name: sni-override
defaults: {evidence_window: 2s}
tests:
  - name: sni-route-host
    http:
      url: "https://127.0.0.1:${INGRESS_HTTPS_PORT}/get"
      tls: {sni: "${ROUTE_HOST}", ca_file: "${LAB_CA_FILE}"}
    expect:
      status: 200
      tls: {san: ["${ROUTE_HOST}"]}
    evidence:
      - name: ingress-line
        log:
          file: "${INGRESS_ACCESS_LOG}"
          pattern: '"GET /get HTTP/[0-9.]+" 200 .* ${ROUTE_HOST} catchall$'
          max_lines: 1
          correlate: client_address
  - name: sni-unknown-host
    http:
      url: "https://127.0.0.1:${INGRESS_HTTPS_PORT}/get"
      tls: {sni: "${UNKNOWN_SNI_HOST}", ca_file: "${LAB_CA_FILE}"}
    expect: {status: 200}
)");
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results["sni-route-host"].verdict(), rv1::TEST_VERDICT_PASS)
      << results["sni-route-host"].reason();
  EXPECT_THAT(
      results["sni-route-host"].reproduction(),
      HasSubstr(absl::StrCat("--connect-to httpbin.example.com:", lab_->Get("INGRESS_HTTPS_PORT"),
                             ":127.0.0.1:", lab_->Get("INGRESS_HTTPS_PORT"))));
  const rv1::TestResult& unknown = results["sni-unknown-host"];
  EXPECT_EQ(unknown.verdict(), rv1::TEST_VERDICT_FAIL);
  EXPECT_EQ(unknown.outcome().failure().class_(), scenario::v1::FAILURE_CLASS_TLS_HANDSHAKE);
  EXPECT_EQ(unknown.outcome().failure().curl_exit_code(), 35u);
  for (const auto& [name, result] : results) ExpectReproductionAgrees(name, result);
}

// Client certificates right, wrong (another CA), none, and a mesh identity the policy does
// not allow, as 30-security and 26-egress-istio-mutual present them; every reproduction
// line (curl with --cert/--key, --tls-max, --connect-to for the SNI) ends the same way.
TEST_F(ProbeFeaturesLabTest, ClientCertificatesAndTheirReproductionLines) {
  Start();
  Results security = ExecuteFile("30-security");
  ASSERT_EQ(security.size(), 8u);
  EXPECT_EQ(security["allowed-identity-200"].outcome().http().status_code(), 200u);
  EXPECT_EQ(security["other-identity-denied-403"].outcome().http().status_code(), 403u);
  EXPECT_EQ(security["no-client-cert-refused"].outcome().failure().curl_exit_code(), 35u);
  EXPECT_EQ(security["foreign-client-cert-refused"].outcome().failure().curl_exit_code(), 35u);
  EXPECT_THAT(security["foreign-client-cert-refused"].outcome().failure().message(),
              HasSubstr("unknown ca"));
  for (const auto& [name, result] : security) ExpectReproductionAgrees(name, result);
  Results mutual = ExecuteFile("26-egress-istio-mutual");
  ASSERT_EQ(mutual.size(), 3u);
  for (const auto& [name, result] : mutual) {
    EXPECT_EQ(result.verdict(), rv1::TEST_VERDICT_PASS) << name << ": " << result.reason();
    ExpectReproductionAgrees(name, result);
  }
}

// Every certificate assertion holds against the ingress's certificate, and each one, made
// wrong on its own, fails naming its field.
TEST_F(ProbeFeaturesLabTest, CertificateAssertionsPassAndEachWrongOneFails) {
  Start();
  const std::string probe = R"(
    http:
      url: "${INGRESS_HTTPS_URL}/status/200"
      resolve: ["${INGRESS_HTTPS_RESOLVE}"]
      tls: {ca_file: "${LAB_CA_FILE}"}
      http_version: "2"
)";
  const std::string yaml =
      absl::StrCat(R"(apiVersion: meshproof/v1
kind: Scenario
name: certificate-assertions
tests:
  - name: all-hold)",
                   probe, R"(    expect:
      status: 200
      tls:
        min_version: "1.2"
        subject: "^CN=httpbin\\.example\\.com,O=meshproof lab$"
        issuer: "^CN=meshproof lab CA,O=meshproof lab$"
        san: ["${ROUTE_HOST}"]
        min_days_to_expiry: 29
        alpn: h2
  - name: wrong-subject)",
                   probe, R"(    expect: {tls: {subject: "CN=other\\.example\\.com"}}
  - name: wrong-issuer)",
                   probe, R"(    expect: {tls: {issuer: "meshproof lab mesh CA"}}
  - name: wrong-san)",
                   probe, R"(    expect: {tls: {san: [other.example.com]}}
  - name: expiry-window-too-long)",
                   probe, R"(    expect: {tls: {min_days_to_expiry: 31}}
  - name: wrong-alpn)",
                   probe, R"(    expect: {tls: {alpn: http/1.1}}
)");
  Results results = Execute(yaml);
  ASSERT_EQ(results.size(), 6u);
  EXPECT_EQ(results["all-hold"].verdict(), rv1::TEST_VERDICT_PASS) << results["all-hold"].reason();
  const std::map<std::string, std::string> field = {
      {"wrong-subject", "expect.tls.subject"},
      {"wrong-issuer", "expect.tls.issuer"},
      {"wrong-san", "expect.tls.san"},
      {"expiry-window-too-long", "expect.tls.min_days_to_expiry"},
      {"wrong-alpn", "expect.tls.alpn"}};
  for (const auto& [name, want] : field) {
    EXPECT_EQ(results[name].verdict(), rv1::TEST_VERDICT_FAIL) << name;
    EXPECT_THAT(results[name].reason(), HasSubstr(want)) << name;
  }
  EXPECT_THAT(results["expiry-window-too-long"].reason(), HasSubstr("got 29 days"));
  ExpectReproductionAgrees("all-hold", results["all-hold"]);
}

// A TCP probe that expects a refusal passes on a closed port and fails on the lab's
// listening ingress; `nc -z` agrees with each.
TEST_F(ProbeFeaturesLabTest, TcpProbeExpectingARefusal) {
  Start();
  testing::RefusingPort closed;
  Results results = Execute(R"(apiVersion: meshproof/v1
kind: Scenario
name: tcp-refusal
tests:
  - name: closed-port-refuses
    tcp: {host: 127.0.0.1, port: "${CLOSED_PORT}", timeout: 2s}
    expect: {failure: connect_refused}
  - name: listening-port-refuses
    tcp: {host: 127.0.0.1, port: "${INGRESS_HTTP_PORT}", timeout: 2s}
    expect: {failure: connect_refused}
)",
                            {{"CLOSED_PORT", std::to_string(closed.port())}});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results["closed-port-refuses"].verdict(), rv1::TEST_VERDICT_PASS)
      << results["closed-port-refuses"].reason();
  EXPECT_EQ(results["listening-port-refuses"].verdict(), rv1::TEST_VERDICT_FAIL);
  EXPECT_THAT(results["listening-port-refuses"].reason(), HasSubstr("connect_refused"));
  for (const auto& [name, result] : results) ExpectReproductionAgrees(name, result);
}

// True when this machine answers `localhost` from /etc/hosts before any DNS server is
// asked: nsswitch lists `files` first and the hosts file maps it to 127.0.0.1.
bool LocalhostComesFromTheHostsFile() {
  std::ifstream nsswitch("/etc/nsswitch.conf");
  std::string line;
  bool files_first = false;
  while (std::getline(nsswitch, line)) {
    std::vector<std::string> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipWhitespace());
    if (words.size() >= 2 && words[0] == "hosts:") files_first = words[1] == "files";
  }
  std::ifstream hosts("/etc/hosts");
  bool mapped = false;
  while (std::getline(hosts, line)) {
    std::vector<std::string> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipWhitespace());
    if (words.size() >= 2 && words[0] == "127.0.0.1") {
      for (size_t i = 1; i < words.size() && words[i][0] != '#'; ++i) {
        if (words[i] == "localhost") mapped = true;
      }
    }
  }
  return files_first && mapped;
}

// The DNS probe resolves through the system resolver. The lab has no DNS server of its
// own, and the machine's DNS must never be asked: only a name the hosts file answers is
// used, and the test is skipped when the machine would not answer it from there.
TEST_F(ProbeFeaturesLabTest, DnsProbeAnsweredByTheHostsFile) {
  if (!LocalhostComesFromTheHostsFile()) {
    GTEST_SKIP() << "localhost is not answered from /etc/hosts before DNS here; a DNS probe "
                    "would query the machine's resolver, which these tests never do";
  }
  Start();
  Results results = Execute(R"(apiVersion: meshproof/v1
kind: Scenario
name: dns-hosts-file
tests:
  - name: localhost-resolves
    dns: {name: localhost, type: A, timeout: 2s}
    expect: {addresses: [127.0.0.1]}
  - name: localhost-wrong-address
    dns: {name: localhost, type: A, timeout: 2s}
    expect: {addresses: [127.0.0.2]}
)");
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results["localhost-resolves"].verdict(), rv1::TEST_VERDICT_PASS)
      << results["localhost-resolves"].reason();
  EXPECT_EQ(results["localhost-wrong-address"].verdict(), rv1::TEST_VERDICT_FAIL);
  EXPECT_THAT(results["localhost-wrong-address"].reason(), HasSubstr("127.0.0.2"));
  for (const auto& [name, result] : results) ExpectReproductionAgrees(name, result);
}

}  // namespace
}  // namespace meshproof
