// The agent's configuration file: every key, defaults, and located errors.
#include "services/probe-agent/agent_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace meshproof::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(AgentConfigTest, ReadsEveryKey) {
  auto config = ParseAgentConfig(R"(agent_id: sleep-homelab-1
cluster: homelab
namespace: mesh-test
labels: {zone: lab}
max_concurrency: 8
exec_allowlist:
  - program: /usr/bin/kubectl
    args: [get, pods, -n, '[a-z0-9-]+']
  - {program: /usr/bin/istioctl, args_pattern: 'proxy-status( [a-z0-9.-]+)?'}
  - {program: /usr/bin/true}
exec_env: {PATH: /usr/bin:/bin}
destinations:
  allow:
    - {cidr: 127.0.0.0/8, ports: [1-65535]}
    - {host: '*.svc.cluster.local', ports: [443, 15000]}
    - {cidr: '::1'}
follow_redirects: true
scheduler: scheduler.meshproof:7443
environment_kind: cluster
kubernetes: {api_server: "https://10.96.0.1", token_file: /run/token, ca_file: /run/ca.crt}
)",
                                 "agent.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->agent_id, "sleep-homelab-1");
  EXPECT_EQ(config->cluster, "homelab");
  EXPECT_EQ(config->namespace_, "mesh-test");
  EXPECT_EQ(config->labels.at("zone"), "lab");
  EXPECT_EQ(config->max_concurrency, 8);
  ASSERT_EQ(config->exec_allowlist.size(), 3u);
  EXPECT_EQ(config->exec_allowlist[0].program, "/usr/bin/kubectl");
  EXPECT_THAT(config->exec_allowlist[0].args, ElementsAre("get", "pods", "-n", "[a-z0-9-]+"));
  EXPECT_FALSE(config->exec_allowlist[0].has_args_pattern);
  EXPECT_TRUE(config->exec_allowlist[1].has_args_pattern);
  EXPECT_EQ(config->exec_allowlist[1].args_pattern, "proxy-status( [a-z0-9.-]+)?");
  EXPECT_TRUE(config->exec_allowlist[2].args.empty());
  EXPECT_EQ(config->exec_env.at("PATH"), "/usr/bin:/bin");
  EXPECT_TRUE(config->has_destinations);
  ASSERT_EQ(config->destinations.size(), 3u);
  EXPECT_EQ(config->destinations[0].cidr, "127.0.0.0/8");
  EXPECT_EQ(config->destinations[0].ports[0].first, 1);
  EXPECT_EQ(config->destinations[0].ports[0].last, 65535);
  EXPECT_EQ(config->destinations[1].host, "*.svc.cluster.local");
  ASSERT_EQ(config->destinations[1].ports.size(), 2u);
  EXPECT_EQ(config->destinations[1].ports[1].first, 15000);
  EXPECT_TRUE(config->destinations[2].ports.empty());
  EXPECT_TRUE(config->follow_redirects);
  EXPECT_EQ(config->scheduler.address, "scheduler.meshproof:7443");
  EXPECT_EQ(config->environment_kind, "cluster");
  EXPECT_EQ(config->kubernetes.api_server, "https://10.96.0.1");
  EXPECT_EQ(config->kubernetes.token_file, "/run/token");
  EXPECT_EQ(config->kubernetes.ca_file, "/run/ca.crt");
}

TEST(AgentConfigTest, AnEmptyFileGivesDefaults) {
  auto config = ParseAgentConfig("", "agent.yaml");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->max_concurrency, 64);
  EXPECT_TRUE(config->exec_allowlist.empty());
  EXPECT_TRUE(config->exec_env.empty());
  EXPECT_FALSE(config->has_destinations);  // anywhere, with a warning at start-up
  EXPECT_FALSE(config->follow_redirects);
  EXPECT_EQ(config->environment_kind, "");
  // The pod's own service account, in-cluster.
  EXPECT_EQ(config->kubernetes.api_server, "https://kubernetes.default.svc");
  EXPECT_EQ(config->kubernetes.token_file, "/var/run/secrets/kubernetes.io/serviceaccount/token");
}

TEST(AgentConfigTest, FingerprintSourcesComeFromTheFileAndTheKind) {
  auto config = ParseAgentConfig(
      "environment_kind: cluster\n"
      "fingerprint: {envoy_admin: http://127.0.0.1:15000, istiod: "
      "http://istiod.istio-system.svc:15014}\n",
      "agent.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  const FingerprintSources sources = FingerprintSourcesFor(*config, "0.1.0");
  EXPECT_EQ(sources.envoy_admin, "http://127.0.0.1:15000");
  EXPECT_EQ(sources.istiod, "http://istiod.istio-system.svc:15014");
  // A cluster agent reads its API server's version with its service account.
  EXPECT_TRUE(sources.read_kubernetes);
  EXPECT_EQ(sources.kubernetes.api_server, "https://kubernetes.default.svc");
  EXPECT_EQ(sources.agent_version, "0.1.0");
  EXPECT_EQ(sources.kind, "cluster");

  // A lab agent has no API server unless one is configured on purpose.
  auto lab = ParseAgentConfig("environment_kind: lab\n", "agent.yaml");
  ASSERT_TRUE(lab.ok());
  EXPECT_FALSE(FingerprintSourcesFor(*lab, "0.1.0").read_kubernetes);
  auto configured =
      ParseAgentConfig("kubernetes: {api_server: \"https://127.0.0.1:6443\"}\n", "agent.yaml");
  ASSERT_TRUE(configured.ok());
  EXPECT_TRUE(FingerprintSourcesFor(*configured, "0.1.0").read_kubernetes);
}

TEST(AgentConfigTest, AFingerprintSourceMustBeAnHttpUrl) {
  auto config =
      ParseAgentConfig("fingerprint:\n  istiod: istiod://istiod:15014/gw\n", "agent.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(
      std::string(config.status().message()),
      HasSubstr("agent.yaml:2:11: fingerprint.istiod: expected an http:// or https:// URL"));
  auto unknown = ParseAgentConfig("fingerprint: {envoy: http://127.0.0.1:15000}\n", "agent.yaml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("unknown key \"envoy\""));
}

