// Names in Envoy admin output, read from the lab's captured fixtures.
#include "services/probe-agent/envoy_admin.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/scenario/config_source.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

std::string Fixture(const std::string& name) {
  return testing::ReadFileOrEmpty(std::string(MESHPROOF_SOURCE_DIR) +
                                  "/deploy/lab/fixtures/envoy-admin/" + name);
}

TEST(AdminNamesTest, ClustersAreTheTextBeforeTheFirstSeparator) {
  EXPECT_THAT(
      AdminNames(sv1::ENVOY_RESOURCE_CLUSTERS,
                 "outbound|443||external.test::observability_name::outbound|443||external.test\n"
                 "outbound|443||external.test::10.0.0.1:443::cx_active::0\n"
                 "BlackHoleCluster::default_priority::max_connections::1\n"),
      ElementsAre("outbound|443||external.test", "BlackHoleCluster"));
  const std::string clusters = Fixture("clusters.txt");
  ASSERT_FALSE(clusters.empty());
  EXPECT_THAT(AdminNames(sv1::ENVOY_RESOURCE_CLUSTERS, clusters),
              Contains("outbound|443||external.test"));
}

TEST(AdminNamesTest, ListenersAreTheTextBeforeTheSeparator) {
  EXPECT_THAT(AdminNames(sv1::ENVOY_RESOURCE_LISTENERS,
                         "0.0.0.0_80::0.0.0.0:80\n0.0.0.0_443::0.0.0.0:443\n"),
              ElementsAre("0.0.0.0_80", "0.0.0.0_443"));
}

TEST(AdminNamesTest, ConfigDumpGivesClusterAndListenerNamesOnly) {
  const std::string dump = Fixture("config_dump.json");
  ASSERT_FALSE(dump.empty());
  const std::vector<std::string> names = AdminNames(sv1::ENVOY_RESOURCE_CONFIG_DUMP, dump);
  EXPECT_THAT(names, Contains("outbound|443||external.test"));
  EXPECT_THAT(names, Contains("0.0.0.0_8443"));
  // A route configuration and a virtual host are not clusters or listeners.
  EXPECT_THAT(names, Not(Contains("http.8080")));
  EXPECT_THAT(names, Not(Contains("httpbin.example.com:80")));
}

TEST(AdminNamesTest, ATruncatedConfigDumpFallsBackToEveryName) {
  EXPECT_THAT(AdminNames(sv1::ENVOY_RESOURCE_CONFIG_DUMP,
                         R"({"configs": [{"cluster": {"name": "a"}, "x": {"name": "b")"),
              ElementsAre("a", "b"));
}

// RBAC policy names: the enforced policies of every RBAC filter in the listeners (HTTP and
// network), never the dry-run shadow rules, never a name elsewhere in the document.
constexpr char kRbacDump[] = R"({"configs": [
  {"@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump",
   "dynamic_active_clusters": [{"cluster": {"name": "ns[x]-policy[not-a-filter]-rule[0]"}}]},
  {"@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump",
   "dynamic_listeners": [{"name": "virtualInbound", "active_state": {"listener": {
     "name": "virtualInbound",
     "filter_chains": [
       {"filters": [{"name": "envoy.filters.network.http_connection_manager",
         "typed_config": {"http_filters": [
           {"name": "envoy.filters.http.rbac", "typed_config": {
             "rules": {"action": "DENY", "policies": {"ns[a]-policy[deny-admin]-rule[0]": {}}},
             "shadow_rules": {"policies": {"ns[a]-policy[dry-run]-rule[0]": {}}}}},
           {"name": "envoy.filters.http.rbac", "typed_config": {
             "rules": {"policies": {"ns[a]-policy[allow-b]-rule[1]": {},
                                    "ns[a]-policy[allow-b]-rule[0]": {}}}}},
           {"name": "envoy.filters.http.router"}]}}]},
       {"filters": [{"name": "envoy.filters.network.rbac", "typed_config": {
         "rules": {"action": "DENY", "policies": {"ns[a]-policy[tcp-deny]-rule[0]": {}}}}}]}
     ]}}}]}]})";

