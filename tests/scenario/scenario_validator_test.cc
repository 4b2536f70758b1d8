// ValidateScenario on protos built in code, as the gRPC services receive them.
#include "services/scenario/scenario_validator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/time_util.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::scenario {
namespace {

namespace v1 = ::meshproof::scenario::v1;
using ::meshproof::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

v1::Scenario Minimal() {
  v1::Scenario s;
  s.set_name("ok");
  v1::Test* t = s.add_tests();
  t->set_name("a");
  t->mutable_probe()->mutable_tcp()->set_host("127.0.0.1");
  t->mutable_probe()->mutable_tcp()->set_port(80);
  return s;
}

v1::HttpProbe* AddHttpTest(v1::Scenario* s, const std::string& name, const std::string& url) {
  v1::Test* t = s->add_tests();
  t->set_name(name);
  v1::HttpProbe* http = t->mutable_probe()->mutable_http();
  http->set_url(url);
  return http;
}

MATCHER_P(IsInvalidWith, text, "") {
  return ::testing::ExplainMatchResult(
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(text)), arg, result_listener);
}

TEST(ValidateScenarioTest, AcceptsAMinimalScenario) { MP_EXPECT_OK(ValidateScenario(Minimal())); }

TEST(ValidateScenarioTest, ReportsEveryViolationWithItsField) {
  v1::Scenario s = Minimal();
  s.set_name("Bad Name");
  AddHttpTest(&s, "b", "ftp://x");
  const absl::Status status = ValidateScenario(s);
  EXPECT_THAT(status, IsInvalidWith("name: expected a lower-case DNS label"));
  EXPECT_THAT(status, IsInvalidWith("tests[1].http.url: expected an absolute http"));
}

TEST(ValidateScenarioTest, LineBreaksInRequestHeadersAreRefusedNamingTheField) {
  v1::Scenario s = Minimal();
  v1::HttpProbe* http = AddHttpTest(&s, "b", "http://x/get");
  v1::Header* value = http->add_headers();
  value->set_name("X-A");
  value->set_value("one\r\nX-Injected: two");
  v1::Header* name = http->add_headers();
  name->set_name("X-B\r\nX-Injected");
  name->set_value("v");
  v1::EvidenceSpec* evidence = s.mutable_tests(1)->add_evidence();
  evidence->set_name("log");
  v1::HttpLogSource* source = evidence->mutable_log()->mutable_source()->mutable_http();
  source->set_url("http://logs.test/tail");
  v1::Header* log_header = source->add_headers();
  log_header->set_name("Authorization");
  log_header->set_value("Bearer x\nHost: elsewhere");
  v1::Header* log_name = source->add_headers();
  log_name->set_name("X\rY");
  log_name->set_value("v");
  const absl::Status status = ValidateScenario(s);
  EXPECT_THAT(status, IsInvalidWith(
                          "tests[1].http.headers.X-A: header values must not contain line breaks"));
  EXPECT_THAT(status,
              IsInvalidWith("tests[1].http.headers[1]: header names must not contain line breaks"));
  EXPECT_THAT(
      status,
      IsInvalidWith(".log.headers.Authorization: header values must not contain line breaks"));
  EXPECT_THAT(status, IsInvalidWith(".log.headers[1]: header names must not contain line breaks"));
  // Nothing of the injected text is echoed.
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("Injected")));
}

TEST(ValidateScenarioTest, DuplicateTestNamesAcrossSectionsNameTheFirst) {
  v1::Scenario s = Minimal();
  *s.add_teardown() = s.tests(0);
  EXPECT_THAT(ValidateScenario(s),
              IsInvalidWith("teardown[0].name: duplicate test name \"a\" (first defined at "
                            "tests[0].name)"));
}

TEST(ValidateScenarioTest, DeferredTestsArePathedAsDeferred) {
  v1::Scenario s = Minimal();
  v1::Test* d = s.add_tests();
  d->set_name("later");
  d->mutable_deferral();  // no reason, no probe: the probe is optional, the reason is not
  EXPECT_THAT(ValidateScenario(s), IsInvalidWith("deferred[0].reason: a deferred test must say"));
  d->mutable_deferral()->set_reason("mesh-global");
  MP_EXPECT_OK(ValidateScenario(s));
}

