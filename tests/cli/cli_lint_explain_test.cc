// The meshproof binary as a user runs it: lint and explain on the examples and on bad
// input, checking exit codes and what is printed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace meshproof {
namespace {

using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::RunCommand;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Source(const std::string& relative) {
  return std::string(MESHPROOF_SOURCE_DIR) + "/" + relative;
}

TEST(LintTest, ExamplesAreValid) {
  auto result =
      RunCommand({BinaryPath("meshproof"), "lint", Source("examples/scenarios/10-ingress.yaml"),
                  Source("examples/scenarios/20-egress.yaml")});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("10-ingress, 4 tests"));
}

TEST(LintTest, ExamplesAreValidWithTheirVars) {
  auto result = RunCommand(
      {BinaryPath("meshproof"), "lint", "--vars-file", Source("examples/vars/homelab.env"),
       Source("examples/scenarios/10-ingress.yaml"), Source("examples/scenarios/20-egress.yaml")});
  EXPECT_EQ(result.exit_code, 0) << result.err;
}

// Every examples/clusters/*.env runs the example scenarios unchanged (the seed's and its
// next work's): each lints with it, and it defines every variable they use (a cluster must not fall
// back to the defaults, which describe the report's homelab).
TEST(LintTest, ExampleScenariosLintWithEveryClusterEnvWhichDefinesEveryVariable) {
  const std::vector<std::string> scenarios = {"10-ingress.yaml",
                                              "10-ingress-t10.yaml",
                                              "20-egress.yaml",
                                              "25-egress-tls-origination.yaml",
                                              "26-egress-istio-mutual.yaml",
                                              "30-security.yaml"};
  std::set<std::string> used;
  for (const std::string& file : scenarios) {
    const std::string text = testing::ReadFileOrEmpty(Source("examples/scenarios/" + file));
    ASSERT_FALSE(text.empty()) << file;
    for (size_t at = text.find("${"); at != std::string::npos; at = text.find("${", at + 2)) {
      used.insert(text.substr(at + 2, text.find('}', at) - at - 2));
    }
  }
  EXPECT_TRUE(used.count("EGRESS_LOG_SOURCE") && used.count("GATEWAY_CONFIG_URL"));
  int env_files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(Source("examples/clusters"))) {
    if (entry.path().extension() != ".env") continue;
    ++env_files;
    const std::string env = entry.path().string();
    std::vector<std::string> argv = {BinaryPath("meshproof"), "lint", "--vars-file", env};
    for (const std::string& file : scenarios) argv.push_back(Source("examples/scenarios/" + file));
    auto result = RunCommand(argv);
    EXPECT_EQ(result.exit_code, 0) << env << ": " << result.err;
    std::set<std::string> defined;
    std::istringstream lines(testing::ReadFileOrEmpty(env));
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line[0] != '#' && line.find('=') != std::string::npos) {
        defined.insert(line.substr(0, line.find('=')));
      }
    }
    for (const std::string& name : used) {
      EXPECT_EQ(defined.count(name), 1u) << env << " does not define " << name;
    }
    // A cluster reads the gateway's log and configuration where a cluster keeps them.
    auto explain = RunCommand({BinaryPath("meshproof"), "explain", "--vars-file", env,
                               Source("examples/scenarios/20-egress.yaml")});
    EXPECT_EQ(explain.exit_code, 0) << env << ": " << explain.err;
    EXPECT_THAT(explain.out, HasSubstr("kubectl")) << env;
    EXPECT_THAT(explain.out, HasSubstr(":15014/debug/config_dump?proxyID=")) << env;
  }
  EXPECT_GE(env_files, 1);
}

TEST(LintTest, BadFileExitsTwoWithTheLocation) {
  testing::TempDir dir;
  const std::string file =
      dir.WriteFile("bad.yaml",
                    "apiVersion: meshproof/v1\nkind: Scenario\nname: t\ntests:\n  - name: a\n"
                    "    http: {url: \"http://x/get\", timout: 2s}\n");
  auto result = RunCommand({BinaryPath("meshproof"), "lint", file});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("bad.yaml:6:33: tests[0].http.timout: unknown key \"timout\"; "
                                    "did you mean \"timeout\"?"));
}