TEST(AdminNamesTest, RbacPoliciesAreTheEnforcedPolicyNamesOfTheListenersFilters) {
  bool parsed = false;
  EXPECT_THAT(ConfigDumpNames(sv1::ENVOY_RESOURCE_RBAC_POLICIES, kRbacDump, &parsed),
              ElementsAre("ns[a]-policy[deny-admin]-rule[0]", "ns[a]-policy[allow-b]-rule[0]",
                          "ns[a]-policy[allow-b]-rule[1]", "ns[a]-policy[tcp-deny]-rule[0]"));
  EXPECT_TRUE(parsed);
  EXPECT_THAT(AdminNames(sv1::ENVOY_RESOURCE_RBAC_POLICIES, kRbacDump),
              Not(Contains("ns[a]-policy[dry-run]-rule[0]")));
  EXPECT_TRUE(NeedsWholeConfigDump(sv1::ENVOY_RESOURCE_RBAC_POLICIES));
  EXPECT_FALSE(NeedsWholeConfigDump(sv1::ENVOY_RESOURCE_CONFIG_DUMP));
}

TEST(AdminNamesTest, ACutConfigDumpGivesNoRbacPolicyAndSaysSo) {
  const std::string cut = std::string(kRbacDump).substr(0, std::string(kRbacDump).size() - 40);
  bool parsed = true;
  EXPECT_THAT(ConfigDumpNames(sv1::ENVOY_RESOURCE_RBAC_POLICIES, cut, &parsed), ElementsAre());
  EXPECT_FALSE(parsed);
}

// The lab's workload sidecar dump (deploy/lab/templates/envoy-admin) is read the same way
// once rendered; the lab test checks the rendered answer against each --authz-policy.

// The one mapping (services/scenario) that the prober reads and the reproduction line prints.
TEST(AdminPathTest, MapsResources) {
  EXPECT_STREQ(scenario::AdminPath(sv1::ENVOY_RESOURCE_CLUSTERS), "/clusters");
  EXPECT_STREQ(scenario::AdminPath(sv1::ENVOY_RESOURCE_LISTENERS), "/listeners");
  EXPECT_STREQ(scenario::AdminPath(sv1::ENVOY_RESOURCE_CONFIG_DUMP), "/config_dump");
  EXPECT_STREQ(scenario::AdminPath(sv1::ENVOY_RESOURCE_RBAC_POLICIES), "/config_dump");
  auto source =
      scenario::ResolveConfigSource("http://127.0.0.1:15000/", sv1::ENVOY_RESOURCE_LISTENERS);
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(source->read_url, "http://127.0.0.1:15000/listeners");
}

// A config dump recorded from a real Istio proxy (tests/fixtures/real): its static
// listener has no name and is skipped; filters and routes do not count as names.
TEST(EnvoyAdminTest, NamesInARecordedIstioConfigDump) {
  const std::string body = testing::ReadFileOrEmpty(
      std::string(MESHPROOF_SOURCE_DIR) + "/tests/fixtures/real/envoy-admin-config_dump.json");
  ASSERT_FALSE(body.empty());
  EXPECT_THAT(
      AdminNames(sv1::ENVOY_RESOURCE_CONFIG_DUMP, body),
      ElementsAre("agent", "prometheus_stats",
                  "inbound-vip|8000|http|httpbin.default.svc.cluster.local", "main_internal"));
  EXPECT_THAT(ConfigDumpNames(sv1::ENVOY_RESOURCE_LISTENERS, body), ElementsAre("main_internal"));
  EXPECT_THAT(ConfigDumpNames(sv1::ENVOY_RESOURCE_CLUSTERS, body), Not(Contains("main_internal")));
  bool parsed = true;
  ConfigDumpNames(sv1::ENVOY_RESOURCE_CLUSTERS, body.substr(0, body.size() / 2), &parsed);
  EXPECT_FALSE(parsed);
}

}  // namespace
}  // namespace meshproof::agent
