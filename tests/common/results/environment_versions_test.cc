// The version line of a report header and the "Istio 1.29.1 → 1.30.0" marks of compare
// and the history grid.
#include "services/common/results/environment_versions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace meshproof::results {
namespace {

namespace rv1 = ::meshproof::result::v1;

rv1::Environment Env(const std::string& envoy, const std::string& istio, const std::string& k8s,
                     const std::string& agent) {
  rv1::Environment env;
  env.set_envoy_version(envoy);
  env.set_istio_version(istio);
  env.set_kubernetes_version(k8s);
  env.set_agent_version(agent);
  return env;
}

TEST(EnvironmentVersionsTest, DescribesKnownVersionsInOrder) {
  EXPECT_EQ(DescribeVersions(Env("1.32.2-dev", "1.30.0", "v1.30.6", "0.1.0")),
            "Envoy 1.32.2-dev · Istio 1.30.0 · Kubernetes v1.30.6 · agent 0.1.0");
}

TEST(EnvironmentVersionsTest, AnUnreadableVersionIsUnknownWithItsReasonNeverAValue) {
  rv1::Environment env = Env("1.15.0-dev", "", "", "0.1.0");
  rv1::UnknownVersion* u = env.add_unknown_versions();
  u->set_component("istio");
  u->set_reason("no istiod source configured");
  u = env.add_unknown_versions();
  u->set_component("kubernetes");
  u->set_reason("GET https://10.0.0.1/version: answered 403");
  EXPECT_EQ(DescribeVersions(env),
            "Envoy 1.15.0-dev · Istio unknown (no istiod source configured) · Kubernetes unknown "
            "(GET https://10.0.0.1/version: answered 403) · agent 0.1.0");
}

TEST(EnvironmentVersionsTest, ARunWithNothingRecordedIsUnknown) {
  EXPECT_EQ(DescribeVersions(rv1::Environment()), "unknown");
}

TEST(EnvironmentVersionsTest, ReportsOnlyTheVersionsThatChanged) {
  const auto changes = VersionChanges(Env("1.32.2-dev", "1.29.1", "v1.30.6", "0.1.0"),
                                      Env("1.32.2-dev", "1.30.0", "v1.30.6", "0.1.0"));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].component(), "Istio");
  EXPECT_EQ(DescribeVersionChanges(changes), "Istio 1.29.1 → 1.30.0 since the last run");
}

TEST(EnvironmentVersionsTest, NothingChangedIsNoChange) {
  const rv1::Environment env = Env("1.32.2-dev", "1.30.0", "v1.30.6", "0.1.0");
  EXPECT_TRUE(VersionChanges(env, env).empty());
  EXPECT_EQ(DescribeVersionChanges({}), "");
  // Unknown on both sides says nothing about a change.
  EXPECT_TRUE(VersionChanges(rv1::Environment(), rv1::Environment()).empty());
}

TEST(EnvironmentVersionsTest, AVersionThatBecameUnreadableIsAChangeToUnknown) {
  const auto changes =
      VersionChanges(Env("", "1.30.0", "v1.30.6", "0.1.0"), Env("", "", "v1.31.0", "0.1.0"));
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(DescribeVersionChange(changes[0]), "Istio 1.30.0 → unknown");
  EXPECT_EQ(DescribeVersionChange(changes[1]), "Kubernetes v1.30.6 → v1.31.0");
}

}  // namespace
}  // namespace meshproof::results
