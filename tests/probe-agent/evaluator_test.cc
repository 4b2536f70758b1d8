#include "services/probe-agent/evaluator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/scenario/scenario_parser.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;
namespace rv1 = ::meshproof::result::v1;
using ::testing::HasSubstr;

sv1::Test ParseTest(const std::string& test_yaml) {
  const std::string text =
      "apiVersion: meshproof/v1\nkind: Scenario\nname: t\ntests:\n" + test_yaml;
  auto parsed = scenario::ParseScenario(text, scenario::ParseOptions());
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? parsed->tests(0) : sv1::Test();
}

rv1::ProbeOutcome Http(uint32_t status, const std::string& body = "") {
  rv1::ProbeOutcome outcome;
  outcome.mutable_http()->set_status_code(status);
  outcome.mutable_http()->set_body_excerpt(body);
  return outcome;
}

rv1::ProbeOutcome Failed(scenario::v1::FailureClass failure_class, uint32_t curl) {
  rv1::ProbeOutcome outcome;
  outcome.mutable_http();
  outcome.mutable_failure()->set_class_(failure_class);
  outcome.mutable_failure()->set_curl_exit_code(curl);
  outcome.mutable_failure()->set_message("boom");
  return outcome;
}

const absl::Time kNow = absl::FromUnixSeconds(1780790400);

TEST(EvaluateTest, StatusMatchPassesAndMismatchSaysExpectedAndGot) {
  sv1::Test test = ParseTest(
      "  - name: a\n    http: {url: \"http://x/status/418\"}\n    expect: {status: 418}\n");
  EXPECT_EQ(Evaluate(test, Http(418), {}, kNow).verdict, rv1::TEST_VERDICT_PASS);
  Evaluation e = Evaluate(test, Http(200), {}, kNow);
  EXPECT_EQ(e.verdict, rv1::TEST_VERDICT_FAIL);
  EXPECT_EQ(e.reason, "expect.status: expected 418, got 200");
  EXPECT_EQ(e.actual_summary, "status 200");
}

TEST(EvaluateTest, EmptyExpectationMeansAny2xx) {
  sv1::Test test = ParseTest("  - name: a\n    http: {url: \"http://x/\"}\n");
  EXPECT_EQ(Evaluate(test, Http(204), {}, kNow).verdict, rv1::TEST_VERDICT_PASS);
  EXPECT_EQ(Evaluate(test, Http(301), {}, kNow).verdict, rv1::TEST_VERDICT_FAIL);
}

TEST(EvaluateTest, ExpectedTlsFailure) {
  sv1::Test test = ParseTest(
      "  - name: a\n    http: {url: \"https://x/\"}\n    expect: {failure: {class: tls_handshake, "
      "curl_exit: 35}}\n");
  EXPECT_EQ(Evaluate(test, Failed(sv1::FAILURE_CLASS_TLS_HANDSHAKE, 35), {}, kNow).verdict,
            rv1::TEST_VERDICT_PASS);
  Evaluation got_status = Evaluate(test, Http(404), {}, kNow);
  EXPECT_EQ(got_status.verdict, rv1::TEST_VERDICT_FAIL);
  EXPECT_EQ(got_status.reason,
            "expect.failure: expected fails at tls_handshake (curl 35), got status 404");
  Evaluation wrong_class = Evaluate(test, Failed(sv1::FAILURE_CLASS_CONNECT_REFUSED, 7), {}, kNow);
  EXPECT_THAT(wrong_class.reason, HasSubstr("got fails at connect_refused (curl 7)"));
}

// Several failure classes that prove the same claim: any of them passes, anything else
// (another class, or an HTTP answer) fails and names them all.
TEST(EvaluateTest, AnyOfSeveralExpectedFailureClasses) {
  sv1::Test test = ParseTest(
      "  - name: a\n    http: {url: \"http://x/\"}\n"
      "    expect: {failure: [connection_reset, empty_reply]}\n");
  EXPECT_EQ(Evaluate(test, Failed(sv1::FAILURE_CLASS_CONNECTION_RESET, 56), {}, kNow).verdict,
            rv1::TEST_VERDICT_PASS);
  EXPECT_EQ(Evaluate(test, Failed(sv1::FAILURE_CLASS_EMPTY_REPLY, 52), {}, kNow).verdict,
            rv1::TEST_VERDICT_PASS);
  Evaluation refused = Evaluate(test, Failed(sv1::FAILURE_CLASS_CONNECT_REFUSED, 7), {}, kNow);
  EXPECT_EQ(refused.verdict, rv1::TEST_VERDICT_FAIL);
  EXPECT_THAT(refused.reason,
              HasSubstr("expected fails at connection_reset or empty_reply, got fails at "
                        "connect_refused (curl 7)"));
  Evaluation answered = Evaluate(test, Http(403), {}, kNow);
  EXPECT_EQ(answered.verdict, rv1::TEST_VERDICT_FAIL);
  EXPECT_EQ(answered.reason,
            "expect.failure: expected fails at connection_reset or empty_reply, got status 403");
}

