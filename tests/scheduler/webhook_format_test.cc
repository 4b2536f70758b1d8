// Webhook pieces that need no scheduler: the HMAC signature (RFC 4231 vector), the JSON
// and Slack bodies (parsed back as JSON), the backoff schedule with its jitter bounds,
// URL validation, the host allowlist, the config section and regression detection.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "services/scheduler/scheduler_config.h"
#include "services/scheduler/webhook_config.h"
#include "services/scheduler/webhook_events.h"
#include "services/scheduler/webhook_payload.h"
#include "services/scheduler/webhook_sender.h"
#include "services/scheduler/webhook_signing.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::scheduler::testing {
namespace {

namespace rv1 = meshproof::result::v1;
using ::meshproof::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

google::protobuf::Struct ParseJson(const std::string& text) {
  google::protobuf::Struct out;
  auto status = google::protobuf::util::JsonStringToMessage(text, &out);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << text;
  return out;
}

// ------------------------------------------------------------------------ signing

TEST(WebhookSigningTest, MatchesTheRfc4231Vector) {
  // RFC 4231, test case 2.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WebhookSigningTest, SignatureCoversTheExactBodyAndTheSecret) {
  const std::string body = R"({"id":"e1","kind":"run.fixed"})";
  const std::string sig = WebhookSignature("s3cret", body);
  EXPECT_EQ(sig, "sha256=" + HmacSha256Hex("s3cret", body));
  EXPECT_TRUE(VerifyWebhookSignature("s3cret", body, sig));
  EXPECT_FALSE(VerifyWebhookSignature("s3cret", body + " ", sig));
  EXPECT_FALSE(VerifyWebhookSignature("other", body, sig));
  EXPECT_FALSE(VerifyWebhookSignature("s3cret", body, sig.substr(0, sig.size() - 1) + "0"));
  EXPECT_FALSE(VerifyWebhookSignature("s3cret", body, ""));
}

// ------------------------------------------------------------------------ payloads

WebhookEvent RegressionEvent() {
  WebhookEvent e;
  e.event_id = "run.regressed:run-1";
  e.kind = std::string(kEventRunRegressed);
  e.team = "payments";
  e.schedule_id = "nightly";
  e.occurred_at = absl::FromUnixSeconds(1800000000);
  e.summary = "1 test passed last time and fails now in checkout <on> \"lab\"";
  e.run_id = "run-1";
  e.scenario = "checkout";
  e.cluster = "lab";
  e.run_state = "FAILED";
  e.tests.push_back({"mtls-strict", "PASS", "FAIL", "run-0"});
  return e;
}

TEST(WebhookPayloadTest, JsonBodyCarriesTheEventAndParses) {
  const std::string body = RenderJsonPayload(RegressionEvent());
  google::protobuf::Struct doc = ParseJson(body);
  const auto& f = doc.fields();
  EXPECT_EQ(f.at("id").string_value(), "run.regressed:run-1");
  EXPECT_EQ(f.at("kind").string_value(), "run.regressed");
  EXPECT_EQ(f.at("team").string_value(), "payments");
  EXPECT_EQ(f.at("occurred_at").string_value(), "2027-01-15T08:00:00.000Z");
  EXPECT_EQ(f.at("summary").string_value(),
            "1 test passed last time and fails now in checkout <on> \"lab\"");
  const auto& run = f.at("run").struct_value().fields();
  EXPECT_EQ(run.at("run_id").string_value(), "run-1");
  EXPECT_EQ(run.at("cluster").string_value(), "lab");
  EXPECT_EQ(run.at("state").string_value(), "FAILED");
  EXPECT_EQ(run.at("schedule_id").string_value(), "nightly");
  const auto& tests = f.at("tests").list_value();
  ASSERT_EQ(tests.values_size(), 1);
  const auto& t = tests.values(0).struct_value().fields();
  EXPECT_EQ(t.at("test").string_value(), "mtls-strict");
  EXPECT_EQ(t.at("before").string_value(), "PASS");
  EXPECT_EQ(t.at("now").string_value(), "FAIL");
  EXPECT_EQ(t.at("previous_run_id").string_value(), "run-0");
  EXPECT_EQ(f.count("schedule"), 0u);
  EXPECT_EQ(f.count("agent"), 0u);
}

TEST(WebhookPayloadTest, ScheduleAndAgentEventsHaveTheirSections) {
  WebhookEvent e;
  e.event_id = "schedule.not_fired:nightly@1";
  e.kind = std::string(kEventScheduleNotFired);
  e.team = "payments";
  e.schedule_id = "nightly";
  e.fire_time = absl::FromUnixSeconds(1800000000);
  e.message = "undefined variable PORT";
  google::protobuf::Struct doc = ParseJson(RenderJsonPayload(e));
  const auto& s = doc.fields().at("schedule").struct_value().fields();
  EXPECT_EQ(s.at("schedule_id").string_value(), "nightly");
  EXPECT_EQ(s.at("fire_time").string_value(), "2027-01-15T08:00:00.000Z");
  EXPECT_EQ(s.at("message").string_value(), "undefined variable PORT");
  EXPECT_EQ(doc.fields().count("run"), 0u);

  WebhookEvent lost = RegressionEvent();
  lost.kind = std::string(kEventAgentLost);
  lost.tests.clear();
  lost.agent_id = "agent-7";
  lost.message = "lease expired";
  doc = ParseJson(RenderJsonPayload(lost));
  EXPECT_EQ(doc.fields().at("agent").struct_value().fields().at("agent_id").string_value(),
            "agent-7");
  EXPECT_EQ(doc.fields().count("tests"), 0u);
}

TEST(WebhookPayloadTest, ControlCharactersAndQuotesAreEscaped) {
  EXPECT_EQ(JsonQuote("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\nd\\u0001\"");
  WebhookEvent e = RegressionEvent();
  e.summary = std::string("tab\there \x7f end \xc3\xa9");
  google::protobuf::Struct doc = ParseJson(RenderJsonPayload(e));
  EXPECT_EQ(doc.fields().at("summary").string_value(), e.summary);
}

TEST(WebhookPayloadTest, SlackBodyIsOneTextFieldWithMarkupEscaped) {
  const std::string body = RenderSlackPayload(RegressionEvent());
  google::protobuf::Struct doc = ParseJson(body);
  ASSERT_EQ(doc.fields_size(), 1);
  const std::string text = doc.fields().at("text").string_value();
  EXPECT_THAT(text, HasSubstr("checkout &lt;on&gt; \"lab\""));
  EXPECT_THAT(text, Not(HasSubstr("<on>")));
  EXPECT_THAT(text, HasSubstr("`mtls-strict`: PASS → FAIL"));
  EXPECT_THAT(text, HasSubstr("event run.regressed:run-1, team payments"));
  EXPECT_EQ(RenderPayload(RegressionEvent(), WebhookFormat::kSlack), body);
  EXPECT_NE(RenderPayload(RegressionEvent(), WebhookFormat::kJson), body);
}

// ------------------------------------------------------------------------ backoff

TEST(WebhookBackoffTest, DoublesUpToTheCapWithHalfJittered) {
  const absl::Duration initial = absl::Seconds(1), max = absl::Seconds(60);
  EXPECT_EQ(WebhookBackoff(1, initial, max, 0.0), absl::Milliseconds(500));
  EXPECT_EQ(WebhookBackoff(1, initial, max, 1.0), absl::Seconds(1));
  EXPECT_EQ(WebhookBackoff(2, initial, max, 1.0), absl::Seconds(2));
  EXPECT_EQ(WebhookBackoff(4, initial, max, 0.5), absl::Seconds(6));  // 8s: 4 + 2
  EXPECT_EQ(WebhookBackoff(7, initial, max, 1.0), absl::Seconds(60));
  EXPECT_EQ(WebhookBackoff(50, initial, max, 0.0), absl::Seconds(30));
  for (int tries = 1; tries < 12; ++tries) {
    EXPECT_LE(WebhookBackoff(tries, initial, max, 0.0),
              WebhookBackoff(tries + 1, initial, max, 0.0));
  }
}

TEST(WebhookBackoffTest, OnlyServerErrorsTimeoutsAndThrottlingAreRetried) {
  for (int code : {500, 502, 503, 504, 408, 429}) EXPECT_TRUE(IsRetryableHttpStatus(code)) << code;
  for (int code : {301, 302, 400, 401, 403, 404, 410, 413})
    EXPECT_FALSE(IsRetryableHttpStatus(code)) << code;
}

// ------------------------------------------------------------------------ URLs, hosts

TEST(WebhookUrlTest, AcceptsHttpAndHttpsWithAHost) {
  MP_EXPECT_OK(ValidateWebhookUrl("https://hooks.example.com/services/T0/B0/x"));
  MP_EXPECT_OK(ValidateWebhookUrl("http://127.0.0.1:8080/hook?team=a"));
  MP_EXPECT_OK(ValidateWebhookUrl("HTTPS://[::1]:9/x"));
  EXPECT_EQ(WebhookUrlHost("https://Hooks.Example.com:443/x"), "hooks.example.com");
  EXPECT_EQ(WebhookUrlHost("http://[::1]:9/x"), "::1");
  EXPECT_EQ(WebhookUrlHost("http://127.0.0.1?x"), "127.0.0.1");
}

TEST(WebhookUrlTest, RefusesOtherSchemesUserinfoAndOddCharacters) {
  for (const char* url :
       {"", "ftp://example.com/x", "file:///etc/passwd", "gopher://h/", "example.com/hook",
        "https://user:pw@example.com/x", "https://example.com@evil.test/x", "https:///x",
        "https://exa mple.com/", "https://example.com/\n", "https://example.com/#frag",
        "https://example.com\\@evil.test/"}) {
    EXPECT_THAT(ValidateWebhookUrl(url), StatusIs(absl::StatusCode::kInvalidArgument)) << url;
  }
  EXPECT_THAT(ValidateWebhookUrl("https://u@example.com/").message(), HasSubstr("password"));
}

TEST(WebhookUrlTest, AllowlistMatchesNamesAndSubdomainsOnly) {
  const std::vector<std::string> allowed = {"hooks.slack.com", "*.corp.example"};
  EXPECT_TRUE(WebhookHostAllowed("hooks.slack.com", allowed));
  EXPECT_TRUE(WebhookHostAllowed("HOOKS.SLACK.COM", allowed));
  EXPECT_TRUE(WebhookHostAllowed("alerts.corp.example", allowed));
  EXPECT_FALSE(WebhookHostAllowed("corp.example", allowed));
  EXPECT_FALSE(WebhookHostAllowed("evilcorp.example", allowed));
  EXPECT_FALSE(WebhookHostAllowed("hooks.slack.com.evil.test", allowed));
  EXPECT_FALSE(WebhookHostAllowed("169.254.169.254", allowed));
  EXPECT_TRUE(WebhookHostAllowed("anything", {}));
}

// ------------------------------------------------------------------------ config

TEST(WebhookConfigTest, ReadsTheSection) {
  MP_ASSERT_OK_AND_ASSIGN(SchedulerConfig config, ParseSchedulerConfig(R"yaml(
webhook_allowed_hosts: [127.0.0.1, "*.slack.com"]
webhook_max_age: 2h
webhooks:
  - name: payments-json
    team: payments
    url: http://127.0.0.1:9000/hook
    secret_file: /run/secrets/hook
    events: [run.regressed, run.fixed]
  - name: nightly-slack
    team: "*"
    schedule: nightly
    url: https://hooks.slack.com/services/T/B/X
    format: slack
)yaml",
                                                                       "scheduler.yaml"));
  ASSERT_EQ(config.webhooks.size(), 2u);
  const WebhookConfig& a = config.webhooks[0];
  EXPECT_EQ(a.name, "payments-json");
  EXPECT_EQ(a.format, WebhookFormat::kJson);
  EXPECT_TRUE(a.Matches(kEventRunRegressed, "payments", ""));
  EXPECT_FALSE(a.Matches(kEventRunRegressed, "search", ""));
  EXPECT_FALSE(a.Matches(kEventAgentLost, "payments", ""));
  const WebhookConfig& b = config.webhooks[1];
  EXPECT_EQ(b.format, WebhookFormat::kSlack);
  EXPECT_TRUE(b.Matches(kEventAgentLost, "anyone", "nightly"));
  EXPECT_FALSE(b.Matches(kEventAgentLost, "anyone", "hourly"));
  EXPECT_FALSE(b.Matches(kEventAgentLost, "anyone", ""));
  EXPECT_EQ(config.webhook_max_age, absl::Hours(2));
}

TEST(WebhookConfigTest, BadEntriesNameTheField) {
  struct Case {
    const char* yaml;
    const char* error;
  };
  for (const Case& c : std::vector<Case>{
           {"webhooks:\n  - {name: a, team: t, url: 'ftp://h/x', secret_file: f}\n",
            "http:// or https://"},
           {"webhooks:\n  - {name: a, team: t, url: 'https://u:p@h/x', secret_file: f}\n",
            "user name or password"},
           {"webhooks:\n  - {name: a, url: 'https://h/x', secret_file: f}\n", "team: is required"},
           {"webhooks:\n  - {name: a, team: t, url: 'https://h/x'}\n", "secret_file: is required"},
           {"webhooks:\n  - {name: a, team: t, url: 'https://h/x', format: xml, secret_file: f}\n",
            "format"},
           {"webhooks:\n  - {name: a, team: t, url: 'https://h/x', secret_file: f, events: "
            "[run.exploded]}\n",
            "unknown event \"run.exploded\""},
           {"webhooks:\n  - {name: a, team: t, url: 'https://h/x', secret_file: f}\n"
            "  - {name: a, team: t, url: 'https://h/y', secret_file: f}\n",
            "declared twice"},
           {"webhooks:\n  - {name: a, team: t, url: 'https://h/x', secret_file: f, sekret: x}\n",
            "sekret"},
           {"webhook_allowed_hosts: [hooks.slack.com]\n"
            "webhooks:\n  - {name: a, team: t, url: 'https://10.0.0.1/x', secret_file: f}\n",
            "not in webhook_allowed_hosts"},
       }) {
    absl::StatusOr<SchedulerConfig> config = ParseSchedulerConfig(c.yaml, "s.yaml");
    EXPECT_THAT(config.status(), StatusIs(absl::StatusCode::kInvalidArgument)) << c.yaml;
    EXPECT_THAT(config.status().message(), HasSubstr(c.error)) << c.yaml;
  }
}

TEST(WebhookConfigTest, SecretsAreReadFromTheirFilesAndMustNotBeEmpty) {
  ::meshproof::testing::TempDir dir;
  WebhookConfig hook;
  hook.name = "payments";
  hook.url = "https://hooks.example.com/x";
  hook.secret_file = dir.WriteFile("secret", "s3cret-value\n");
  MP_ASSERT_OK_AND_ASSIGN(auto targets, LoadWebhookTargets({hook}));
  EXPECT_EQ(targets.at("payments").secret, "s3cret-value");
  EXPECT_EQ(targets.at("payments").url, "https://hooks.example.com/x");

  hook.secret_file = dir.WriteFile("empty", "\n");
  EXPECT_THAT(LoadWebhookTargets({hook}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"payments\"")));
  hook.secret_file = dir.File("missing");
  absl::Status missing = LoadWebhookTargets({hook}).status();
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(missing.message(), HasSubstr("secret_file"));

