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
exec_allowlist: [kubectl, /usr/bin/istioctl]
scheduler: scheduler.meshproof:7443
environment_kind: cluster
kubernetes: {api_server: "https://10.96.0.1", token_file: /run/token, ca_file: /run/ca.crt}
)", "agent.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->agent_id, "sleep-homelab-1");
  EXPECT_EQ(config->cluster, "homelab");
  EXPECT_EQ(config->namespace_, "mesh-test");
  EXPECT_EQ(config->labels.at("zone"), "lab");
  EXPECT_EQ(config->max_concurrency, 8);
  EXPECT_THAT(config->exec_allowlist, ElementsAre("kubectl", "/usr/bin/istioctl"));
  EXPECT_EQ(config->scheduler, "scheduler.meshproof:7443");
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
  EXPECT_EQ(config->environment_kind, "");
  // The pod's own service account, in-cluster.
  EXPECT_EQ(config->kubernetes.api_server, "https://kubernetes.default.svc");
  EXPECT_EQ(config->kubernetes.token_file, "/var/run/secrets/kubernetes.io/serviceaccount/token");
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
  EXPECT_THAT(std::string(kind.status().message()), HasSubstr("agent.yaml:1:19: environment_kind: expected lab or cluster"));
  EXPECT_FALSE(ParseAgentConfig("kubernetes: {server: x}\n", "agent.yaml").ok());
  auto syntax = ParseAgentConfig("cluster: [unclosed\n", "agent.yaml");
  EXPECT_FALSE(syntax.ok());
  EXPECT_THAT(std::string(syntax.status().message()), HasSubstr("agent.yaml:"));
}

}  // namespace
}  // namespace meshproof::agent
