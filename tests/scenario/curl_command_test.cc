#include "services/scenario/curl_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/scenario/scenario_parser.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::scenario {
namespace {

namespace v1 = ::meshproof::scenario::v1;
using ::testing::HasSubstr;

v1::Test ParseOneTest(const std::string& test_yaml) {
  const std::string text =
      "apiVersion: meshproof/v1\nkind: Scenario\nname: t\ntests:\n" + test_yaml;
  auto parsed = ParseScenario(text, ParseOptions());
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? parsed->tests(0) : v1::Test();
}

TEST(ShellQuoteTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(ShellQuote("http://x:80/get"), "http://x:80/get");
  EXPECT_EQ(ShellQuote("Host: a"), "'Host: a'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote(""), "''");
}

TEST(ReproductionCommandTest, SeedIngressLines) {
  v1::Test host = ParseOneTest(
      "  - name: a\n    http: {url: \"http://203.0.113.212:31080/get\", headers: {Host: "
      "httpbin.example.com}}\n");
  EXPECT_EQ(ReproductionCommand(host, v1::Defaults()),
            "curl -sS -o /dev/null -w '%{http_code}\\n' -H 'Host: httpbin.example.com' "
            "http://203.0.113.212:31080/get");
  v1::Test tls = ParseOneTest(
      "  - name: a\n    http:\n      url: \"https://httpbin.example.com:31443/get\"\n"
      "      resolve: [\"httpbin.example.com:31443:203.0.113.212\"]\n      tls: {insecure: "
      "true}\n");
  EXPECT_EQ(ReproductionCommand(tls, v1::Defaults()),
            "curl -sS -o /dev/null -w '%{http_code}\\n' --resolve "
            "httpbin.example.com:31443:203.0.113.212 -k https://httpbin.example.com:31443/get");
}

TEST(ReproductionCommandTest, SniOverrideBecomesConnectTo) {
  v1::Test test = ParseOneTest(
      "  - name: a\n    http: {url: \"https://127.0.0.1:18003/get\", tls: {sni: unknown.test}}\n");
  const std::string command = ReproductionCommand(test, v1::Defaults());
  EXPECT_THAT(command, HasSubstr("--connect-to unknown.test:18003:127.0.0.1:18003"));
  EXPECT_THAT(command, HasSubstr("https://unknown.test:18003/get"));
}

TEST(ReproductionCommandTest, TimeoutsAndTcpAndDns) {
  v1::Defaults defaults;
  defaults.mutable_connect_timeout()->set_seconds(3);
  defaults.mutable_timeout()->set_seconds(10);
  v1::Test http =
      ParseOneTest("  - name: a\n    http: {url: \"http://x/get\", method: POST, body: hi}\n");
  EXPECT_THAT(ReproductionCommand(http, defaults),
              HasSubstr("-X POST --data-binary hi --connect-timeout 3 --max-time 10"));
  v1::Test tcp = ParseOneTest("  - name: a\n    tcp: {host: 127.0.0.1, port: 80}\n");
  EXPECT_EQ(ReproductionCommand(tcp, defaults), "nc -z -w 3 127.0.0.1 80");
  v1::Test dns = ParseOneTest("  - name: a\n    dns: {name: localhost}\n");
  EXPECT_EQ(ReproductionCommand(dns, defaults), "getent ahostsv4 localhost");
}

TEST(EvidenceCommandsTest, LogAndConfig) {
  v1::Test test = ParseOneTest(
      "  - name: a\n    http: {url: \"http://x/get\"}\n    evidence:\n"
      "      - {name: l, log: {file: /var/log/egress.log, pattern: 'outbound\\|443'}}\n"
      "      - {name: c, config: {admin_url: \"http://x:15000\", resource: clusters, present: "
      "[\"a|b\"]}}\n");
  const auto lines = EvidenceCommands(test);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "tail -n 20 /var/log/egress.log | grep -E 'outbound\\|443'");
  EXPECT_EQ(lines[1], "curl -s http://x:15000/clusters | grep -F 'a|b'");
}

TEST(EvidenceCommandsTest, IstiodConfigIsReadFromItsDebugEndpoint) {
  v1::Test test = ParseOneTest(
      "  - name: a\n    http: {url: \"http://x/get\"}\n    evidence:\n"
      "      - {name: c, config: {admin_url: "
      "\"istiod://istiod.istio-system:15014/gw.istio-system\", "
      "resource: listeners, present: [\"0.0.0.0_8443\"]}}\n");
  const auto lines = EvidenceCommands(test);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            "curl -s 'http://istiod.istio-system:15014/debug/config_dump?proxyID=gw.istio-system' "
            "| grep -F "
            "0.0.0.0_8443");
}

}  // namespace
}  // namespace meshproof::scenario
