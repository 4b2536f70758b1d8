#include "services/scenario/scenario_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <tuple>

#include "absl/strings/str_cat.h"
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
  EXPECT_NE(first.tests(0).probe().http().connect_to(0),
            second.tests(0).probe().http().connect_to(0));
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
  EXPECT_EQ(raw.tests(0).probe().http().connect_to(0),
            "external.test:443:127.0.0.1:${EGRESS_PORT}");
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
  EXPECT_THAT(
      SubstituteVars(raw, {}),
      StatusIs(
          absl::StatusCode::kInvalidArgument,
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

// Every section and probe kind, with `deferred:` written before `tests:`.
constexpr char kEveryKind[] = R"(apiVersion: meshproof/v1
kind: Scenario
name: every-kind
description: all probe kinds
labels: {area: lab}
defaults: {connect_timeout: 1s, timeout: 2s, parallelism: 1, reuse_connections: true, evidence_window: 3s, retry: {attempts: 1}}
setup:
  - name: apply
    exec: {program: kubectl, args: [apply, -f, m/], env: {KUBECONFIG: /k}, timeout: 30s}
deferred:
  - name: doc-only
    reason: needs approval
tests:
  - name: tcp-open
    tcp: {host: 127.0.0.1, port: 18080, timeout: 1s}
  - name: dns
    dns: {name: localhost, type: AAAA}
    expect: {addresses: ["::1"]}
  - name: admin
    envoy_admin: {admin_url: "http://127.0.0.1:15000", resource: config_dump}
    expect: {config_present: [a], config_absent: [b]}
  - name: exec
    exec: {program: /bin/true}
    expect: {exit_code: 3, stdout: "^ok"}
  - name: http
    labels: {layer: call}
    http:
      method: POST
      url: "https://h.test:8443/p?q=1"
      body: "{}"
      resolve: ["h.test:8443:127.0.0.1"]
      tls: {insecure: true, client_cert: /c.pem, client_key: /k.pem, sni: s.test, max_version: "1.3", no_alpn: true}
      http_version: "2-prior-knowledge"
      follow_redirects: true
      max_redirects: 3
      body_capture_bytes: 100
    expect:
      status: "500-503"
      headers: {server: {pattern: "^envoy"}, x-gone: {absent: true}, x-here: {present: true}}
      body: {contains: ok, pattern: "o+k", json: {"args": {exists: false}, "a.0": {pattern: "x"}}}
      tls: {min_version: "1.2", subject: "CN=h", issuer: "CN=ca", san: [h.test], min_days_to_expiry: 7, alpn: h2}
    evidence:
      - name: k8s
        optional: true
        log: {kubernetes: {namespace: istio-system, selector: istio=egressgateway, container: istio-proxy}, pattern: x, window: 5s}
      - name: cfg
        config: {admin_url: "http://127.0.0.1:15000", resource: listeners, absent: ["0.0.0.0_8443"]}
teardown:
  - name: delete
    exec: {program: kubectl, args: [delete, -f, m/]}
claims:
  - {id: C1, text: t, reference: r, note: n}
)";

TEST(ScenarioParserTest, ParsesEveryProbeKindAndSection) {
  MP_ASSERT_OK_AND_ASSIGN(v1::Scenario s, ParseScenario(kEveryKind, ParseOptions()));
  EXPECT_EQ(s.description(), "all probe kinds");
  EXPECT_EQ(FromProtoDuration(s.defaults().connect_timeout()), absl::Seconds(1));
  EXPECT_TRUE(s.defaults().reuse_connections());
  EXPECT_EQ(FromProtoDuration(s.defaults().evidence_window()), absl::Seconds(3));
  ASSERT_EQ(s.setup_size(), 1);
  EXPECT_EQ(s.setup(0).probe().exec().args_size(), 3);
  EXPECT_EQ(s.setup(0).probe().exec().env().at("KUBECONFIG"), "/k");
  ASSERT_EQ(s.teardown_size(), 1);
  ASSERT_EQ(s.tests_size(), 6);
  // Deferred tests follow the regular ones whatever the order of the sections.
  EXPECT_EQ(s.tests(5).name(), "doc-only");
  EXPECT_EQ(s.tests(5).deferral().reason(), "needs approval");
  EXPECT_FALSE(s.tests(5).has_probe());
  EXPECT_EQ(s.tests(0).probe().tcp().port(), 18080u);
  EXPECT_EQ(s.tests(1).probe().dns().record_type(), v1::DNS_RECORD_TYPE_AAAA);
  EXPECT_EQ(s.tests(1).expect().dns_addresses(0), "::1");
  EXPECT_EQ(s.tests(2).probe().envoy_admin().resource(), v1::ENVOY_RESOURCE_CONFIG_DUMP);
  EXPECT_EQ(s.tests(2).expect().config_absent(0), "b");
  EXPECT_EQ(s.tests(3).expect().exit_code(), 3);
  EXPECT_EQ(s.tests(3).expect().stdout_pattern(), "^ok");

  const v1::Test& t = s.tests(4);
  EXPECT_EQ(t.labels().at("layer"), "call");
  const v1::HttpProbe& http = t.probe().http();
  EXPECT_EQ(http.method(), "POST");
  EXPECT_EQ(http.body(), "{}");
  EXPECT_EQ(http.resolve(0), "h.test:8443:127.0.0.1");
  EXPECT_TRUE(http.tls().insecure());
  EXPECT_EQ(http.tls().client_cert_file(), "/c.pem");
  EXPECT_EQ(http.tls().client_key_file(), "/k.pem");
  EXPECT_EQ(http.tls().sni(), "s.test");
  EXPECT_EQ(http.tls().max_version(), v1::TLS_VERSION_1_3);
  EXPECT_TRUE(http.tls().no_alpn());
  EXPECT_EQ(http.http_version(), v1::HTTP_VERSION_2_PRIOR_KNOWLEDGE);
  EXPECT_TRUE(http.follow_redirects());
  EXPECT_EQ(http.max_redirects(), 3u);
  EXPECT_EQ(http.body_capture_bytes(), 100u);
  const v1::Expectation& e = t.expect();
  ASSERT_EQ(e.status_size(), 1);
  EXPECT_EQ(e.status(0).min(), 500u);
  EXPECT_EQ(e.status(0).max(), 503u);
  ASSERT_EQ(e.headers_size(), 3);
  EXPECT_EQ(e.headers(0).pattern(), "^envoy");
  EXPECT_TRUE(e.headers(1).absent());
  EXPECT_TRUE(e.headers(2).present());
  EXPECT_EQ(e.body().contains(), "ok");
  EXPECT_EQ(e.body().pattern(), "o+k");
  ASSERT_EQ(e.body().json_size(), 2);
  EXPECT_EQ(e.body().json(0).path(), "args");
  EXPECT_EQ(e.body().json(0).check_case(), v1::JsonExpectation::kExists);
  EXPECT_FALSE(e.body().json(0).exists());
  EXPECT_EQ(e.body().json(1).pattern(), "x");
  EXPECT_EQ(e.tls().min_version(), v1::TLS_VERSION_1_2);
  EXPECT_EQ(e.tls().subject_pattern(), "CN=h");
  EXPECT_EQ(e.tls().issuer_pattern(), "CN=ca");
  EXPECT_EQ(e.tls().san(0), "h.test");
  EXPECT_EQ(e.tls().min_days_to_expiry(), 7u);
  EXPECT_EQ(e.tls().alpn(), "h2");
  ASSERT_EQ(t.evidence_size(), 2);
  EXPECT_TRUE(t.evidence(0).optional());
  EXPECT_EQ(t.evidence(0).log().source().kubernetes().label_selector(), "istio=egressgateway");
  EXPECT_EQ(t.evidence(0).log().source().kubernetes().container(), "istio-proxy");
  EXPECT_EQ(FromProtoDuration(t.evidence(0).log().window()), absl::Seconds(5));
  EXPECT_EQ(t.evidence(1).config().resource(), v1::ENVOY_RESOURCE_LISTENERS);
  EXPECT_EQ(t.evidence(1).config().absent(0), "0.0.0.0_8443");
  EXPECT_EQ(s.claims(0).reference(), "r");
  EXPECT_EQ(s.claims(0).note(), "n");
}

TEST(ScenarioParserTest, StatusForms) {
  for (const auto& [written, min, max] :
       std::vector<std::tuple<std::string, uint32_t, uint32_t>>{{"404", 404, 404},
                                                                {"\"2xx\"", 200, 299},
                                                                {"\"500-599\"", 500, 599},
                                                                {"[418]", 418, 418}}) {
    const std::string yaml =
        "apiVersion: meshproof/v1\nkind: Scenario\nname: s\ntests:\n"
        "  - {name: a, http: {url: \"http://x/\"}, expect: {status: " +
        written + "}}\n";
    MP_ASSERT_OK_AND_ASSIGN(v1::Scenario s, ParseScenario(yaml, ParseOptions()));
    ASSERT_EQ(s.tests(0).expect().status_size(), 1) << written;
    EXPECT_EQ(s.tests(0).expect().status(0).min(), min) << written;
    EXPECT_EQ(s.tests(0).expect().status(0).max(), max) << written;
  }
}

constexpr char kVars[] = R"(apiVersion: meshproof/v1
kind: Scenario
name: vars
vars: {HOST: from-file, PORT: "80", CLUSTER: ~, UNUSED: ~}
tests:
  - name: a
    http: {url: "http://${HOST}:${PORT}/"}
)";

