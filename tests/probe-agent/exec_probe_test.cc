// Exec probes with real processes: the allowlist of absolute paths and argument
// patterns, the operator's environment only, and the whole process group killed at the
// timeout.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "services/common/time_util.h"
#include "services/probe-agent/prober.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;
using ::testing::HasSubstr;

ExecRule Rule(std::string program, std::vector<std::string> args) {
  ExecRule rule;
  rule.program = std::move(program);
  rule.args = std::move(args);
  return rule;
}

ExecRule PatternRule(std::string program, std::string pattern) {
  ExecRule rule;
  rule.program = std::move(program);
  rule.args_pattern = std::move(pattern);
  rule.has_args_pattern = true;
  return rule;
}

ProberOptions Options(std::vector<ExecRule> rules, std::map<std::string, std::string> env = {}) {
  ProberOptions options;
  for (const ExecRule& rule : rules) EXPECT_TRUE(CheckExecRule(rule, "rule").ok()) << rule.program;
  options.exec = ExecPolicy(std::move(rules), std::move(env));
  return options;
}

sv1::Probe Exec(std::string program, std::vector<std::string> args) {
  sv1::Probe probe;
  probe.mutable_exec()->set_program(std::move(program));
  for (auto& a : args) probe.mutable_exec()->add_args(std::move(a));
  return probe;
}

