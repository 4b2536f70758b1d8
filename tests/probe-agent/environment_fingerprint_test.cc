// The environment fingerprint against real sockets: an Envoy admin and an istiod on
// loopback answering recorded real responses, and the TLS fake Kubernetes API server
// with its token check. What cannot be read is recorded as unknown with its reason,
// never as a value.
#include "services/probe-agent/environment_fingerprint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "services/probe-agent/prober.h"
#include "tests/probe-agent/fake_http_server.h"
#include "tests/probe-agent/fake_kubernetes_api.h"
#include "tests/probe-agent/test_pki.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;
namespace rv1 = ::meshproof::result::v1;
using testing::FakeHttpServer;
using testing::FakeKubernetesApi;
using testing::FakeRequest;
using testing::FakeResponse;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::RealFixture;

// The reason recorded for `component`, or "" when its version was read.
std::string Unknown(const rv1::Environment& env, const std::string& component) {
  for (const rv1::UnknownVersion& u : env.unknown_versions()) {
    if (u.component() == component) return u.reason();
  }
  return "";
}

// A scenario naming the sidecar's admin (a config test) and istiod (a gateway's config).
sv1::Scenario ScenarioNaming(const std::string& admin_url, const std::string& istiod_url) {
  sv1::Scenario scenario;
  scenario.set_name("fingerprint");
  sv1::Test* sidecar = scenario.add_tests();
  sidecar->set_name("sidecar-config");
  sidecar->mutable_probe()->mutable_envoy_admin()->set_admin_url(admin_url);
  sv1::Test* gateway = scenario.add_tests();
  gateway->set_name("gateway-config");
  gateway->mutable_probe()->mutable_http()->set_url("https://external.test/get");
  sv1::EvidenceSpec* evidence = gateway->add_evidence();
  evidence->set_name("gateway-cluster");
  evidence->mutable_config()->set_admin_url(istiod_url);
  return scenario;
}

class EnvironmentFingerprintTest : public ::testing::Test {
 protected:
  EnvironmentFingerprintTest()
      : pki_(testing::MakeTestPki(dir_, "api")),
        admin_([this](const FakeRequest& r) { return AdminAnswer(r); }),
        istiod_([this](const FakeRequest& r) { return IstiodAnswer(r); }),
        api_({pki_.cert_file, pki_.key_file}),
        prober_(ProberOptions()) {
    api_.AcceptToken("token-1");
    sources_.kubernetes.api_server = api_.url();
    sources_.kubernetes.token_file = dir_.WriteFile("token", "token-1\n");
    sources_.kubernetes.ca_file = pki_.ca_file;
    sources_.read_kubernetes = true;
    sources_.agent_version = "0.1.0";
    sources_.kind = "cluster";
  }

  void SetUp() override {
    ASSERT_FALSE(pki_.ca_file.empty()) << "openssl could not make the test certificates";
    ASSERT_FALSE(RealFixture("envoy-admin-server_info.json").empty()) << "missing fixture";
    ASSERT_FALSE(RealFixture("istiod-version.txt").empty()) << "missing fixture";
  }

  FakeResponse AdminAnswer(const FakeRequest& r) {
    if (r.target == "/server_info") return {admin_status_, admin_body_};
    return {404, "invalid path"};
  }
  FakeResponse IstiodAnswer(const FakeRequest& r) {
    if (r.target == "/version") return {200, istiod_body_};
    return {404, "404 page not found\n"};
  }

  std::string istiod_url() const {
    return absl::StrCat("istiod://127.0.0.1:", istiod_.port(), "/istio-egressgateway");
  }

  rv1::Environment Stamp(const sv1::Scenario& scenario) {
    rv1::Environment env;
    EnvironmentFingerprint(&prober_, sources_).Stamp(scenario, &env);
    return env;
  }

  testing::TempDir dir_;
  testing::TestPki pki_;
  int admin_status_ = 200;
  std::string admin_body_ = RealFixture("envoy-admin-server_info.json");
  std::string istiod_body_ = RealFixture("istiod-version.txt");
  FakeHttpServer admin_;
  FakeHttpServer istiod_;
  FakeKubernetesApi api_;
  RealProber prober_;
  FingerprintSources sources_;
};

TEST_F(EnvironmentFingerprintTest, ReadsEveryVersionFromWhereTheScenarioAndTheAgentPoint) {
  const rv1::Environment env = Stamp(ScenarioNaming(admin_.url(), istiod_url()));
  EXPECT_EQ(env.envoy_version(), "1.15.0-dev");
  EXPECT_EQ(env.istio_version(), "1.12.0");
  EXPECT_EQ(env.kubernetes_version(), "v1.32.3");
  EXPECT_EQ(env.agent_version(), "0.1.0");
  EXPECT_EQ(env.kind(), "cluster");
  EXPECT_THAT(env.unknown_versions(), IsEmpty());
  ASSERT_EQ(admin_.requests().size(), 1u);
  EXPECT_EQ(admin_.requests()[0].target, "/server_info");
  ASSERT_EQ(istiod_.requests().size(), 1u);
  EXPECT_EQ(istiod_.requests()[0].target, "/version");
  // The API server was asked with the agent's token over verified TLS.
  ASSERT_EQ(api_.requests().size(), 1u);
  EXPECT_EQ(api_.requests()[0].target, "/version");
  EXPECT_EQ(api_.failed_handshakes(), 0);
}

