// The agent's destinations with real sockets on loopback: every connection a probe or an
// evidence read opens is checked by the address it goes to, whatever the scenario's
// resolve/connect_to overrides say, redirects included; refused means nothing was sent.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "services/common/time_util.h"
#include "services/probe-agent/prober.h"
#include "tests/probe-agent/fake_http_server.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;
namespace rv1 = ::meshproof::result::v1;
using testing::FakeHttpServer;
using testing::FakeRequest;
using testing::FakeResponse;
using ::testing::HasSubstr;

DestinationRule Cidr(std::string cidr, std::vector<PortRange> ports = {}) {
  DestinationRule rule;
  rule.cidr = std::move(cidr);
  rule.ports = std::move(ports);
  return rule;
}

DestinationRule Host(std::string host, std::vector<PortRange> ports = {}) {
  DestinationRule rule;
  rule.host = std::move(host);
  rule.ports = std::move(ports);
  return rule;
}

PortRange Port(int port) {
  return PortRange{static_cast<uint16_t>(port), static_cast<uint16_t>(port)};
}

ProberOptions Allow(std::vector<DestinationRule> rules, bool follow_redirects = false) {
  ProberOptions options;
  auto policy = DestinationPolicy::Create(std::move(rules));
  EXPECT_TRUE(policy.ok()) << policy.status();
  if (policy.ok()) options.destinations = *policy;
  options.follow_redirects = follow_redirects;
  options.max_concurrency = 1;  // one multi handle: what it keeps, the next probe sees
  return options;
}

sv1::Probe Http(const std::string& url) {
  sv1::Probe probe;
  probe.mutable_http()->set_url(url);
  *probe.mutable_http()->mutable_timeout() = ToProtoDuration(absl::Seconds(5));
  return probe;
}

FakeHttpServer::Handler Ok() {
  return [](const FakeRequest&) { return FakeResponse{200, "ok"}; };
}

// The two ways an HTTP probe runs: Run, on the calling thread (a test with retries or
// evidence), and Start, on the prober's loop threads (a scenario of simple tests). The
// agent's destinations hold the same on both.
class DestinationPathTest : public ::testing::TestWithParam<bool> {
 protected:
  absl::StatusOr<rv1::ProbeOutcome> Probe(RealProber& prober, const sv1::Probe& probe) {
    if (!GetParam()) return prober.Run(probe, sv1::Defaults(), {});
    EXPECT_TRUE(prober.CanStart(probe));
    absl::Notification done;
    absl::StatusOr<rv1::ProbeOutcome> answer = absl::UnknownError("no answer");
    auto at_once =
        prober.Start(probe, sv1::Defaults(), {}, [&](absl::StatusOr<rv1::ProbeOutcome> outcome) {
          answer = std::move(outcome);
          done.Notify();
        });
    if (at_once.has_value()) return *std::move(at_once);
    EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    return answer;
  }
};
INSTANTIATE_TEST_SUITE_P(RunAndStart, DestinationPathTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Started" : "Run";
                         });