// A fresh path under the test's temporary directory that does not exist yet.
std::string MarkerPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path =
      absl::StrCat(dir != nullptr ? dir : "/tmp", "/meshproof-exec-", getpid(), "-", name);
  unlink(path.c_str());
  return path;
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// A process is gone once it no longer exists or is a zombie nobody reaps yet.
bool ProcessGone(pid_t pid) {
  if (kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (!std::getline(stat, line)) return true;
  const size_t paren = line.rfind(')');
  return paren != std::string::npos && line.size() > paren + 2 && line[paren + 2] == 'Z';
}

bool WaitUntilGone(pid_t pid, absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  while (absl::Now() < deadline) {
    if (ProcessGone(pid)) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return ProcessGone(pid);
}

TEST(ExecProbeTest, RunsAnAllowedCommandWithoutAShell) {
  RealProber prober(Options({Rule("/usr/bin/printf", {"%s[|]%s", ".*", "a b"})}));
  auto outcome =
      prober.Run(Exec("/usr/bin/printf", {"%s|%s", "$HOME", "a b"}), sv1::Defaults(), {});
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_FALSE(outcome->has_failure());
  EXPECT_EQ(outcome->exec().exit_code(), 0);
  EXPECT_EQ(outcome->exec().stdout_excerpt(), "$HOME|a b");  // not expanded: no shell
}

TEST(ExecProbeTest, ProgramsNotListedOrNotAbsoluteAreRefused) {
  RealProber prober(Options({Rule("/bin/sleep", {"[0-9]+"})}));
  auto unlisted = prober.Run(Exec("/usr/bin/kubectl", {}), sv1::Defaults(), {});
  EXPECT_EQ(unlisted.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(unlisted.status().message(),
              HasSubstr("\"/usr/bin/kubectl\" is not in the agent's exec_allowlist"));
  // A bare name would be looked up on a PATH; only the listed absolute path runs.
  auto relative = prober.Run(Exec("sleep", {"1"}), sv1::Defaults(), {});
  EXPECT_EQ(relative.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(relative.status().message(),
              HasSubstr("exec.program: \"sleep\" is not an absolute path"));
  auto dotted = prober.Run(Exec("./sleep", {"1"}), sv1::Defaults(), {});
  EXPECT_EQ(dotted.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST(ExecProbeTest, ADisallowedArgumentIsRefusedBeforeAnythingRuns) {
  const std::string allowed = MarkerPath("allowed");
  const std::string other = MarkerPath("other");
  RealProber prober(Options({Rule("/usr/bin/touch", {".*-allowed"})}));
  auto refused = prober.Run(Exec("/usr/bin/touch", {other}), sv1::Defaults(), {});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.status().message(),
              HasSubstr(absl::StrCat("exec.args[0]: \"", other, "\" is not allowed")));
  EXPECT_FALSE(Exists(other));
  // An extra argument (date -f FILE style) is refused too, by count.
  auto extra = prober.Run(Exec("/usr/bin/touch", {allowed, other}), sv1::Defaults(), {});
  EXPECT_EQ(extra.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(extra.status().message(),
              HasSubstr("exec.args: /usr/bin/touch is allowed 1 argument(s), got 2"));
  EXPECT_FALSE(Exists(allowed));
  EXPECT_FALSE(Exists(other));
  // The allowed form runs.
  auto ran = prober.Run(Exec("/usr/bin/touch", {allowed}), sv1::Defaults(), {});
  ASSERT_TRUE(ran.ok()) << ran.status();
  EXPECT_TRUE(Exists(allowed));
  unlink(allowed.c_str());
}

TEST(ExecProbeTest, AWholeArgvPatternRefusesArgumentsWithWhitespace) {
  RealProber prober(Options({PatternRule("/bin/echo", "get pods -n [a-z0-9-]+")}));
  auto ok = prober.Run(Exec("/bin/echo", {"get", "pods", "-n", "mesh-test"}), sv1::Defaults(), {});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->exec().stdout_excerpt(), "get pods -n mesh-test\n");
  auto joined = prober.Run(Exec("/bin/echo", {"get pods", "-n", "mesh-test"}), sv1::Defaults(), {});
  EXPECT_EQ(joined.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(joined.status().message(),
              HasSubstr("exec.args[0]: \"get pods\" contains whitespace"));
  auto other = prober.Run(Exec("/bin/echo", {"get", "secrets", "-n", "x"}), sv1::Defaults(), {});
  EXPECT_EQ(other.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(other.status().message(),
              HasSubstr("does not match the args_pattern allowed for /bin/echo"));
}

TEST(ExecProbeTest, AScenarioEnvironmentIsRefused) {
  const std::string marker = MarkerPath("env");
  RealProber prober(Options({Rule("/usr/bin/touch", {".*"})}));
  sv1::Probe probe = Exec("/usr/bin/touch", {marker});
  (*probe.mutable_exec()->mutable_env())["LD_PRELOAD"] = "/tmp/evil.so";
  auto outcome = prober.Run(probe, sv1::Defaults(), {});
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(outcome.status().message(), HasSubstr("exec.env: \"LD_PRELOAD\""));
  EXPECT_FALSE(Exists(marker));
}

TEST(ExecProbeTest, TheProgramSeesOnlyTheOperatorsEnvironment) {
  // Something of the agent's own environment that must not reach the program.
  setenv("MESHPROOF_AGENT_ONLY", "secret", 1);
  RealProber prober(
      Options({Rule("/usr/bin/env", {})}, {{"PATH", "/usr/bin:/bin"}, {"LANG", "C"}}));
  auto outcome = prober.Run(Exec("/usr/bin/env", {}), sv1::Defaults(), {});
  unsetenv("MESHPROOF_AGENT_ONLY");
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->exec().stdout_excerpt(), "LANG=C\nPATH=/usr/bin:/bin\n");
}

TEST(ExecProbeTest, TheTimeoutKillsTheWholeProcessGroup) {
  RealProber prober(Options({Rule("/bin/sh", {"-c", ".*"})}));
  // The background sleep holds the output pipe and is not the program itself: killing
  // only the shell would leave it running.
  sv1::Probe probe = Exec("/bin/sh", {"-c", "sleep 30 & echo $!; sleep 30"});
  *probe.mutable_exec()->mutable_timeout() = ToProtoDuration(absl::Seconds(1));
  const absl::Time start = absl::Now();
  auto outcome = prober.Run(probe, sv1::Defaults(), {});
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_LT(took, absl::Seconds(5));  // timeout + grace, with a generous margin
  EXPECT_EQ(outcome->failure().class_(), sv1::FAILURE_CLASS_TIMEOUT);
  EXPECT_THAT(outcome->failure().message(), HasSubstr("killed"));
  EXPECT_EQ(outcome->exec().exit_code(), 128 + SIGKILL);
  pid_t child = 0;
  ASSERT_TRUE(
      absl::SimpleAtoi(absl::StripAsciiWhitespace(outcome->exec().stdout_excerpt()), &child))
      << outcome->exec().stdout_excerpt();
  EXPECT_TRUE(WaitUntilGone(child, absl::Seconds(5)))
      << "background child " << child << " survived";
}

TEST(ExecProbeTest, AProgramThatExitsIsDoneEvenIfItLeftAChildHoldingItsOutput) {
  RealProber prober(Options({Rule("/bin/sh", {"-c", ".*"})}));
  sv1::Probe probe = Exec("/bin/sh", {"-c", "sleep 30 & echo $!; exit 4"});
  *probe.mutable_exec()->mutable_timeout() = ToProtoDuration(absl::Seconds(20));
  const absl::Time start = absl::Now();
  auto outcome = prober.Run(probe, sv1::Defaults(), {});
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_FALSE(outcome->has_failure()) << outcome->failure().message();
  EXPECT_EQ(outcome->exec().exit_code(), 4);
  pid_t child = 0;
  ASSERT_TRUE(
      absl::SimpleAtoi(absl::StripAsciiWhitespace(outcome->exec().stdout_excerpt()), &child));
  EXPECT_TRUE(WaitUntilGone(child, absl::Seconds(5)));
}

}  // namespace
}  // namespace meshproof::agent
