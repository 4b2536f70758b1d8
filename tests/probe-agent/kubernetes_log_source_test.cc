// The Kubernetes pod-log source against a small local fake of the API server: the
// requests it makes (paths, query, bearer token) and the lines it keeps.
#include "services/probe-agent/kubernetes_log_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "services/probe-agent/prober.h"
#include "tests/probe-agent/fake_http_server.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;
using ::testing::ElementsAre;
using testing::FakeRequest;
using testing::FakeResponse;
using ::testing::HasSubstr;

constexpr char kPods[] = R"({"kind": "PodList", "apiVersion": "v1", "items": [
  {"metadata": {"name": "istio-egressgateway-7d9f-abcde", "namespace": "istio-system"}},
  {"metadata": {"name": "istio-egressgateway-7d9f-fghij", "namespace": "istio-system"}}]})";

TEST(KubernetesHelpersTest, PodNamesFromAPodList) {
  EXPECT_THAT(*PodNamesFromList(kPods),
              ElementsAre("istio-egressgateway-7d9f-abcde", "istio-egressgateway-7d9f-fghij"));
  EXPECT_TRUE(PodNamesFromList(R"({"items": []})")->empty());
  EXPECT_FALSE(PodNamesFromList("not json").ok());
}

TEST(KubernetesHelpersTest, SplitsTimestampedLines) {
  absl::Time t;
  std::string text;
  ASSERT_TRUE(SplitTimestampedLine("2026-06-07T00:00:01.500000000Z [x] \"- - -\" 0", &t, &text));
  EXPECT_EQ(t, absl::FromUnixSeconds(1780790401) + absl::Milliseconds(500));
  EXPECT_EQ(text, "[x] \"- - -\" 0");
  EXPECT_FALSE(SplitTimestampedLine("no timestamp here", &t, &text));
}

TEST(KubernetesHelpersTest, QueryEscape) {
  EXPECT_EQ(QueryEscape("istio=egressgateway,app in (a b)"),
            "istio%3Degressgateway%2Capp%20in%20%28a%20b%29");
  EXPECT_EQ(QueryEscape("2026-06-07T00:00:01Z"), "2026-06-07T00%3A00%3A01Z");
}

class KubernetesLogSourceTest : public ::testing::Test {
 protected:
  KubernetesLogSourceTest()
      : server_([this](const FakeRequest& request) { return Answer(request); }),
        prober_(ProberOptions()) {
    access_.api_server = server_.url();
    access_.token_file = dir_.WriteFile("token", "secret-token\n");
    spec_.set_namespace_("istio-system");
    spec_.set_label_selector("istio=egressgateway");
    spec_.set_container("istio-proxy");
  }

  FakeResponse Answer(const FakeRequest& request) {
    if (request.headers.count("authorization") == 0 ||
        request.headers.at("authorization") != "Bearer secret-token") {
      return {401, "{}"};
    }
    if (absl::StartsWith(request.target, "/api/v1/namespaces/istio-system/pods?"))
      return {200, pods_};
    if (absl::StrContains(request.target, "abcde/log?")) return {200, log_a_};
    if (absl::StrContains(request.target, "fghij/log?")) return {200, log_b_};
    return {404, "{}"};
  }

  testing::TempDir dir_;
  testing::FakeHttpServer server_;
  RealProber prober_;
  testing::FakeClock clock_{absl::FromUnixSeconds(1780790401) +
                            absl::Milliseconds(500)};  // 00:00:01.5
  KubernetesAccess access_;
  sv1::KubernetesLogSource spec_;
  std::string pods_ = kPods;
  std::string log_a_, log_b_;
};

TEST_F(KubernetesLogSourceTest, ReadsEveryPodsLinesSinceTheNotedInstant) {
  KubernetesLogSource source(&prober_, &clock_, access_, spec_);
  auto position = source.Position();
  ASSERT_TRUE(position.ok()) << position.status();
  // The API rounds sinceTime down to the second: the line at 00:00:01.2 comes back and
  // must be dropped here.
  log_a_ =
      "2026-06-07T00:00:01.200000000Z before the call\n"
      "2026-06-07T00:00:01.700000000Z [a] \"- - -\" 0 - outbound|443||external.test\n"
      "2026-06-07T00:00:01.800000000Z still being writ";
  log_b_ = "2026-06-07T00:00:02.000000000Z [b] \"- - -\" 0 - outbound|443||external.test\n";
  auto lines = source.LinesSince(*position);
  ASSERT_TRUE(lines.ok()) << lines.status();
  EXPECT_THAT(*lines, ElementsAre("[a] \"- - -\" 0 - outbound|443||external.test",
                                  "[b] \"- - -\" 0 - outbound|443||external.test"));

  const std::vector<FakeRequest> requests = server_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target,
            "/api/v1/namespaces/istio-system/pods?labelSelector=istio%3Degressgateway");
  EXPECT_EQ(requests[1].target,
            "/api/v1/namespaces/istio-system/pods/istio-egressgateway-7d9f-abcde/log"
            "?timestamps=true&sinceTime=2026-06-07T00%3A00%3A01Z&container=istio-proxy");
  EXPECT_EQ(source.Describe(),
            "pods istio=egressgateway in namespace istio-system (container istio-proxy)");
}

TEST_F(KubernetesLogSourceTest, NoMatchingPodIsAFailedPrecondition) {
  pods_ = R"({"items": []})";
  KubernetesLogSource source(&prober_, &clock_, access_, spec_);
  auto position = source.Position();
  EXPECT_EQ(position.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(position.status().message()),
              HasSubstr("no pod matches istio=egressgateway"));
}

TEST_F(KubernetesLogSourceTest, AWrongTokenIsUnavailableWithTheStatus) {
  access_.token_file = dir_.WriteFile("wrong", "nope");
  KubernetesLogSource source(&prober_, &clock_, access_, spec_);
  auto position = source.Position();
  EXPECT_EQ(position.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(position.status().message()), HasSubstr("401"));
}

TEST_F(KubernetesLogSourceTest, AMissingTokenFileIsNamed) {
  access_.token_file = dir_.File("absent");
  KubernetesLogSource source(&prober_, &clock_, access_, spec_);
  EXPECT_THAT(std::string(source.Position().status().message()),
              HasSubstr("cannot read the token file"));
}

}  // namespace
}  // namespace meshproof::agent