TEST(ScenarioParserTest, CallerValuesOverrideDeclaredDefaults) {
  ParseOptions options;
  options.vars = {{"HOST", "from-caller"}};
  MP_ASSERT_OK_AND_ASSIGN(v1::Scenario s, ParseScenario(kVars, options));
  EXPECT_EQ(s.tests(0).probe().http().url(), "http://from-caller:80/");
  EXPECT_EQ(s.vars().at("HOST"), "from-caller");
  EXPECT_EQ(s.vars().at("PORT"), "80");
}

TEST(ScenarioParserTest, AValuelessVariableIsAnErrorOnlyWhereUsed) {
  MP_EXPECT_OK(ParseScenario(kVars, ParseOptions()));  // CLUSTER and UNUSED are never used
  std::string used = kVars;
  used.replace(used.find("${HOST}"), 7, "${CLUSTER}");
  std::vector<Diagnostic> diagnostics;
  EXPECT_FALSE(ParseScenario(used, ParseOptions(), &diagnostics).ok());
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0].ToString(),
            "scenario.yaml:7:17: tests[0].http.url: variable ${CLUSTER} is declared without a "
            "default (~) and no value was given; pass --var CLUSTER=VALUE or give a vars file "
            "that sets it");
}

// A scenario that chose the API server or the token file could make the agent send its
// service-account token to any listener: those keys belong to the agent's configuration.
TEST(ScenarioParserTest, AKubernetesSourceCannotChooseTheServerOrTheCredentials) {
  for (const std::string key :
       {"api_server: https://attacker.test", "token_file: /etc/shadow", "ca_file: /tmp/ca.pem"}) {
    const std::string yaml = std::string(R"(apiVersion: meshproof/v1
kind: Scenario
name: steal
tests:
  - name: t
    http: {url: "http://x/"}
    evidence:
      - name: gw
        log:
          kubernetes: {namespace: istio-system, selector: istio=egressgateway, )") +
                             key + R"(}
          pattern: x
)";
    std::vector<Diagnostic> diagnostics;
    EXPECT_FALSE(ParseScenario(yaml, ParseOptions(), &diagnostics).ok()) << key;
    ASSERT_EQ(diagnostics.size(), 1u) << key;
    const std::string name = key.substr(0, key.find(':'));
    EXPECT_THAT(diagnostics[0].ToString(),
                HasSubstr(absl::StrCat("tests[0].evidence[0].log.kubernetes.", name,
                                       ": is set by the agent's configuration (kubernetes.", name,
                                       "), never by a scenario")));
    EXPECT_THAT(diagnostics[0].ToString(), ::testing::StartsWith("scenario.yaml:10:"));
  }
}