TEST(ValidateScenarioTest, ClaimsMustExistAndBeUnique) {
  v1::Scenario s = Minimal();
  s.mutable_tests(0)->add_claims("C1");
  EXPECT_THAT(ValidateScenario(s), IsInvalidWith("tests[0].claims: unknown claim \"C1\""));
  v1::Claim* c = s.add_claims();
  c->set_id("C1");
  c->set_text("statement");
  MP_EXPECT_OK(ValidateScenario(s));
  *s.add_claims() = *c;
  EXPECT_THAT(ValidateScenario(s), IsInvalidWith("claims[1].id: duplicate claim id \"C1\""));
}

TEST(ValidateScenarioTest, RequiredProbeFieldsAndRanges) {
  v1::Scenario s = Minimal();
  s.mutable_tests(0)->mutable_probe()->mutable_tcp()->set_port(70000);
  EXPECT_THAT(ValidateScenario(s), IsInvalidWith("tests[0].tcp.port: must be between 1 and 65535"));
  s = Minimal();
  AddHttpTest(&s, "b", "");
  EXPECT_THAT(ValidateScenario(s), IsInvalidWith("tests[1].http.url: is required"));
  s = Minimal();
  s.add_tests()->set_name("c");
  s.mutable_tests(1)->mutable_probe()->mutable_envoy_admin()->set_admin_url(
      "http://127.0.0.1:15000");
  EXPECT_THAT(ValidateScenario(s), IsInvalidWith("tests[1].envoy_admin.resource: is required"));
}

TEST(ValidateScenarioTest, AdminUrlsMayNameAProxyThroughIstiod) {
  v1::Scenario s = Minimal();
  s.add_tests()->set_name("c");
  v1::EnvoyAdminProbe* admin = s.mutable_tests(1)->mutable_probe()->mutable_envoy_admin();
  admin->set_resource(v1::ENVOY_RESOURCE_LISTENERS);
  admin->set_admin_url("istiod://istiod.istio-system:15014/istio-egressgateway.istio-system");
  MP_EXPECT_OK(ValidateScenario(s));
  admin->set_admin_url("istiod://istiod.istio-system:15014/");
  EXPECT_THAT(
      ValidateScenario(s),
      IsInvalidWith("tests[1].envoy_admin.admin_url: istiod URL must name the proxy as its path"));
  admin->set_admin_url("istiod://istiod:99999/gw.ns");
  EXPECT_THAT(ValidateScenario(s), IsInvalidWith("tests[1].envoy_admin.admin_url:"));
  admin->set_admin_url("istiod://istiod:15014/gw.ns?x=1");
  EXPECT_THAT(ValidateScenario(s),
              IsInvalidWith("tests[1].envoy_admin.admin_url: istiod URL must name the proxy"));
}

TEST(ValidateScenarioTest, LogSourceUrisAreCheckedAsTheSourceTheyName) {
  v1::Scenario s = Minimal();
  v1::EvidenceSpec* e = s.mutable_tests(0)->add_evidence();
  e->set_name("log");
  e->mutable_log()->set_pattern("x");
  e->mutable_log()->mutable_source()->set_uri("k8s://istio-system/istio=egressgateway/istio-proxy");
  MP_EXPECT_OK(ValidateScenario(s));
  e->mutable_log()->mutable_source()->set_uri("file://relative.log");
  EXPECT_THAT(
      ValidateScenario(s),
      IsInvalidWith("tests[0].evidence[0].log.source: a file:// source needs an absolute path"));
  e->mutable_log()->mutable_source()->set_uri("https://");
  EXPECT_THAT(ValidateScenario(s), IsInvalidWith("tests[0].evidence[0].log.url: URL has no host"));
}

TEST(ValidateScenarioTest, DurationsArePositiveAndBounded) {
  v1::Scenario s = Minimal();
  *s.mutable_defaults()->mutable_timeout() = ToProtoDuration(absl::Minutes(11));
  EXPECT_THAT(ValidateScenario(s), IsInvalidWith("defaults.timeout: must be at most 10m"));
  s = Minimal();
  *s.mutable_tests(0)->mutable_probe()->mutable_tcp()->mutable_timeout() =
      ToProtoDuration(-absl::Seconds(1));
  EXPECT_THAT(ValidateScenario(s), IsInvalidWith("tests[0].tcp.timeout: must be positive"));
}