  WebhookConfig slack = hook;  // no secret: unsigned
  slack.secret_file.clear();
  MP_ASSERT_OK_AND_ASSIGN(targets, LoadWebhookTargets({slack}));
  EXPECT_EQ(targets.at("payments").secret, "");
}

// ------------------------------------------------------------------------ regressions

TEST(CompareWithHistoryTest, FindsRegressionsAndFixesAgainstTheNewestComparableVerdict) {
  const std::map<std::string, rv1::TestVerdict> now = {
      {"a", rv1::TEST_VERDICT_FAIL}, {"b", rv1::TEST_VERDICT_PASS}, {"c", rv1::TEST_VERDICT_FAIL},
      {"d", rv1::TEST_VERDICT_PASS}, {"e", rv1::TEST_VERDICT_FAIL}, {"f", rv1::TEST_VERDICT_ERROR},
      {"g", rv1::TEST_VERDICT_PASS}};
  const std::vector<PastVerdicts> history = {
      // newest: a partial run that only ran "a", "c" and "g"
      {"run-3",
       {{"a", rv1::TEST_VERDICT_PASS},
        {"c", rv1::TEST_VERDICT_ERROR},
        {"g", rv1::TEST_VERDICT_ERROR}}},
      {"run-2",
       {{"b", rv1::TEST_VERDICT_FAIL},
        {"c", rv1::TEST_VERDICT_PASS},
        {"d", rv1::TEST_VERDICT_PASS},
        {"a", rv1::TEST_VERDICT_FAIL},
        {"f", rv1::TEST_VERDICT_PASS},
        {"g", rv1::TEST_VERDICT_PASS}}},
      {"run-1", {{"d", rv1::TEST_VERDICT_FAIL}}},
  };
  std::vector<TestChange> regressed, fixed;
  CompareWithHistory(now, history, &regressed, &fixed);
  ASSERT_EQ(regressed.size(), 2u);
  EXPECT_EQ(regressed[0].test, "a");
  EXPECT_EQ(regressed[0].previous_run_id, "run-3");
  EXPECT_EQ(regressed[1].test, "f");  // PASS → ERROR: the proof is gone
  EXPECT_EQ(regressed[1].before, "PASS");
  EXPECT_EQ(regressed[1].now, "ERROR");
  ASSERT_EQ(fixed.size(), 2u);
  EXPECT_EQ(fixed[0].test, "b");
  EXPECT_EQ(fixed[0].before, "FAIL");
  EXPECT_EQ(fixed[0].now, "PASS");
  EXPECT_EQ(fixed[1].test, "g");  // ERROR in run-3 is the newest comparable verdict
  EXPECT_EQ(fixed[1].before, "ERROR");
  EXPECT_EQ(fixed[1].previous_run_id, "run-3");
  // "c" went ERROR → FAIL (still failing), "d" passed last time too, "e" has no earlier
  // verdict: none of them is a change.
}

TEST(CompareWithHistoryTest, ATestNotAttemptedEarlierIsComparedWithTheRunBeforeThat) {
  const std::map<std::string, rv1::TestVerdict> now = {{"a", rv1::TEST_VERDICT_FAIL}};
  const std::vector<PastVerdicts> history = {
      {"run-2", {{"a", rv1::TEST_VERDICT_SKIPPED}}},
      {"run-1", {{"a", rv1::TEST_VERDICT_PASS}}},
  };
  std::vector<TestChange> regressed, fixed;
  CompareWithHistory(now, history, &regressed, &fixed);
  ASSERT_EQ(regressed.size(), 1u);
  EXPECT_EQ(regressed[0].previous_run_id, "run-1");
  EXPECT_TRUE(fixed.empty());
}

}  // namespace
}  // namespace meshproof::scheduler::testing