TEST(LintTest, MissingFileExitsTwoNamingIt) {
  auto result = RunCommand({BinaryPath("meshproof"), "lint", "/nonexistent/x.yaml"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("/nonexistent/x.yaml"));
}

TEST(LintTest, BadVarFlagExitsTwo) {
  auto result = RunCommand({BinaryPath("meshproof"), "lint", "--var", "novalue",
                            Source("examples/scenarios/10-ingress.yaml")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("--var: expected NAME=VALUE"));
}

TEST(ExplainTest, PrintsTheSeedReportsIngressCurlLines) {
  auto result =
      RunCommand({BinaryPath("meshproof"), "explain", Source("examples/scenarios/10-ingress.yaml"),
                  "--vars-file", Source("examples/vars/homelab.env")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // The four rows of the report's ingress table, as curl lines a person can paste.
  EXPECT_THAT(result.out, HasSubstr("-H 'Host: httpbin.example.com' --connect-timeout 3 "
                                    "--max-time 10 http://203.0.113.212:31080/get"));
  EXPECT_THAT(result.out, HasSubstr("-H 'Host: httpbin.example.com' --connect-timeout 3 "
                                    "--max-time 10 http://203.0.113.212:31080/status/418"));
  EXPECT_THAT(result.out, HasSubstr("--resolve httpbin.example.com:31443:203.0.113.212 "));
  EXPECT_THAT(result.out, HasSubstr("https://httpbin.example.com:31443/get"));
  EXPECT_THAT(result.out, HasSubstr("-H 'Host: nope.example.com' --connect-timeout 3 "
                                    "--max-time 10 http://203.0.113.212:31080/get"));
  EXPECT_THAT(result.out, HasSubstr("expect:  status 418"));
  EXPECT_THAT(result.out, HasSubstr("expect:  status 404"));
}

TEST(ExplainTest, VarFlagOverridesVarsFile) {
  auto result = RunCommand({BinaryPath("meshproof"), "explain",
                            Source("examples/scenarios/10-ingress.yaml"), "--vars-file",
                            Source("examples/vars/homelab.env"), "--var", "INGRESS_HOST=10.0.0.9"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("http://10.0.0.9:31080/get"));
  EXPECT_THAT(result.out, Not(HasSubstr("203.0.113.212")));
}

TEST(ExplainTest, ShowsEvidenceCheckLines) {
  auto result =
      RunCommand({BinaryPath("meshproof"), "explain", Source("examples/scenarios/20-egress.yaml")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // The scenario's defaults are a cluster's: the gateway's log through the Kubernetes API.
  EXPECT_THAT(result.out,
              HasSubstr("evidence $ kubectl -n istio-system logs -l istio=egressgateway "
                        "-c istio-proxy --since=1m | grep -E"));
  EXPECT_THAT(result.out, HasSubstr("fails at tls_handshake (curl 35)"));
  EXPECT_THAT(result.out, HasSubstr("deferred: Needs outboundTrafficPolicy REGISTRY_ONLY"));

  // The same scenario with the log named as a file (the lab's form) explains a file read.
  auto lab =
      RunCommand({BinaryPath("meshproof"), "explain", Source("examples/scenarios/20-egress.yaml"),
                  "--var", "EGRESS_LOG_SOURCE=file:///var/log/istio/egressgateway.log"});
  ASSERT_EQ(lab.exit_code, 0) << lab.err;
  EXPECT_THAT(lab.out,
              HasSubstr("evidence $ tail -n 20 /var/log/istio/egressgateway.log | grep -E"));
  EXPECT_THAT(lab.out, Not(HasSubstr("kubectl -n istio-system logs")));
}

TEST(ProbeTest, UnreachableAgentExitsThree) {
  // Port 1 on loopback: nothing listens there.
  auto result =
      RunCommand({BinaryPath("meshproof"), "probe", Source("examples/scenarios/10-ingress.yaml"),
                  "--vars-file", Source("examples/vars/homelab.env"), "--agent", "127.0.0.1:1",
                  "--timeout", "5"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_THAT(result.err, HasSubstr("cannot reach the agent at 127.0.0.1:1"));
}

TEST(ProbeTest, BadScenarioExitsTwoBeforeContactingTheAgent) {
  testing::TempDir dir;
  const std::string file =
      dir.WriteFile("bad.yaml", "apiVersion: meshproof/v1\nkind: Scenario\nname: t\n");
  auto result = RunCommand({BinaryPath("meshproof"), "probe", file, "--agent", "127.0.0.1:1"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("tests: a scenario needs at least one test"));
}

TEST(ProbeTest, MissingAgentAddressExitsTwo) {
  auto result = RunCommand({"/usr/bin/env", "-u", "MESHPROOF_AGENT", BinaryPath("meshproof"),
                            "probe", Source("examples/scenarios/10-ingress.yaml")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("--agent"));
}

TEST(CliTest, UsageErrorsExitTwoAndHelpExitsZero) {
  EXPECT_EQ(RunCommand({BinaryPath("meshproof"), "frobnicate"}).exit_code, 2);
  EXPECT_EQ(RunCommand({BinaryPath("meshproof")}).exit_code, 2);
  auto help = RunCommand({BinaryPath("meshproof"), "lint", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("Example:"));
}

}  // namespace
}  // namespace meshproof
