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

// The one mapping (services/scenario) that the prober reads and the reproduction line prints.
TEST(AdminPathTest, MapsResources) {
  EXPECT_STREQ(scenario::AdminPath(sv1::ENVOY_RESOURCE_CLUSTERS), "/clusters");
  EXPECT_STREQ(scenario::AdminPath(sv1::ENVOY_RESOURCE_LISTENERS), "/listeners");
  EXPECT_STREQ(scenario::AdminPath(sv1::ENVOY_RESOURCE_CONFIG_DUMP), "/config_dump");
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
