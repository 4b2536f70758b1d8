#include "services/scenario/scenario_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/time_util.h"
#include "services/scenario/content_hash.h"
#include "services/scenario/scenario_validator.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::scenario {
namespace {

namespace v1 = ::meshproof::scenario::v1;
using ::meshproof::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kRich[] = R"(apiVersion: meshproof/v1
kind: Scenario
name: 20-egress
team: platform
labels: {area: egress}
target: {cluster: "${CLUSTER}", namespace: mesh-test, agent: {zone: lab}}
vars:
  CLUSTER: homelab
  EGRESS_PORT: "443"
  LOG: /var/log/egress.log
defaults: {timeout: 8s, retry: {attempts: 2, backoff: 250ms}, parallelism: 2}
preflight:
  - name: admin-ready
    http: {url: "http://127.0.0.1:15000/ready"}
tests:
  - name: through-gateway
    proves: the call went through the gateway
    claims: [C2]
    http:
      method: GET
      url: "https://external.test/get"
      headers: {Host: external.test, X-Trace: "1"}
      connect_to: ["external.test:443:127.0.0.1:${EGRESS_PORT}"]
      tls: {ca_file: /ca.pem, min_version: "1.2"}
      http_version: "1.1"
    expect:
      status: [200, "3xx"]
      headers: {x-route: {equals: status}}
      body: {json: {"headers.Host": {equals: external.test}}}
      max_latency: 1500ms
    evidence:
      - name: gateway-log
        log: {file: "${LOG}", pattern: 'outbound\|443\|\|external\.test', min_lines: 1, max_lines: 1, window: 2s}
    retry: {attempts: 3, on_failure: true, converge: 2}
  - name: sni-mismatch
    http: {url: "https://unknown.test/get"}
    expect: {failure: {class: tls_handshake, curl_exit: 35}}
deferred:
  - name: registry-only
    reason: mesh-global change
    requires_approval: true
    http: {url: "https://blocked.test/"}
    expect: {failure: connection_reset}
claims:
  - {id: C2, text: passthrough routes on SNI, reference: "https://istio.io/"}
)";

TEST(ScenarioParserTest, ParsesEveryPartOfARichScenario) {
  ParseOptions options;
  options.file_name = "20-egress.yaml";
  options.vars = {{"EGRESS_PORT", "18003"}};
  MP_ASSERT_OK_AND_ASSIGN(v1::Scenario s, ParseScenario(kRich, options));
  EXPECT_EQ(s.name(), "20-egress");
  EXPECT_EQ(s.target().cluster(), "homelab");
  EXPECT_EQ(s.target().agent_selector().at("zone"), "lab");
  EXPECT_EQ(FromProtoDuration(s.defaults().timeout()), absl::Seconds(8));
  EXPECT_EQ(s.defaults().retry().attempts(), 2u);
  ASSERT_EQ(s.preflight_size(), 1);
  ASSERT_EQ(s.tests_size(), 3);

  const v1::Test& t = s.tests(0);
  EXPECT_EQ(t.proves(), "the call went through the gateway");
  const v1::HttpProbe& http = t.probe().http();
  EXPECT_EQ(http.connect_to(0), "external.test:443:127.0.0.1:18003");  // the caller's value won
  ASSERT_EQ(http.headers_size(), 2);
  EXPECT_EQ(http.headers(0).name(), "Host");  // file order kept
  EXPECT_EQ(http.tls().min_version(), v1::TLS_VERSION_1_2);
  EXPECT_EQ(http.http_version(), v1::HTTP_VERSION_1_1);
  ASSERT_EQ(t.expect().status_size(), 2);
  EXPECT_EQ(t.expect().status(1).min(), 300u);
  EXPECT_EQ(t.expect().status(1).max(), 399u);
  EXPECT_EQ(t.expect().headers(0).equals(), "status");
  EXPECT_EQ(t.expect().body().json(0).path(), "headers.Host");
  EXPECT_EQ(FromProtoDuration(t.expect().max_latency()), absl::Milliseconds(1500));
  ASSERT_EQ(t.evidence_size(), 1);
  EXPECT_EQ(t.evidence(0).log().source().file().path(), "/var/log/egress.log");
  EXPECT_EQ(t.evidence(0).log().max_lines(), 1u);
  EXPECT_EQ(t.retry().converge(), 2u);

  EXPECT_EQ(s.tests(1).expect().failure().class_(), v1::FAILURE_CLASS_TLS_HANDSHAKE);
  EXPECT_EQ(s.tests(1).expect().failure().curl_exit_code(), 35u);
  EXPECT_TRUE(s.tests(2).has_deferral());
  EXPECT_TRUE(s.tests(2).deferral().requires_approval());
  EXPECT_EQ(s.tests(2).expect().failure().class_(), v1::FAILURE_CLASS_CONNECTION_RESET);
  EXPECT_EQ(s.vars().at("EGRESS_PORT"), "18003");
  EXPECT_EQ(s.source().file_name(), "20-egress.yaml");
  EXPECT_EQ(s.source().content_hash().size(), 64u);
}

TEST(ScenarioParserTest, VersionDoesNotDependOnVariableValues) {
  ParseOptions a, b;
  b.vars = {{"EGRESS_PORT", "19999"}};
  MP_ASSERT_OK_AND_ASSIGN(v1::Scenario first, ParseScenario(kRich, a));
  MP_ASSERT_OK_AND_ASSIGN(v1::Scenario second, ParseScenario(kRich, b));
  EXPECT_EQ(first.source().content_hash(), second.source().content_hash());
  EXPECT_NE(first.tests(0).probe().http().connect_to(0), second.tests(0).probe().http().connect_to(0));
}

