// The environment fingerprint in the store: the versions an agent read arrive with
// FinishRun (after BeginRun), survive a reopen, come back in GetRun and in every history
// point, and CompareRuns names the ones that changed. A version the agent could not read
// stays unknown with its reason.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/results-store/store_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::store::testing {
namespace {

using ::meshproof::testing::StatusIs;
using result::v1::TEST_VERDICT_PASS;
using ::testing::HasSubstr;

result::v1::Environment Measured(const std::string& istio, const std::string& envoy) {
  result::v1::Environment env;
  env.set_istio_version(istio);
  env.set_envoy_version(envoy);
  env.set_kubernetes_version("v1.30.6");
  env.set_agent_version("0.1.0");
  env.set_kind("cluster");
  return env;
}

class EnvironmentVersionsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { MP_ASSERT_OK(h_.Open()); }

  // Begins, fills and finishes a run whose agent measured `env`.
  void Run(const std::string& run_id, int night, const result::v1::Environment& env) {
    auto begin = MakeBegin(run_id, "20-egress", "homelab", Night(night));
    // What the scheduler knows at BeginRun: no versions read yet.
    begin.mutable_run()->mutable_environment()->clear_istio_version();
    MP_ASSERT_OK(h_.store->BeginRun(begin));
    MP_ASSERT_OK(h_.store->AppendResults(
        MakeAppend(run_id, {MakeResult("egress-through-gateway", TEST_VERDICT_PASS)})));
    auto finish = MakeFinish(run_id);
    *finish.mutable_environment() = env;
    MP_ASSERT_OK(h_.store->FinishRun(finish));
  }

  result::v1::Environment Stored(const std::string& run_id) {
    v1::GetRunRequest get;
    get.set_run_id(run_id);
    auto run = h_.store->GetRun(get);
    EXPECT_TRUE(run.ok()) << run.status();
    return run.ok() ? run->run().environment() : result::v1::Environment();
  }

  StoreHarness h_;
};

TEST_F(EnvironmentVersionsStoreTest, FinishRunRecordsTheVersionsTheAgentReadAcrossAReopen) {
  result::v1::Environment env = Measured("", "1.32.2-dev");
  result::v1::UnknownVersion* u = env.add_unknown_versions();
  u->set_component("istio");
  u->set_reason("no istiod source configured");
  Run("r1", 1, env);
  MP_ASSERT_OK(h_.Open());
  const result::v1::Environment stored = Stored("r1");
  EXPECT_EQ(stored.envoy_version(), "1.32.2-dev");
  EXPECT_EQ(stored.kubernetes_version(), "v1.30.6");
  EXPECT_EQ(stored.agent_version(), "0.1.0");
  // Unknown stays unknown, with why; never a value from elsewhere.
  EXPECT_EQ(stored.istio_version(), "");
  ASSERT_EQ(stored.unknown_versions_size(), 1);
  EXPECT_EQ(stored.unknown_versions(0).component(), "istio");
  EXPECT_EQ(stored.unknown_versions(0).reason(), "no istiod source configured");
  // What BeginRun said stays.
  EXPECT_EQ(stored.cluster(), "homelab");
  EXPECT_EQ(stored.tags().at("cni"), "calico");
  EXPECT_EQ(stored.tags().count("istio"), 0u);
}

TEST_F(EnvironmentVersionsStoreTest, CompareNamesTheVersionThatChanged) {
  Run("r1", 1, Measured("1.29.1", "1.32.2-dev"));
  Run("r2", 2, Measured("1.30.0", "1.32.2-dev"));
  Run("r3", 3, Measured("1.30.0", "1.32.2-dev"));
  v1::CompareRunsRequest request;
  request.set_base_run_id("r1");
  request.set_head_run_id("r2");
  MP_ASSERT_OK_AND_ASSIGN(auto upgraded, h_.store->CompareRuns(request));
  ASSERT_EQ(upgraded.version_changes_size(), 1);
  EXPECT_EQ(upgraded.version_changes(0).component(), "Istio");
  EXPECT_EQ(upgraded.version_changes(0).base(), "1.29.1");
  EXPECT_EQ(upgraded.version_changes(0).head(), "1.30.0");
  request.set_base_run_id("r2");
  request.set_head_run_id("r3");
  MP_ASSERT_OK_AND_ASSIGN(auto same, h_.store->CompareRuns(request));
  EXPECT_EQ(same.version_changes_size(), 0);
}

TEST_F(EnvironmentVersionsStoreTest, HistoryPointsCarryTheirRunsVersions) {
  Run("r1", 1, Measured("1.29.1", "1.32.2-dev"));
  Run("r2", 2, Measured("1.30.0", "1.32.2-dev"));
  v1::GetTestHistoryRequest request;
  request.set_scenario("20-egress");
  request.set_test("egress-through-gateway");
  MP_ASSERT_OK_AND_ASSIGN(auto history, h_.store->GetTestHistory(request));
  ASSERT_EQ(history.points_size(), 2);
  EXPECT_EQ(history.points(0).run_id(), "r2");
  EXPECT_EQ(history.points(0).environment().istio_version(), "1.30.0");
  EXPECT_EQ(history.points(1).environment().istio_version(), "1.29.1");
  EXPECT_EQ(history.points(1).environment().envoy_version(), "1.32.2-dev");
}

TEST_F(EnvironmentVersionsStoreTest, ABadUnknownVersionIsRefusedNamingTheFieldAndStoresNothing) {
  MP_ASSERT_OK(h_.store->BeginRun(MakeBegin("r1", "20-egress", "homelab", Night(1))));
  auto finish = MakeFinish("r1");
  *finish.mutable_environment() = Measured("1.30.0", "");
  finish.mutable_environment()->add_unknown_versions()->set_component("istiod");
  finish.mutable_environment()->mutable_unknown_versions(0)->set_reason("x");
  EXPECT_THAT(h_.store->FinishRun(finish),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("environment.unknown_versions[0].component")));
  finish.mutable_environment()->mutable_unknown_versions(0)->set_component("envoy");
  finish.mutable_environment()->mutable_unknown_versions(0)->clear_reason();
  EXPECT_THAT(h_.store->FinishRun(finish),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("environment.unknown_versions[0].reason")));
  // Still open, still the versions BeginRun gave.
  v1::GetRunRequest get;
  get.set_run_id("r1");
  MP_ASSERT_OK_AND_ASSIGN(auto run, h_.store->GetRun(get));
  EXPECT_FALSE(run.run().has_finished_at());
  EXPECT_EQ(run.run().environment().istio_version(), "1.30.0");
  EXPECT_EQ(run.run().environment().unknown_versions_size(), 0);
}

}  // namespace
}  // namespace meshproof::store::testing