TEST(ValidateScenarioTest, ExpectationsMustFitTheProbe) {
  v1::Scenario s = Minimal();
  s.mutable_tests(0)->mutable_expect()->add_config_present("outbound|443||x");
  EXPECT_THAT(ValidateScenario(s),
              IsInvalidWith("tests[0].expect.config_present: applies only to envoy_admin probes"));
  s = Minimal();
  v1::StatusRange* r = s.mutable_tests(0)->mutable_expect()->add_status();
  r->set_min(200);
  r->set_max(200);
  EXPECT_THAT(ValidateScenario(s), IsInvalidWith("tests[0].expect.status: applies only to http"));
}

TEST(ValidateScenarioTest, FailureAndStatusCannotBeCombined) {
  v1::Scenario s;
  s.set_name("ok");
  AddHttpTest(&s, "a", "https://x/");
  v1::Expectation* e = s.mutable_tests(0)->mutable_expect();
  e->mutable_failure()->set_class_(v1::FAILURE_CLASS_TLS_HANDSHAKE);
  MP_EXPECT_OK(ValidateScenario(s));
  e->add_status()->set_min(200);
  e->mutable_status(0)->set_max(200);
  EXPECT_THAT(ValidateScenario(s), IsInvalidWith("tests[0].expect.failure: cannot be combined"));
}

TEST(ValidateScenarioTest, PatternsMustCompile) {
  v1::Scenario s;
  s.set_name("ok");
  AddHttpTest(&s, "a", "http://x/");
  s.mutable_tests(0)->mutable_expect()->mutable_body()->set_pattern("(unclosed");
  EXPECT_THAT(ValidateScenario(s),
              IsInvalidWith("tests[0].expect.body.pattern: invalid RE2 pattern: missing )"));
}

TEST(ValidateScenarioTest, ConvergeNeedsEnoughAttempts) {
  v1::Scenario s = Minimal();
  s.mutable_tests(0)->mutable_retry()->set_attempts(2);
  s.mutable_tests(0)->mutable_retry()->set_converge(3);
  EXPECT_THAT(ValidateScenario(s), IsInvalidWith("tests[0].retry.converge: needs at least"));
}

TEST(ValidateScenarioTest, UnsubstitutedValuesSkipOnlyTheChecksThatNeedThem) {
  v1::Scenario s;
  s.set_name("ok");
  AddHttpTest(&s, "a", "http://${HOST}:${PORT}/get");
  EXPECT_THAT(ValidateScenario(s), Not(absl::OkStatus()));
  MP_EXPECT_OK(ValidateScenario(s, /*allow_unsubstituted=*/true));
  s.mutable_tests(0)->set_name("has space");  // structure is still checked
  EXPECT_THAT(ValidateScenario(s, true), IsInvalidWith("tests[0].name: expected a name"));
}

TEST(ValidateScenarioTest, EvidenceNeedsASourceAndAPattern) {
  v1::Scenario s = Minimal();
  v1::EvidenceSpec* e = s.mutable_tests(0)->add_evidence();
  e->set_name("log");
  e->mutable_log()->set_pattern("x");
  EXPECT_THAT(ValidateScenario(s),
              IsInvalidWith("tests[0].evidence[0].log: expected exactly one log source"));
  e->mutable_log()->mutable_source()->mutable_kubernetes()->set_namespace_("istio-system");
  EXPECT_THAT(ValidateScenario(s),
              IsInvalidWith("tests[0].evidence[0].log.kubernetes.selector: is required"));
}

TEST(ValidateScenarioTest, TooManyTests) {
  v1::Scenario s = Minimal();
  for (int i = 0; i < 1000; ++i) {
    v1::Test* t = s.add_preflight();
    *t = s.tests(0);
    t->set_name("p" + std::to_string(i));
  }
  EXPECT_THAT(ValidateScenario(s), IsInvalidWith("tests: a scenario may hold at most 1000"));
}

TEST(TestPathTest, CountsRegularAndDeferredTestsApart) {
  v1::Scenario s = Minimal();
  s.add_tests()->mutable_deferral()->set_reason("r");
  *s.add_tests() = s.tests(0);
  s.add_tests()->mutable_deferral()->set_reason("r");
  EXPECT_EQ(TestPath(s, 0), "tests[0]");
  EXPECT_EQ(TestPath(s, 1), "deferred[0]");
  EXPECT_EQ(TestPath(s, 2), "tests[1]");
  EXPECT_EQ(TestPath(s, 3), "deferred[1]");
}

}  // namespace
}  // namespace meshproof::scenario
