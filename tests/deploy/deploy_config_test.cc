// The configuration files and example secrets under deploy/ are what the services accept:
// each configuration parses with its own service's parser (unknown keys are errors
// there), each example tokens file with the tokens-file parser, and each example token a
// manifest mounts matches an entry with the role its sender needs, so an install from
// the examples authenticates end to end before its tokens are replaced.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "services/common/auth/roles.h"
#include "services/common/auth/token_hash.h"
#include "services/common/auth/tokens_file.h"
#include "services/common/text_file.h"
#include "services/probe-agent/agent_config.h"
#include "services/results-store/store_config.h"
#include "services/scheduler/scheduler_config.h"
#include "tests/testing/status_matchers.h"

namespace meshproof {
namespace {

using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

std::string DeployPath(const std::string& relative) {
  return std::string(MESHPROOF_SOURCE_DIR) + "/deploy/kubernetes/" + relative;
}

std::string Read(const std::string& relative) {
  absl::StatusOr<std::string> text = ReadTextFile(DeployPath(relative), "file");
  EXPECT_THAT(text.status(), testing::IsOk()) << relative;
  return text.ok() ? *text : "";
}

// The token on a token file's first line, as the services read it.
std::string FirstLine(const std::string& relative) {
  std::string text = Read(relative);
  return std::string(absl::StripAsciiWhitespace(text.substr(0, text.find('\n'))));
}

// Whether `tokens_file` has an entry for `token` holding `role`.
bool Grants(const std::string& tokens_file, const std::string& token, auth::Role role) {
  absl::StatusOr<std::vector<auth::TokenEntry>> entries =
      auth::ParseTokensFile(Read(tokens_file), tokens_file);
  EXPECT_THAT(entries.status(), testing::IsOk());
  if (!entries.ok()) return false;
  const auth::TokenHash hash = auth::HashToken(token);
  for (const auth::TokenEntry& entry : *entries) {
    if (auth::HashesEqual(entry.sha256, hash)) return entry.roles.Has(role);
  }
  return false;
}

TEST(DeployConfigTest, StoreConfigurationParsesWithTheStoresParser) {
  MP_ASSERT_OK_AND_ASSIGN(
      store::StoreConfig config,
      store::ParseStoreConfig(Read("base/control-plane/config/store.yaml"), "store.yaml"));
  EXPECT_THAT(config.db, StartsWith("/var/lib/meshproof/"));  // the PersistentVolume
  EXPECT_THAT(config.server.tokens, Not(IsEmpty()));
}

TEST(DeployConfigTest, SchedulerConfigurationParsesWithTheSchedulersParser) {
  MP_ASSERT_OK_AND_ASSIGN(scheduler::SchedulerConfig config,
                          scheduler::ParseSchedulerConfig(
                              Read("base/control-plane/config/scheduler.yaml"), "scheduler.yaml"));
  EXPECT_THAT(config.server.tokens, Not(IsEmpty()));
  EXPECT_THAT(config.store.token_file, Not(IsEmpty()));
}

TEST(DeployConfigTest, EveryAgentConfigurationParsesAndNamesItsScheduler) {
  std::vector<std::string> ids;
  for (const std::string file :
       {"base/agent/config/agent.yaml", "overlays/one-cluster/agent.yaml",
        "overlays/hub-and-spoke/hub/agent.yaml", "overlays/hub-and-spoke/spoke/agent.yaml"}) {
    SCOPED_TRACE(file);
    MP_ASSERT_OK_AND_ASSIGN(agent::AgentConfig config, agent::ParseAgentConfig(Read(file), file));
    EXPECT_THAT(config.scheduler.address, Not(IsEmpty()));
    EXPECT_THAT(config.cluster, Not(IsEmpty()));
    // Every run on a cluster records the sidecar's Envoy and istiod's Istio version.
    EXPECT_EQ(config.fingerprint_envoy_admin, "http://127.0.0.1:15000") << file;
    EXPECT_THAT(config.fingerprint_istiod, StartsWith("http://istiod.")) << file;
    EXPECT_THAT(config.agent_id, Not(IsEmpty()));
    // Least privilege here too: no exec probes unless an operator lists a program.
    EXPECT_THAT(config.exec_allowlist, IsEmpty());
    ids.push_back(config.agent_id);
  }
  // The hub's and the spoke's agents share one scheduler, which refuses a second session
  // under the same id.
  EXPECT_NE(ids[2], ids[3]);
}

TEST(DeployConfigTest, ExampleTokensHoldTheRolesTheirSendersNeed) {
  const std::string scheduler_to_store =
      FirstLine("base/control-plane/secrets/scheduler-store-token.example");
  const std::string agent = FirstLine("base/agent/secrets/scheduler-token.example");
  const std::string spoke_agent = FirstLine("overlays/hub-and-spoke/spoke/scheduler-token.example");
  EXPECT_TRUE(Grants("base/control-plane/secrets/store-tokens.example.yaml", scheduler_to_store,
                     auth::Role::kWriter));
  EXPECT_TRUE(Grants("base/control-plane/secrets/scheduler-tokens.example.yaml", agent,
                     auth::Role::kAgent));
  EXPECT_TRUE(Grants("overlays/hub-and-spoke/hub/scheduler-tokens.example.yaml", agent,
                     auth::Role::kAgent));
  EXPECT_TRUE(Grants("overlays/hub-and-spoke/hub/scheduler-tokens.example.yaml", spoke_agent,
                     auth::Role::kAgent));
  // And the check can fail: the spoke's token is not in the one-cluster tokens file, nor
  // is an agent token a writer at the store.
  EXPECT_FALSE(Grants("base/control-plane/secrets/scheduler-tokens.example.yaml", spoke_agent,
                      auth::Role::kAgent));
  EXPECT_FALSE(
      Grants("base/control-plane/secrets/store-tokens.example.yaml", agent, auth::Role::kWriter));
}

// The agent's own tokens file: the example client may run probes (and read the agent's
// description); the agent's token for the scheduler is no caller of the agent.
TEST(DeployConfigTest, TheAgentsExampleTokensLetTheExampleClientProbe) {
  const std::string client = FirstLine("base/agent/secrets/probe-client-token.example");
  const std::string agent = FirstLine("base/agent/secrets/scheduler-token.example");
  EXPECT_TRUE(Grants("base/agent/secrets/agent-tokens.example.yaml", client, auth::Role::kRunner));
  EXPECT_TRUE(Grants("base/agent/secrets/agent-tokens.example.yaml", client, auth::Role::kViewer));
  EXPECT_FALSE(Grants("base/agent/secrets/agent-tokens.example.yaml", agent, auth::Role::kRunner));
}

}  // namespace
}  // namespace meshproof