TEST(ScenarioParserTest, VersionChangesWithContent) {
  std::string changed = kRich;
  changed.replace(changed.find("parallelism: 2"), 14, "parallelism: 3");
  MP_ASSERT_OK_AND_ASSIGN(v1::Scenario first, ParseScenario(kRich, ParseOptions()));
  MP_ASSERT_OK_AND_ASSIGN(v1::Scenario second, ParseScenario(changed, ParseOptions()));
  EXPECT_NE(first.source().content_hash(), second.source().content_hash());
}

TEST(ScenarioParserTest, UnsubstitutedFormKeepsReferencesAndSubstitutesLater) {
  ParseOptions options;
  options.substitute_vars = false;
  MP_ASSERT_OK_AND_ASSIGN(v1::Scenario raw, ParseScenario(kRich, options));
  EXPECT_EQ(raw.tests(0).probe().http().connect_to(0), "external.test:443:127.0.0.1:${EGRESS_PORT}");
  MP_ASSERT_OK_AND_ASSIGN(v1::Scenario run, SubstituteVars(raw, {{"EGRESS_PORT", "18443"}}));
  EXPECT_EQ(run.tests(0).probe().http().connect_to(0), "external.test:443:127.0.0.1:18443");
  EXPECT_EQ(run.target().cluster(), "homelab");
  EXPECT_EQ(run.source().content_hash(), raw.source().content_hash());
}

TEST(ScenarioParserTest, SubstituteVarsNamesTheFieldOfAnUndefinedVariable) {
  ParseOptions options;
  options.substitute_vars = false;
  std::string text = kRich;
  text.replace(text.find("${LOG}"), 6, "${MISSING}");
  MP_ASSERT_OK_AND_ASSIGN(v1::Scenario raw, ParseScenario(text, options));
  EXPECT_THAT(SubstituteVars(raw, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("tests[0].evidence[0].log.source.file.path: undefined variable ${MISSING}")));
}

TEST(ScenarioParserTest, EscapedReferenceStaysLiteral) {
  std::string text = kRich;
  text.replace(text.find("the call went through the gateway"), 33, "costs $${PRICE}");
  MP_ASSERT_OK_AND_ASSIGN(v1::Scenario s, ParseScenario(text, ParseOptions()));
  EXPECT_EQ(s.tests(0).proves(), "costs ${PRICE}");
}

TEST(ScenarioParserTest, ReportsEveryProblemNotJustTheFirst) {
  constexpr char kTwoProblems[] = R"(apiVersion: meshproof/v1
kind: Scenario
name: t
tests:
  - name: a
    http: {url: "http://x/get", timeout: fast}
  - name: b
    tcp: {host: x, port: 0}
)";
  std::vector<Diagnostic> diagnostics;
  auto parsed = ParseScenario(kTwoProblems, ParseOptions(), &diagnostics);
  ASSERT_FALSE(parsed.ok());
  ASSERT_EQ(diagnostics.size(), 2u);
  EXPECT_EQ(diagnostics[0].line, 6);
  EXPECT_EQ(diagnostics[1].line, 8);
  EXPECT_EQ(diagnostics[1].field, "tests[1].tcp.port");
}

TEST(ScenarioParserTest, RejectsOversizedFiles) {
  std::string huge(2 << 20, '#');
  EXPECT_THAT(ParseScenario(huge, ParseOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 1048576")));
}

TEST(ScenarioParserTest, RejectsTooManyTests) {
  std::string text = "apiVersion: meshproof/v1\nkind: Scenario\nname: t\ntests:\n";
  for (int i = 0; i < 1001; ++i) {
    text += "  - {name: t" + std::to_string(i) + ", tcp: {host: x, port: 80}}\n";
  }
  EXPECT_THAT(ParseScenario(text, ParseOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("more than 1000")));
}

TEST(ValidateScenarioTest, AppliesTheSameRulesToProtos) {
  v1::Scenario scenario;
  scenario.set_name("Bad Name");
  v1::Test* test = scenario.add_tests();
  test->set_name("a");
  test->mutable_probe()->mutable_http()->set_url("ftp://x");
  EXPECT_THAT(ValidateScenario(scenario),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::AllOf(HasSubstr("name: expected a lower-case DNS label"),
                                        HasSubstr("tests[0].http.url: expected an absolute http"))));
}

TEST(ValidateScenarioTest, AcceptsAMinimalScenario) {
  v1::Scenario scenario;
  scenario.set_name("ok");
  v1::Test* test = scenario.add_tests();
  test->set_name("a");
  test->mutable_probe()->mutable_tcp()->set_host("127.0.0.1");
  test->mutable_probe()->mutable_tcp()->set_port(80);
  MP_EXPECT_OK(ValidateScenario(scenario));
}

TEST(ExamplesTest, SeedScenariosParse) {
  for (const char* name : {"10-ingress", "20-egress"}) {
    const std::string path =
        std::string(MESHPROOF_SOURCE_DIR) + "/examples/scenarios/" + name + ".yaml";
    ParseOptions options;
    options.file_name = path;
    auto parsed = ParseScenario(testing::ReadFileOrEmpty(path), options);
    MP_ASSERT_OK(parsed);
    EXPECT_EQ(parsed->name(), name);
  }
}

}  // namespace
}  // namespace meshproof::scenario
