// The Kubernetes pod-log source against a TLS fake API server that checks bearer tokens
// and replays recorded real responses: the server is verified with the configured CA,
// the token file is re-read as it rotates, every replica's log is read and each line
// attributed to its pod, and an API that cannot be read makes the evidence
// unobservable (an ERROR), never a missing line (a FAIL).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "services/probe-agent/evidence_collector.h"
#include "services/probe-agent/kubernetes_log_source.h"
#include "services/probe-agent/prober.h"
#include "tests/probe-agent/fake_kubernetes_api.h"
#include "tests/probe-agent/test_pki.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;
namespace rv1 = ::meshproof::result::v1;
using ::testing::ElementsAre;
using testing::FakeKubernetesApi;
using testing::FakeRequest;
using ::testing::HasSubstr;
using testing::QueryParam;
using testing::RealFixture;

// The pods of the recorded PodList (two replicas of one Deployment).
constexpr char kPodA[] = "kubernetes-bootcamp-2321272333-ix8pt";
constexpr char kPodB[] = "kubernetes-bootcamp-2321272333-x5rnq";

// Returns the first line of a fixture.
std::string FixtureLine(const std::string& name) {
  const std::string text = RealFixture(name);
  return text.substr(0, text.find('\n'));
}

class KubernetesApiTlsTest : public ::testing::Test {
 protected:
  KubernetesApiTlsTest()
      : pki_(testing::MakeTestPki(dir_, "api")),
        api_({pki_.cert_file, pki_.key_file}),
        prober_(ProberOptions()) {
    api_.AcceptToken("token-1");
    api_.SetPods("default", RealFixture("kubernetes-podlist.json"));
    access_.api_server = api_.url();
    access_.token_file = dir_.WriteFile("token", "token-1\n");
    access_.ca_file = pki_.ca_file;
    spec_.set_namespace_("default");
    spec_.set_label_selector("run=kubernetes-bootcamp");
    spec_.set_container("istio-proxy");
  }

  void SetUp() override {
    ASSERT_FALSE(pki_.ca_file.empty()) << "openssl could not make the test certificates";
    ASSERT_FALSE(tcp_line_.empty()) << "missing fixture";
    ASSERT_FALSE(http_line_.empty()) << "missing fixture";
  }

  testing::TempDir dir_;
  testing::TestPki pki_;
  FakeKubernetesApi api_;
  RealProber prober_;
  // The recorded TCP line starts at 18:12:33.101; the probe starts just before it.
  testing::FakeClock clock_{absl::FromUnixSeconds(1583518353) +
                            absl::Milliseconds(50)};  // 2020-03-06T18:12:33.05Z
  KubernetesAccess access_;
  sv1::KubernetesLogSource spec_;
  const std::string tcp_line_ = FixtureLine("gateway-access-log-tcp.txt");
  const std::string http_line_ = FixtureLine("gateway-access-log-http.txt");
};

TEST_F(KubernetesApiTlsTest, ReadsEveryReplicaOverVerifiedHttpsAndNamesEachLinesPod) {
  // The kubelet's stamps: one line of an earlier second, one from before the probe in
  // the same second (the API's sinceTime cannot drop it), one per replica after it.
  api_.SetLog(kPodA, absl::StrCat("2020-03-06T18:12:32.900000000Z ", http_line_, "\n",
                                  "2020-03-06T18:12:33.010000000Z ", http_line_, "\n"));
  api_.SetLog(kPodB, absl::StrCat("2020-03-06T18:12:33.137000000Z ", tcp_line_, "\n"));
  KubernetesLogSource source(&prober_, &clock_, access_, spec_);
  auto position = source.Position();
  ASSERT_TRUE(position.ok()) << position.status();
  api_.SetLog(kPodA, absl::StrCat("2020-03-06T18:12:33.010000000Z ", http_line_, "\n",
                                  "2020-03-06T18:12:33.200000000Z ", http_line_, "\n"));
  auto lines = source.LinesSince(*position);
  ASSERT_TRUE(lines.ok()) << lines.status();
  EXPECT_THAT(*lines, ElementsAre(http_line_, tcp_line_));
  EXPECT_THAT(source.Origins(), ElementsAre(kPodA, kPodB));
  EXPECT_EQ(source.Gap(), "");

  const std::vector<FakeRequest> requests = api_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].target,
            "/api/v1/namespaces/default/pods?labelSelector=run%3Dkubernetes-bootcamp");
  for (int i : {1, 2}) {
    EXPECT_EQ(QueryParam(requests[i].target, "container"), "istio-proxy");
    EXPECT_EQ(QueryParam(requests[i].target, "sinceTime"), "2020-03-06T18%3A12%3A33Z");
    EXPECT_EQ(QueryParam(requests[i].target, "timestamps"), "true");
    EXPECT_EQ(requests[i].headers.at("authorization"), "Bearer token-1");
  }
  EXPECT_THAT(requests[1].target, HasSubstr(absl::StrCat("/pods/", kPodA, "/log?")));
  EXPECT_THAT(requests[2].target, HasSubstr(absl::StrCat("/pods/", kPodB, "/log?")));
  EXPECT_EQ(api_.failed_handshakes(), 0);
}