TEST(ScenarioParserTest, LogEvidenceTiesLinesToTheCall) {
  constexpr char kYaml[] = R"(apiVersion: meshproof/v1
kind: Scenario
name: tie
tests:
  - name: t
    http: {url: "http://x/"}
    evidence:
      - name: gw
        log:
          file: /var/log/egress.log
          pattern: outbound
          time: {pattern: '^(\S+)', format: epoch}
          skew: 250ms
          correlate: client_address
          client_address_pattern: 'client=(\S+)'
)";
  MP_ASSERT_OK_AND_ASSIGN(v1::Scenario s, ParseScenario(kYaml, ParseOptions()));
  const v1::LogEvidence& log = s.tests(0).evidence(0).log();
  EXPECT_EQ(log.time().format(), "epoch");
  EXPECT_EQ(log.time().pattern(), "^(\\S+)");
  EXPECT_EQ(log.skew().nanos(), 250000000);
  EXPECT_EQ(log.correlate(), v1::LOG_CORRELATION_CLIENT_ADDRESS);
  EXPECT_EQ(log.client_address_pattern(), "client=(\\S+)");

  std::string bad = kYaml;
  bad.replace(bad.find("client_address\n"), 14, "nearby");
  std::vector<Diagnostic> diagnostics;
  EXPECT_FALSE(ParseScenario(bad, ParseOptions(), &diagnostics).ok());
  ASSERT_FALSE(diagnostics.empty());
  EXPECT_THAT(diagnostics[0].ToString(),
              HasSubstr("tests[0].evidence[0].log.correlate: expected client_address, client_ip, "
                        "none; got \"nearby\""));
  bad = kYaml;
  bad.replace(bad.find("'^(\\S+)'"), 8, "'^\\S+'");
  diagnostics.clear();
  EXPECT_FALSE(ParseScenario(bad, ParseOptions(), &diagnostics).ok());
  ASSERT_FALSE(diagnostics.empty());
  EXPECT_THAT(diagnostics[0].ToString(), HasSubstr("log.time.pattern: needs one capture group"));
}