TEST_F(EnvironmentFingerprintTest, TheAgentConfigurationWinsOverTheScenario) {
  FakeHttpServer other_admin([](const FakeRequest&) {
    return FakeResponse{200, "{\"version\": \"x/1.29.0/Clean/RELEASE/BoringSSL\"}"};
  });
  sources_.envoy_admin = other_admin.url();
  sources_.istiod = absl::StrCat("http://127.0.0.1:", istiod_.port());
  const rv1::Environment env = Stamp(sv1::Scenario());
  EXPECT_EQ(env.envoy_version(), "1.29.0");
  EXPECT_EQ(env.istio_version(), "1.12.0");
  EXPECT_THAT(admin_.requests(), IsEmpty());
}

TEST_F(EnvironmentFingerprintTest, NothingToReadFromIsUnknownWithWhyAndAsksNobody) {
  sources_.read_kubernetes = false;
  sources_.kind = "lab";
  const rv1::Environment env = Stamp(sv1::Scenario());
  EXPECT_EQ(env.envoy_version(), "");
  EXPECT_EQ(env.istio_version(), "");
  EXPECT_EQ(env.kubernetes_version(), "");
  EXPECT_THAT(Unknown(env, "envoy"), HasSubstr("no Envoy admin named"));
  EXPECT_THAT(Unknown(env, "istio"), HasSubstr("no istiod source configured"));
  EXPECT_THAT(Unknown(env, "kubernetes"),
              HasSubstr("meshproof's lab, which has no Kubernetes API"));
  EXPECT_EQ(Unknown(env, "agent"), "");
  EXPECT_THAT(admin_.requests(), IsEmpty());
  EXPECT_THAT(istiod_.requests(), IsEmpty());
  EXPECT_THAT(api_.requests(), IsEmpty());
}

TEST_F(EnvironmentFingerprintTest, AnswersThatAreNotVersionsAreUnknownNotValues) {
  admin_status_ = 503;
  admin_body_ = "no healthy upstream";
  // A build without version stamps answers "unknown-unknown-unknown".
  istiod_body_ = "unknown-unknown-unknown";
  api_.AcceptToken("another-token");  // the agent's token is refused: 401
  const rv1::Environment env = Stamp(ScenarioNaming(admin_.url(), istiod_url()));
  EXPECT_EQ(env.envoy_version(), "");
  EXPECT_EQ(env.istio_version(), "");
  EXPECT_EQ(env.kubernetes_version(), "");
  EXPECT_THAT(Unknown(env, "envoy"),
              HasSubstr(absl::StrCat(admin_.url(), "/server_info: answered 503")));
  EXPECT_THAT(Unknown(env, "istio"), HasSubstr("istiod reports no version"));
  EXPECT_THAT(Unknown(env, "kubernetes"), HasSubstr("answered 401"));
}

TEST_F(EnvironmentFingerprintTest, AnIstiodThatIsNotThereIsUnknownWithTheAddress) {
  sources_.read_kubernetes = false;
  const std::string gone = absl::StrCat(
      "istiod://127.0.0.1:",
      [] {
        FakeHttpServer closed([](const FakeRequest&) { return FakeResponse{}; });
        return closed.port();  // closed when this returns: nothing listens there any more
      }(),
      "/istio-egressgateway");
  const rv1::Environment env = Stamp(ScenarioNaming(admin_.url(), gone));
  EXPECT_EQ(env.envoy_version(), "1.15.0-dev");
  EXPECT_EQ(env.istio_version(), "");
  EXPECT_THAT(Unknown(env, "istio"), HasSubstr("/version"));
}

TEST(EnvironmentFingerprintParseTest, EnvoyVersionIsTheSecondFieldOfTheBuildString) {
  EXPECT_EQ(*EnvoyVersionFromServerInfo(RealFixture("envoy-admin-server_info.json")), "1.15.0-dev");
  EXPECT_FALSE(EnvoyVersionFromServerInfo("{\"version\": \"1.30\"}").ok());
  EXPECT_FALSE(EnvoyVersionFromServerInfo("<html>not found</html>").ok());
  EXPECT_FALSE(EnvoyVersionFromServerInfo("{\"state\": \"LIVE\"}").ok());
}

TEST(EnvironmentFingerprintParseTest, IstioVersionIsWhatPrecedesTheRevision) {
  EXPECT_EQ(*IstioVersionFromIstiod(RealFixture("istiod-version.txt")), "1.12.0");
  EXPECT_EQ(*IstioVersionFromIstiod(RealFixture("istiod-version-prerelease.txt")),
            "1.7-alpha.9c900ba74d10a1affe7c23557ef0eebd6103b03c");
  EXPECT_EQ(*IstioVersionFromIstiod("1.30.0-3b0bf86a4d3c4e7f9a8e2d1c6b5a4f3e2d1c0b9a-Clean\n"),
            "1.30.0");
  EXPECT_FALSE(IstioVersionFromIstiod("404 page not found").ok());
  EXPECT_FALSE(IstioVersionFromIstiod("unknown-unknown-unknown").ok());
  EXPECT_FALSE(IstioVersionFromIstiod("<html><body>a-b-c</body></html>").ok());
}

TEST(EnvironmentFingerprintParseTest, KubernetesVersionIsGitVersion) {
  EXPECT_EQ(*KubernetesVersionFromVersion(RealFixture("kubernetes-version.json")), "v1.32.3");
  EXPECT_FALSE(KubernetesVersionFromVersion("{\"kind\":\"Status\",\"code\":401}").ok());
}

TEST(EnvironmentFingerprintParseTest, IstiodBaseUrlKeepsHostAndPortOnly) {
  EXPECT_EQ(IstiodBaseUrl("istiod://istiod.istio-system.svc:15014/istio-egressgateway"),
            "http://istiod.istio-system.svc:15014");
  EXPECT_EQ(IstiodBaseUrl("istiods://istiod:15014/gw.ns"), "https://istiod:15014");
  EXPECT_EQ(IstiodBaseUrl("http://127.0.0.1:15000"), "");
}

}  // namespace
}  // namespace meshproof::agent