TEST_F(KubernetesApiTlsTest, ASourceNamedByAUriReadsThePods) {
  api_.SetLog(kPodA, absl::StrCat("2020-03-06T18:12:33.137000000Z ", tcp_line_, "\n"));
  api_.SetLog(kPodB, "");
  sv1::LogSource spec;
  spec.set_uri("k8s://default/run=kubernetes-bootcamp/istio-proxy");
  auto source = MakeLogSource(spec, &prober_, &clock_, access_);
  ASSERT_TRUE(source.ok()) << source.status();
  auto position = (*source)->Position();
  ASSERT_TRUE(position.ok()) << position.status();
  auto lines = (*source)->LinesSince(*position);
  ASSERT_TRUE(lines.ok()) << lines.status();
  EXPECT_THAT(*lines, ElementsAre(tcp_line_));
  EXPECT_EQ(QueryParam(api_.requests().back().target, "container"), "istio-proxy");
  spec.set_uri("k8s://default");
  EXPECT_EQ(MakeLogSource(spec, &prober_, &clock_, access_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(KubernetesApiTlsTest, AServerTheConfiguredCaDidNotSignGetsNoToken) {
  const testing::TestPki other = testing::MakeTestPki(dir_, "other");
  ASSERT_FALSE(other.ca_file.empty());
  access_.ca_file = other.ca_file;
  KubernetesLogSource source(&prober_, &clock_, access_, spec_);
  auto position = source.Position();
  EXPECT_EQ(position.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(position.status().message()), HasSubstr(api_.url()));
  // The server notes the refused handshake on its own thread, maybe after the client gave up.
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (api_.failed_handshakes() == 0 && absl::Now() < deadline)
    absl::SleepFor(absl::Milliseconds(5));
  EXPECT_GE(api_.failed_handshakes(), 1);
  EXPECT_TRUE(api_.requests().empty()) << "a request (and the token) reached an unverified server";
}

TEST_F(KubernetesApiTlsTest, TheTokenFileIsReadAgainWhenItRotates) {
  api_.SetLog(kPodA, absl::StrCat("2020-03-06T18:12:33.137000000Z ", tcp_line_, "\n"));
  api_.SetLog(kPodB, "");
  KubernetesLogSource source(&prober_, &clock_, access_, spec_);
  auto position = source.Position();
  ASSERT_TRUE(position.ok()) << position.status();

  // The API server now takes only the new token; the old one is refused ...
  api_.AcceptToken("token-2");
  auto refused = source.LinesSince(*position);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("answered 401"));

  // ... and once the kubelet has written it, the next read uses it.
  dir_.WriteFile("token", "token-2\n");
  auto lines = source.LinesSince(*position);
  ASSERT_TRUE(lines.ok()) << lines.status();
  EXPECT_THAT(*lines, ElementsAre(tcp_line_));
  EXPECT_EQ(api_.requests().back().headers.at("authorization"), "Bearer token-2");
}

TEST_F(KubernetesApiTlsTest, RefusalsAndServerErrorsAreUnavailableWithTheStatus) {
  const struct {
    int status;
    std::string message;
  } cases[] = {
      {403,
       "pods is forbidden: User \\\"system:serviceaccount:meshproof:agent\\\" cannot list resource "
       "\\\"pods\\\" in API group \\\"\\\" in the namespace \\\"default\\\""},
      {500, "etcdserver: request timed out"},
      {503, "service unavailable"},
  };
  for (const auto& c : cases) {
    api_.FailWith(c.status, c.message);
    KubernetesLogSource source(&prober_, &clock_, access_, spec_);
    auto position = source.Position();
    EXPECT_EQ(position.status().code(), absl::StatusCode::kUnavailable) << c.status;
    EXPECT_THAT(std::string(position.status().message()),
                HasSubstr(absl::StrCat("answered ", c.status)));
    EXPECT_THAT(std::string(position.status().message()),
                HasSubstr(c.status == 403 ? "forbidden" : "Failure"));
  }
}

// The whole evidence path: a source made from the agent's access, polled by the
// collector, judged by the line's own start time.
class KubernetesEvidenceTest : public KubernetesApiTlsTest {
 protected:
  KubernetesEvidenceTest()
      : collector_(
            &prober_, &clock_, [this](absl::Duration d) { clock_.Advance(d); },
            [this](const sv1::LogSource& spec) -> absl::StatusOr<std::unique_ptr<LogSource>> {
              return std::make_unique<KubernetesLogSource>(&prober_, &clock_, access_,
                                                           spec.kubernetes());
            }) {
    sv1::EvidenceSpec* evidence = test_.add_evidence();
    evidence->set_name("gateway-access-log");
    sv1::LogEvidence* log = evidence->mutable_log();
    *log->mutable_source()->mutable_kubernetes() = spec_;
    log->set_pattern(R"(outbound\|443\|\|edition\.cnn\.com)");
    log->mutable_window()->set_nanos(300'000'000);
  }

  std::vector<rv1::Evidence> Collect() {
    collector_.Begin(test_, sv1::Defaults());
    clock_.Advance(absl::Milliseconds(40));  // the probe
    return collector_.Finish(nullptr);
  }

  sv1::Test test_;
  EvidenceCollector collector_;
};

TEST_F(KubernetesEvidenceTest, TheLineOnAnyReplicaProvesTheCallAndNamesItsPod) {
  api_.SetLog(kPodA, absl::StrCat("2020-03-06T18:12:33.200000000Z ", http_line_, "\n"));
  api_.SetLog(kPodB, absl::StrCat("2020-03-06T18:12:33.137000000Z ", tcp_line_, "\n"));
  auto evidence = Collect();
  ASSERT_EQ(evidence.size(), 1u);
  EXPECT_TRUE(evidence[0].satisfied()) << evidence[0].message();
  EXPECT_THAT(evidence[0].lines(), ElementsAre(tcp_line_));
  EXPECT_THAT(evidence[0].line_origins(), ElementsAre(kPodB));
}

TEST_F(KubernetesEvidenceTest, NoLineOnAnyReplicaIsAnObservedAbsence) {
  api_.SetLog(kPodA, absl::StrCat("2020-03-06T18:12:33.200000000Z ", http_line_, "\n"));
  api_.SetLog(kPodB, "");
  auto evidence = Collect();
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_FALSE(evidence[0].unobservable()) << evidence[0].message();
  EXPECT_THAT(evidence[0].message(), HasSubstr("no new line for this call"));
}

TEST_F(KubernetesEvidenceTest, AReplicaWhoseLogCannotBeReadMakesAMissingLineUnobservable) {
  // Pod B's log is gone (deleted since the listing): the call may have landed there.
  api_.SetLog(kPodA, absl::StrCat("2020-03-06T18:12:33.200000000Z ", http_line_, "\n"));
  auto evidence = Collect();
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_TRUE(evidence[0].unobservable());
  EXPECT_THAT(evidence[0].message(), HasSubstr(kPodB));
  EXPECT_THAT(evidence[0].message(), HasSubstr("answered 404"));
  // ... while the line found on the pod that could be read still proves the call (the
  // clock has moved on by the first window: the kubelet stamps the line later).
  api_.SetLog(kPodA, absl::StrCat("2020-03-06T18:12:34.500000000Z ", tcp_line_, "\n"));
  evidence = Collect();
  EXPECT_TRUE(evidence[0].satisfied()) << evidence[0].message();
}

TEST_F(KubernetesEvidenceTest, AnApiThatRefusesIsUnobservableNeverAMissingLine) {
  for (int status : {401, 403, 500}) {
    if (status == 401) {
      api_.AcceptToken("someone-else");
    } else {
      api_.AcceptToken("token-1");
      api_.FailWith(status, "refused");
    }
    auto evidence = Collect();
    EXPECT_FALSE(evidence[0].satisfied()) << status;
    EXPECT_TRUE(evidence[0].unobservable()) << status;
    EXPECT_THAT(evidence[0].message(), HasSubstr(absl::StrCat("answered ", status)));
  }
}

}  // namespace
}  // namespace meshproof::agent