TEST(AgentConfigTest, TheOldListOfProgramNamesIsRefusedNamingTheNewForm) {
  auto config = ParseAgentConfig("exec_allowlist: [kubectl]\n", "agent.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("agent.yaml:1:"));
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("exec_allowlist[0]"));
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("{program: /absolute/path, args:"));
  // The empty list (every exec probe refused) stays valid.
  EXPECT_TRUE(ParseAgentConfig("exec_allowlist: []\n", "agent.yaml").ok());
}

TEST(AgentConfigTest, BadExecEntriesAreErrorsNamingTheField) {
  auto relative = ParseAgentConfig("exec_allowlist: [{program: kubectl}]\n", "agent.yaml");
  EXPECT_THAT(std::string(relative.status().message()),
              HasSubstr("program: expected an absolute path"));
  auto regex =
      ParseAgentConfig("exec_allowlist: [{program: /bin/date, args: ['(']}]\n", "agent.yaml");
  EXPECT_THAT(std::string(regex.status().message()), HasSubstr("args[0]: not an RE2 pattern"));
  auto both = ParseAgentConfig(
      "exec_allowlist: [{program: /bin/date, args: [a], args_pattern: a}]\n", "agent.yaml");
  EXPECT_THAT(std::string(both.status().message()),
              HasSubstr("give args or args_pattern, not both"));
  auto missing = ParseAgentConfig("exec_allowlist: [{args: [a]}]\n", "agent.yaml");
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("program is required"));
  auto env = ParseAgentConfig("exec_env: {'A=B': c}\n", "agent.yaml");
  EXPECT_THAT(std::string(env.status().message()), HasSubstr("exec_env"));
}

TEST(AgentConfigTest, BadDestinationsAreErrorsNamingTheField) {
  auto cidr = ParseAgentConfig("destinations: {allow: [{cidr: 10.0.0.0/40}]}\n", "agent.yaml");
  EXPECT_THAT(std::string(cidr.status().message()), HasSubstr("destinations.allow[0]"));
  EXPECT_THAT(std::string(cidr.status().message()), HasSubstr("cidr"));
  auto port =
      ParseAgentConfig("destinations: {allow: [{host: a.test, ports: [0]}]}\n", "agent.yaml");
  EXPECT_THAT(std::string(port.status().message()), HasSubstr("destinations.allow[0].ports[0]"));
  auto neither = ParseAgentConfig("destinations: {allow: [{ports: [80]}]}\n", "agent.yaml");
  EXPECT_THAT(std::string(neither.status().message()), HasSubstr("exactly one of cidr and host"));
  auto no_allow = ParseAgentConfig("destinations: {}\n", "agent.yaml");
  EXPECT_FALSE(no_allow.ok());
  auto unknown =
      ParseAgentConfig("destinations: {allow: [{cidr: 10.0.0.0/8, port: 80}]}\n", "agent.yaml");
  EXPECT_FALSE(unknown.ok());
  auto empty = ParseAgentConfig("destinations: {allow: []}\n", "agent.yaml");
  ASSERT_TRUE(empty.ok());  // deny everything
  EXPECT_TRUE(empty->has_destinations);
}

TEST(AgentConfigTest, UnknownKeysAreErrorsWithFileLineAndColumn) {
  auto config = ParseAgentConfig("cluster: a\nmax_concurency: 3\n", "agent.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("agent.yaml:2:1"));
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("max_concurency"));
}

TEST(AgentConfigTest, BadValuesAreErrors) {
  auto zero = ParseAgentConfig("max_concurrency: 0\n", "agent.yaml");
  EXPECT_FALSE(zero.ok());
  EXPECT_THAT(std::string(zero.status().message()), HasSubstr("agent.yaml:1:"));
  EXPECT_FALSE(ParseAgentConfig("exec_allowlist: kubectl\n", "agent.yaml").ok());
  EXPECT_FALSE(ParseAgentConfig("labels: [a]\n", "agent.yaml").ok());
  auto kind = ParseAgentConfig("environment_kind: staging\n", "agent.yaml");
  ASSERT_FALSE(kind.ok());
  EXPECT_THAT(std::string(kind.status().message()),
              HasSubstr("agent.yaml:1:19: environment_kind: expected lab or cluster"));
  EXPECT_FALSE(ParseAgentConfig("kubernetes: {server: x}\n", "agent.yaml").ok());
  auto syntax = ParseAgentConfig("cluster: [unclosed\n", "agent.yaml");
  EXPECT_FALSE(syntax.ok());
  EXPECT_THAT(std::string(syntax.status().message()), HasSubstr("agent.yaml:"));
}

}  // namespace
}  // namespace meshproof::agent