// The issuer pattern is matched against the peer's issuer, not its subject: a certificate
// whose subject names the CA but that another CA signed fails.
TEST(EvaluateTest, TlsIssuerPatternMatchesThePeersIssuer) {
  sv1::Test test = ParseTest(
      "  - name: a\n    http: {url: \"https://x/\"}\n"
      "    expect: {status: 200, tls: {issuer: \"^CN=mesh CA,\"}}\n");
  rv1::ProbeOutcome signed_by_mesh = Http(200);
  signed_by_mesh.mutable_http()->mutable_tls()->set_peer_subject("CN=gw,O=lab");
  signed_by_mesh.mutable_http()->mutable_tls()->set_peer_issuer("CN=mesh CA,O=lab");
  EXPECT_EQ(Evaluate(test, signed_by_mesh, {}, kNow).verdict, rv1::TEST_VERDICT_PASS);
  rv1::ProbeOutcome signed_by_other = Http(200);
  signed_by_other.mutable_http()->mutable_tls()->set_peer_subject("CN=mesh CA,O=lab");
  signed_by_other.mutable_http()->mutable_tls()->set_peer_issuer("CN=other CA,O=lab");
  Evaluation e = Evaluate(test, signed_by_other, {}, kNow);
  EXPECT_EQ(e.verdict, rv1::TEST_VERDICT_FAIL);
  EXPECT_THAT(e.reason, HasSubstr("expect.tls.issuer"));
  EXPECT_THAT(e.reason, HasSubstr("CN=other CA,O=lab"));
  // No TLS at all: nothing was signed, and the reason says so.
  EXPECT_THAT(Evaluate(test, Http(200), {}, kNow).reason, HasSubstr("(no certificate)"));
}

TEST(EvaluateTest, A200WithoutRequiredEvidenceFails) {
  sv1::Test test = ParseTest(
      "  - name: a\n    http: {url: \"https://x/\"}\n    evidence:\n"
      "      - {name: gateway-log, log: {file: /l, pattern: outbound}}\n");
  rv1::Evidence missing;
  missing.set_name("gateway-log");
  missing.set_required(true);
  missing.set_satisfied(false);
  missing.set_message("no new line matching /outbound/");
  Evaluation e = Evaluate(test, Http(200), {missing}, kNow);
  EXPECT_EQ(e.verdict, rv1::TEST_VERDICT_FAIL);
  EXPECT_EQ(e.reason,
            "required evidence[gateway-log] missing although the call gave status 200: no new line "
            "matching /outbound/");
  missing.set_required(false);
  EXPECT_EQ(Evaluate(test, Http(200), {missing}, kNow).verdict, rv1::TEST_VERDICT_PASS);
}

TEST(EvaluateTest, EvidenceThatCouldNotBeObservedIsAnErrorNotAFail) {
  sv1::Test test = ParseTest(
      "  - name: a\n    http: {url: \"https://x/\"}\n    evidence:\n"
      "      - {name: gateway-log, log: {file: /l, pattern: outbound}}\n"
      "      - {name: other-log, log: {file: /m, pattern: outbound}}\n");
  rv1::Evidence unreadable;
  unreadable.set_name("gateway-log");
  unreadable.set_required(true);
  unreadable.set_unobservable(true);
  unreadable.set_message("could not read the log: cannot read /l: Permission denied");
  rv1::Evidence seen;
  seen.set_name("other-log");
  seen.set_required(true);
  seen.set_satisfied(true);
  Evaluation e = Evaluate(test, Http(200), {unreadable, seen}, kNow);
  EXPECT_EQ(e.verdict, rv1::TEST_VERDICT_ERROR);
  EXPECT_EQ(e.reason,
            "could not observe evidence[gateway-log] (the call gave status 200): could not read "
            "the log: cannot "
            "read /l: Permission denied");
  // What was observed to be wrong still makes it a FAIL: the call itself ...
  EXPECT_EQ(Evaluate(test, Http(503), {unreadable, seen}, kNow).verdict, rv1::TEST_VERDICT_FAIL);
  // ... or other evidence that was read and is missing.
  seen.set_satisfied(false);
  seen.set_message("no new line for this call");
  Evaluation both = Evaluate(test, Http(200), {unreadable, seen}, kNow);
  EXPECT_EQ(both.verdict, rv1::TEST_VERDICT_FAIL);
  EXPECT_THAT(both.reason, HasSubstr("evidence[other-log]"));
  // Optional evidence that could not be observed changes nothing.
  unreadable.set_required(false);
  seen.set_satisfied(true);
  EXPECT_EQ(Evaluate(test, Http(200), {unreadable, seen}, kNow).verdict, rv1::TEST_VERDICT_PASS);
}

