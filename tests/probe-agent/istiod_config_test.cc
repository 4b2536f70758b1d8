// A gateway's configuration read through istiod's debug endpoint
// (admin_url istiod://HOST:PORT/POD.NAMESPACE) against a fake istiod replaying a
// recorded /debug/config_dump: the request made, names read by kind, and istiod's
// refusals unobservable (ERROR), never a missing listener (FAIL).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/probe-agent/evidence_collector.h"
#include "services/probe-agent/prober.h"
#include "tests/probe-agent/fake_http_server.h"
#include "tests/probe-agent/fake_kubernetes_api.h"
#include "tests/testing/fake_clock.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;
namespace rv1 = ::meshproof::result::v1;
using ::testing::Contains;
using ::testing::ElementsAre;
using testing::FakeRequest;
using testing::FakeResponse;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RealFixture;

// The proxy of the recorded dump: ratings' waypoint in namespace default.
constexpr char kProxy[] = "ratings-v1-5dc79b6bcd-4xqbz.default";

class IstiodConfigTest : public ::testing::Test {
 protected:
  IstiodConfigTest()
      : istiod_([this](const FakeRequest&) {
          absl::MutexLock lock(&mu_);
          return answer_;
        }),
        prober_(ProberOptions()),
        collector_(
            &prober_, &clock_, [this](absl::Duration d) { clock_.Advance(d); },
            [](const sv1::LogSource&) -> absl::StatusOr<std::unique_ptr<LogSource>> {
              return absl::InvalidArgumentError("no log sources here");
            }) {
    Answer({200, RealFixture("istiod-debug-config_dump.json")});
  }

  void SetUp() override {
    ASSERT_FALSE(RealFixture("istiod-debug-config_dump.json").empty()) << "missing fixture";
  }

  // What the fake istiod answers from now on.
  void Answer(FakeResponse response) {
    absl::MutexLock lock(&mu_);
    answer_ = std::move(response);
  }

  std::string IstiodUrl() const {
    return absl::StrCat("istiod://127.0.0.1:", istiod_.port(), "/", kProxy);
  }

  rv1::Evidence Collect(sv1::EnvoyResource resource, std::vector<std::string> present,
                        std::vector<std::string> absent = {}) {
    sv1::Test test;
    sv1::EvidenceSpec* spec = test.add_evidence();
    spec->set_name("gateway-config");
    sv1::ConfigEvidence* config = spec->mutable_config();
    config->set_admin_url(IstiodUrl());
    config->set_resource(resource);
    for (auto& name : present) config->add_present(name);
    for (auto& name : absent) config->add_absent(name);
    collector_.Begin(test, sv1::Defaults());
    return collector_.Finish(nullptr)[0];
  }

  absl::Mutex mu_;
  FakeResponse answer_ ABSL_GUARDED_BY(mu_);
  testing::FakeHttpServer istiod_;
  RealProber prober_;
  testing::FakeClock clock_{absl::FromUnixSeconds(1780790401)};
  EvidenceCollector collector_;
};

TEST_F(IstiodConfigTest, ReadsTheProxysListenersFromIstiodsConfigDump) {
  const rv1::Evidence evidence =
      Collect(sv1::ENVOY_RESOURCE_LISTENERS, {"main_internal", "connect_originate"});
  EXPECT_TRUE(evidence.satisfied()) << evidence.message();
  EXPECT_FALSE(evidence.unobservable());
  EXPECT_THAT(evidence.lines(), ElementsAre("main_internal", "connect_originate"));
  EXPECT_EQ(evidence.source(), absl::StrCat("http://127.0.0.1:", istiod_.port(),
                                            "/debug/config_dump?proxyID=", kProxy));
  ASSERT_EQ(istiod_.requests().size(), 1u);
  EXPECT_EQ(istiod_.requests()[0].target, absl::StrCat("/debug/config_dump?proxyID=", kProxy));
}