TEST_P(DestinationPathTest, AnAllowedAddressAndPortIsReached) {
  FakeHttpServer server(Ok());
  RealProber prober(Allow({Cidr("127.0.0.0/8", {Port(server.port())})}));
  auto outcome = Probe(prober, Http(server.url() + "/a"));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->http().status_code(), 200u);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_P(DestinationPathTest, AnAddressOrPortNotListedIsRefusedBeforeAnyConnection) {
  FakeHttpServer server(Ok());
  RealProber other_network(Allow({Cidr("10.0.0.0/8")}));
  auto outcome = Probe(other_network, Http(server.url() + "/a"));
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(outcome.status().message(),
              HasSubstr(absl::StrCat("destination 127.0.0.1:", server.port(), " is not allowed")));
  RealProber other_port(Allow({Cidr("127.0.0.1", {Port(server.port() == 1 ? 2 : 1)})}));
  EXPECT_EQ(Probe(other_port, Http(server.url())).status().code(),
            absl::StatusCode::kPermissionDenied);
  // An empty allow list denies everything.
  RealProber nothing(Allow({}));
  EXPECT_EQ(Probe(nothing, Http(server.url())).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(server.requests().empty());
}

TEST_P(DestinationPathTest, HostRulesTrustOnlyTheSystemResolver) {
  FakeHttpServer server(Ok());
  RealProber prober(Allow({Host("localhost", {Port(server.port())}), Host("*.allowed.test")}));
  const std::string port = absl::StrCat(server.port());
  auto by_name = Probe(prober, Http(absl::StrCat("http://localhost:", port, "/")));
  ASSERT_TRUE(by_name.ok()) << by_name.status();
  EXPECT_EQ(by_name->http().status_code(), 200u);
  ASSERT_EQ(server.requests().size(), 1u);

  // An allowed name pointed by the scenario at an address of its choosing.
  sv1::Probe resolved = Http(absl::StrCat("http://api.allowed.test:", port, "/"));
  resolved.mutable_http()->add_resolve(absl::StrCat("api.allowed.test:", port, ":127.0.0.1"));
  auto by_resolve = Probe(prober, resolved);
  EXPECT_EQ(by_resolve.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(by_resolve.status().message(),
              HasSubstr("is not allowed by the agent's destinations"));

  sv1::Probe connected = Http(absl::StrCat("http://localhost:", port, "/"));
  connected.mutable_http()->add_connect_to(absl::StrCat("localhost:", port, ":127.0.0.1:", port));
  EXPECT_EQ(Probe(prober, connected).status().code(), absl::StatusCode::kPermissionDenied);

  // An address literal is judged by CIDR rules only.
  EXPECT_EQ(Probe(prober, Http(server.url())).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_P(DestinationPathTest, RedirectsAreNotFollowedUnlessTheAgentAllowsThem) {
  FakeHttpServer inner(Ok());
  FakeHttpServer outer([&inner](const FakeRequest&) {
    FakeResponse response{302, ""};
    response.headers["Location"] = inner.url() + "/internal";
    return response;
  });
  sv1::Probe probe = Http(outer.url() + "/start");
  probe.mutable_http()->set_follow_redirects(true);

  RealProber no_redirects(Allow({Cidr("127.0.0.0/8")}));
  auto refused = Probe(no_redirects, probe);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.status().message(), HasSubstr("http.follow_redirects"));
  EXPECT_TRUE(outer.requests().empty());

  // Allowed to follow, but the target is outside the destinations.
  RealProber follows(Allow({Cidr("127.0.0.0/8", {Port(outer.port())})}, /*follow_redirects=*/true));
  auto inward = Probe(follows, probe);
  EXPECT_EQ(inward.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(inward.status().message(), HasSubstr(absl::StrCat("127.0.0.1:", inner.port())));
  EXPECT_EQ(outer.requests().size(), 1u);
  EXPECT_TRUE(inner.requests().empty());

  // Both allowed: followed.
  RealProber both(Allow({Cidr("127.0.0.0/8")}, /*follow_redirects=*/true));
  auto followed = Probe(both, probe);
  ASSERT_TRUE(followed.ok()) << followed.status();
  EXPECT_EQ(followed->http().status_code(), 200u);
  EXPECT_EQ(inner.requests().size(), 1u);
}

TEST(DestinationTest, EvidenceReadsTcpAndDnsProbesAreCheckedToo) {
  FakeHttpServer server(Ok());
  RealProber prober(Allow({Cidr("10.0.0.0/8"), Host("*.svc.cluster.local")}));
  auto fetched = FetchUrl(prober, server.url() + "/log", absl::Seconds(5), 1024);
  EXPECT_EQ(fetched.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(fetched.status().message(), HasSubstr("is not allowed by the agent's destinations"));

  sv1::Probe envoy;
  envoy.mutable_envoy_admin()->set_admin_url(server.url());
  envoy.mutable_envoy_admin()->set_resource(sv1::ENVOY_RESOURCE_CLUSTERS);
  EXPECT_EQ(prober.Run(envoy, sv1::Defaults(), {}).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(server.requests().empty());

  sv1::Probe tcp;
  tcp.mutable_tcp()->set_host("127.0.0.1");
  tcp.mutable_tcp()->set_port(static_cast<uint32_t>(server.port()));
  auto tcp_outcome = prober.Run(tcp, sv1::Defaults(), {});
  EXPECT_EQ(tcp_outcome.status().code(), absl::StatusCode::kPermissionDenied);

  sv1::Probe dns;
  dns.mutable_dns()->set_name("localhost");
  auto dns_outcome = prober.Run(dns, sv1::Defaults(), {});
  EXPECT_EQ(dns_outcome.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(dns_outcome.status().message(), HasSubstr("dns.name: \"localhost\" is not allowed"));
  dns.mutable_dns()->set_name("api.svc.cluster.local");
  EXPECT_TRUE(prober.Run(dns, sv1::Defaults(), {}).ok());  // allowed (whatever it resolves to)
}

TEST_P(DestinationPathTest, AScenariosResolveEntriesDoNotOutliveItsProbe) {
  FakeHttpServer server(Ok());
  RealProber prober(ProberOptions{.max_concurrency = 1});  // one multi handle, one DNS cache
  const std::string url = absl::StrCat("http://meshproof-resolve.invalid:", server.port(), "/");
  sv1::Probe pinned = Http(url);
  pinned.mutable_http()->add_resolve(
      absl::StrCat("meshproof-resolve.invalid:", server.port(), ":127.0.0.1"));
  auto first = Probe(prober, pinned);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->http().status_code(), 200u);
  // The same name without the override: the system resolver knows no .invalid name.
  auto second = Probe(prober, Http(url));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->failure().class_(), sv1::FAILURE_CLASS_DNS) << second->http().status_code();
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(DestinationPolicyTest, MalformedRulesAreRefusedNamingThem) {
  auto bad_cidr = DestinationPolicy::Create({Cidr("10.0.0.0/8"), Cidr("10.0.0.0/33")});
  EXPECT_EQ(bad_cidr.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_cidr.status().message(), HasSubstr("destinations.allow[1].cidr"));
  auto address_as_host = DestinationPolicy::Create({Host("127.0.0.1")});
  EXPECT_THAT(address_as_host.status().message(), HasSubstr("destinations.allow[0].host"));
  auto both = DestinationPolicy::Create({DestinationRule{.cidr = "10.0.0.0/8", .host = "a.test"}});
  EXPECT_THAT(both.status().message(), HasSubstr("exactly one of cidr and host"));
  EXPECT_FALSE(ParsePortRange("0", "ports[0]").ok());
  EXPECT_FALSE(ParsePortRange("9-3", "ports[0]").ok());
  EXPECT_FALSE(ParsePortRange("65536", "ports[0]").ok());
  ASSERT_TRUE(ParsePortRange("1-65535", "ports[0]").ok());
}

TEST(DestinationPolicyTest, MappedAddressesAndWildcardsAreJudgedForWhatTheyReach) {
  auto policy =
      DestinationPolicy::Create({Cidr("10.0.0.0/8"), Host("*.svc.cluster.local", {Port(443)})});
  ASSERT_TRUE(policy.ok());
  sockaddr_in6 mapped{};
  mapped.sin6_family = AF_INET6;
  mapped.sin6_port = htons(80);
  inet_pton(AF_INET6, "::ffff:127.0.0.1", &mapped.sin6_addr);
  EXPECT_FALSE(policy->CheckAddress(reinterpret_cast<sockaddr*>(&mapped), "").ok());
  inet_pton(AF_INET6, "::ffff:10.1.2.3", &mapped.sin6_addr);
  EXPECT_TRUE(policy->CheckAddress(reinterpret_cast<sockaddr*>(&mapped), "").ok());
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_port = htons(443);
  inet_pton(AF_INET, "169.254.169.254", &any.sin_addr);
  EXPECT_TRUE(
      policy->CheckAddress(reinterpret_cast<sockaddr*>(&any), "api.ns.svc.cluster.local").ok());
  EXPECT_FALSE(policy->CheckAddress(reinterpret_cast<sockaddr*>(&any), "svc.cluster.local").ok());
  EXPECT_FALSE(
      policy->CheckAddress(reinterpret_cast<sockaddr*>(&any), "evilsvc.cluster.local").ok());
  EXPECT_FALSE(policy->CheckAddress(reinterpret_cast<sockaddr*>(&any), "").ok());
  any.sin_port = htons(80);
  EXPECT_FALSE(
      policy->CheckAddress(reinterpret_cast<sockaddr*>(&any), "api.ns.svc.cluster.local").ok());
}

}  // namespace
}  // namespace meshproof::agent