TEST(EvaluateTest, AnAdminInterfaceThatCannotBeReadIsAnError) {
  sv1::Test test = ParseTest(
      "  - name: a\n    envoy_admin: {admin_url: \"http://127.0.0.1:15000\", resource: clusters}\n"
      "    expect: {config_present: [\"outbound|443||external.test\"]}\n");
  Evaluation refused = Evaluate(test, Failed(sv1::FAILURE_CLASS_CONNECT_REFUSED, 7), {}, kNow);
  EXPECT_EQ(refused.verdict, rv1::TEST_VERDICT_ERROR);
  EXPECT_THAT(refused.reason, ::testing::StartsWith("could not observe the proxy configuration: "));
  // Read, and the cluster is not there: observed and wrong.
  rv1::ProbeOutcome read;
  read.mutable_config()->add_names("BlackHoleCluster");
  EXPECT_EQ(Evaluate(test, read, {}, kNow).verdict, rv1::TEST_VERDICT_FAIL);
}

TEST(EvaluateTest, UnexpectedConnectFailureIsAFailAndLocalProblemsAreErrors) {
  sv1::Test test =
      ParseTest("  - name: a\n    http: {url: \"https://x/\"}\n    expect: {status: 200}\n");
  EXPECT_EQ(Evaluate(test, Failed(sv1::FAILURE_CLASS_CONNECT_REFUSED, 7), {}, kNow).verdict,
            rv1::TEST_VERDICT_FAIL);
  // curl 77: the CA file could not be read on the agent: nothing was learnt about the mesh.
  EXPECT_EQ(Evaluate(test, Failed(sv1::FAILURE_CLASS_OTHER, 77), {}, kNow).verdict,
            rv1::TEST_VERDICT_ERROR);
}

TEST(EvaluateTest, HeadersBodyAndJson) {
  sv1::Test test = ParseTest(
      "  - name: a\n    http: {url: \"http://x/\"}\n    expect:\n"
      "      headers: {x-meshproof-route: {equals: status}}\n"
      "      body: {contains: httpbin, json: {\"headers.Host\": {equals: httpbin.example.com}, "
      "\"n.1\": {equals: \"2\"}}}\n");
  rv1::ProbeOutcome ok =
      Http(200, R"({"headers": {"Host": "httpbin.example.com"}, "n": [1, 2], "from": "httpbin"})");
  auto* header = ok.mutable_http()->add_headers();
  header->set_name("x-meshproof-route");
  header->set_value("status");
  Evaluation pass = Evaluate(test, ok, {}, kNow);
  EXPECT_EQ(pass.verdict, rv1::TEST_VERDICT_PASS) << pass.reason;
  ok.mutable_http()->mutable_headers(0)->set_value("catchall");
  Evaluation fail = Evaluate(test, ok, {}, kNow);
  EXPECT_EQ(fail.reason, "expect.headers.x-meshproof-route: expected status, got catchall");
}

TEST(EvaluateTest, ConfigNamesForEnvoyAdmin) {
  sv1::Test test = ParseTest(
      "  - name: a\n    envoy_admin: {admin_url: \"http://x:15000\", resource: clusters}\n"
      "    expect: {config_present: [\"outbound|443||external.test\"]}\n");
  rv1::ProbeOutcome outcome;
  outcome.mutable_config()->add_names("outbound|443||httpbin.org");
  Evaluation e = Evaluate(test, outcome, {}, kNow);
  EXPECT_EQ(e.verdict, rv1::TEST_VERDICT_FAIL);
  EXPECT_EQ(e.mismatches.at(0).expected(), "outbound|443||external.test");
  outcome.mutable_config()->add_names("outbound|443||external.test");
  EXPECT_EQ(Evaluate(test, outcome, {}, kNow).verdict, rv1::TEST_VERDICT_PASS);
}

}  // namespace
}  // namespace meshproof::agent