TEST_F(IstiodConfigTest, AListenerIstiodDoesNotSendIsAnObservedAbsence) {
  const rv1::Evidence evidence = Collect(sv1::ENVOY_RESOURCE_LISTENERS, {"0.0.0.0_8443"});
  EXPECT_FALSE(evidence.satisfied());
  EXPECT_FALSE(evidence.unobservable()) << evidence.message();
  EXPECT_THAT(evidence.message(), HasSubstr("not in"));
  EXPECT_THAT(evidence.message(), HasSubstr("0.0.0.0_8443"));
}

TEST_F(IstiodConfigTest, NamesAreReadByKind) {
  // A listener's name is not a cluster, and a cluster's not a listener.
  EXPECT_FALSE(Collect(sv1::ENVOY_RESOURCE_CLUSTERS, {"main_internal"}).satisfied());
  EXPECT_TRUE(Collect(sv1::ENVOY_RESOURCE_CLUSTERS,
                      {"inbound-vip|9080|http|ratings.default.svc.cluster.local"},
                      {"main_internal"})
                  .satisfied());
  EXPECT_FALSE(Collect(sv1::ENVOY_RESOURCE_LISTENERS,
                       {"inbound-vip|9080|http|ratings.default.svc.cluster.local"})
                   .satisfied());
  // config_dump names both.
  EXPECT_TRUE(Collect(sv1::ENVOY_RESOURCE_CONFIG_DUMP,
                      {"main_internal", "inbound-vip|9080|http|ratings.default.svc.cluster.local"})
                  .satisfied());
}

TEST_F(IstiodConfigTest, AProxyConnectedToAnotherIstiodIsUnobservable) {
  Answer({404, RealFixture("istiod-debug-proxy-not-connected.txt")});
  const rv1::Evidence evidence = Collect(sv1::ENVOY_RESOURCE_LISTENERS, {"0.0.0.0_8443"});
  EXPECT_FALSE(evidence.satisfied());
  EXPECT_TRUE(evidence.unobservable());
  EXPECT_THAT(evidence.message(),
              HasSubstr("answered 404: Proxy not connected to this Pilot instance"));
}

TEST_F(IstiodConfigTest, ACutDocumentIsUnobservableNotGuessed) {
  // The names are in the first half; guessing from "name" strings would prove them.
  const std::string whole = RealFixture("istiod-debug-config_dump.json");
  Answer({200, whole.substr(0, whole.size() / 2)});
  const rv1::Evidence evidence = Collect(
      sv1::ENVOY_RESOURCE_CLUSTERS, {"inbound-vip|9080|http|ratings.default.svc.cluster.local"});
  EXPECT_FALSE(evidence.satisfied());
  EXPECT_TRUE(evidence.unobservable());
  EXPECT_THAT(evidence.message(), HasSubstr("not complete JSON"));
}

TEST_F(IstiodConfigTest, TheEnvoyAdminProbeReadsIstiodToo) {
  sv1::Probe probe;
  probe.mutable_envoy_admin()->set_admin_url(IstiodUrl());
  probe.mutable_envoy_admin()->set_resource(sv1::ENVOY_RESOURCE_LISTENERS);
  auto outcome = prober_.Run(probe, sv1::Defaults(), {});
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_FALSE(outcome->has_failure()) << outcome->failure().message();
  EXPECT_THAT(outcome->config().names(),
              ElementsAre("connect_terminate", "main_internal", "connect_originate"));
  EXPECT_THAT(outcome->config().names(),
              Not(Contains("inbound-vip|9080|http|ratings.default.svc.cluster.local")));

  Answer({404, RealFixture("istiod-debug-proxy-not-connected.txt")});
  outcome = prober_.Run(probe, sv1::Defaults(), {});
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_TRUE(outcome->has_failure());
  EXPECT_THAT(outcome->failure().message(), HasSubstr("istiod answered 404: Proxy not connected"));

  probe.mutable_envoy_admin()->set_admin_url("istiod://127.0.0.1:1/");
  EXPECT_EQ(prober_.Run(probe, sv1::Defaults(), {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace meshproof::agent