constexpr char kTypedReference[] = R"(apiVersion: meshproof/v1
kind: Scenario
name: typed
vars: {PORT: "18080", WAIT: 2s}
tests:
  - name: a
    tcp: {host: 127.0.0.1, port: "${PORT}", timeout: "${WAIT}"}
)";

TEST(ScenarioParserTest, TypedFieldsFromVariablesSurviveTheUnsubstitutedForm) {
  ParseOptions options;
  options.substitute_vars = false;
  MP_ASSERT_OK_AND_ASSIGN(v1::Scenario raw, ParseScenario(kTypedReference, options));
  EXPECT_EQ(raw.source().text(), kTypedReference);
  raw.set_team("payments");  // set after parsing, as the scheduler does
  MP_ASSERT_OK_AND_ASSIGN(v1::Scenario run, SubstituteVars(raw, {{"PORT", "19090"}}));
  EXPECT_EQ(run.tests(0).probe().tcp().port(), 19090u);
  EXPECT_EQ(FromProtoDuration(run.tests(0).probe().tcp().timeout()), absl::Seconds(2));
  EXPECT_EQ(run.team(), "payments");
  EXPECT_EQ(run.source().content_hash(), raw.source().content_hash());
  EXPECT_TRUE(run.source().text().empty());
  EXPECT_THAT(SubstituteVars(raw, {{"PORT", "http"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("7:34: tests[0].tcp.port: expected an integer, got \"http\"")));
}

TEST(ScenarioParserTest, TypedReferenceNamesCountInTheVersion) {
  std::string other = kTypedReference;
  other.replace(other.find("port: \"${PORT}\""), 15, "port: \"${PORT2}\"");
  other.replace(other.find("PORT: \"18080\""), 13, "PORT2: \"18080\"");
  ParseOptions options;
  options.substitute_vars = false;
  MP_ASSERT_OK_AND_ASSIGN(v1::Scenario a, ParseScenario(kTypedReference, options));
  MP_ASSERT_OK_AND_ASSIGN(v1::Scenario b, ParseScenario(other, options));
  EXPECT_NE(a.source().content_hash(), b.source().content_hash());
}

TEST(ScenarioParserTest, SurvivesHostileInputs) {
  // Each must be rejected with a diagnostic, never crash or hang.
  const std::vector<std::string> inputs = {
      std::string(100000, '['),
      std::string(50000, '{'),
      "a: &a [1]\nb: *a\n",
      "*unknown",
      "\t- x",
      std::string("apiVersion: meshproof/v1\0kind: Scenario", 39),
      "%YAML 9.9\n---\na: 1",
      "---\n---\n---\n",
      "!!binary AAAA",
      "? [a, b]\n: c\n",
  };
  for (const std::string& input : inputs) {
    std::vector<Diagnostic> diagnostics;
    EXPECT_FALSE(ParseScenario(input, ParseOptions(), &diagnostics).ok()) << input.substr(0, 40);
    EXPECT_FALSE(diagnostics.empty()) << input.substr(0, 40);
  }
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
