// The real prober on loopback only: a fake HTTP server, a closed port, and allowlisted
// programs. Failure classes, recorded fields, cancellation of a transfer in flight.
#include "services/probe-agent/prober.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>

#include "services/common/time_util.h"
#include "tests/probe-agent/fake_http_server.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;
namespace rv1 = ::meshproof::result::v1;
using testing::FakeRequest;
using testing::FakeResponse;
using ::testing::HasSubstr;

// A port nothing listens on: bound, then closed.
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

sv1::Probe Http(const std::string& url) {
  sv1::Probe probe;
  probe.mutable_http()->set_url(url);
  return probe;
}

TEST(RealProberTest, RecordsStatusHeadersBodyAndWhatWasSent) {
  testing::FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse{418, "I'm a teapot"};
  });
  RealProber prober(ProberOptions{});
  sv1::Probe probe = Http(server.url() + "/status/418");
  probe.mutable_http()->set_method("POST");
  probe.mutable_http()->set_body("x=1");
  sv1::Header* host = probe.mutable_http()->add_headers();
  host->set_name("Host");
  host->set_value("httpbin.example.com");
  auto outcome = prober.Run(probe, sv1::Defaults(), {});
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_FALSE(outcome->has_failure()) << outcome->failure().message();
  EXPECT_EQ(outcome->http().status_code(), 418u);
  EXPECT_EQ(outcome->http().body_excerpt(), "I'm a teapot");
  EXPECT_EQ(outcome->http().remote_address(), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(outcome->http().http_version(), "HTTP/1.1");
  bool saw_length = false;
  for (const auto& h : outcome->http().headers())
    saw_length |= h.name() == "content-length" && h.value() == "12";
  EXPECT_TRUE(saw_length);
  EXPECT_GT(FromProtoDuration(outcome->timings().total()), absl::ZeroDuration());
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].method, "POST");
  EXPECT_EQ(server.requests()[0].target, "/status/418");
  EXPECT_EQ(server.requests()[0].headers.at("host"), "httpbin.example.com");
}

TEST(RealProberTest, EmptyReplyIsExit52) {
  testing::FakeHttpServer server([](const FakeRequest&) { return FakeResponse{.hang_up = true}; });
  RealProber prober(ProberOptions{});
  auto outcome = prober.Run(Http(server.url() + "/"), sv1::Defaults(), {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->failure().class_(), sv1::FAILURE_CLASS_EMPTY_REPLY);
  EXPECT_EQ(outcome->failure().curl_exit_code(), 52u);
  EXPECT_EQ(outcome->http().status_code(), 0u);
}

TEST(RealProberTest, ClosedPortIsConnectRefusedForHttpAndTcp) {
  const int port = ClosedPort();
  RealProber prober(ProberOptions{});
  auto http =
      prober.Run(Http("http://127.0.0.1:" + std::to_string(port) + "/"), sv1::Defaults(), {});
  ASSERT_TRUE(http.ok());
  EXPECT_EQ(http->failure().class_(), sv1::FAILURE_CLASS_CONNECT_REFUSED);
  EXPECT_EQ(http->failure().curl_exit_code(), 7u);
  EXPECT_FALSE(http->failure().message().empty());

  sv1::Probe tcp;
  tcp.mutable_tcp()->set_host("127.0.0.1");
  tcp.mutable_tcp()->set_port(static_cast<uint32_t>(port));
  auto refused = prober.Run(tcp, sv1::Defaults(), {});
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->failure().class_(), sv1::FAILURE_CLASS_CONNECT_REFUSED);

  testing::FakeHttpServer server([](const FakeRequest&) { return FakeResponse{}; });
  tcp.mutable_tcp()->set_port(static_cast<uint32_t>(server.port()));
  auto connected = prober.Run(tcp, sv1::Defaults(), {});
  ASSERT_TRUE(connected.ok());
  EXPECT_FALSE(connected->has_failure()) << connected->failure().message();
  EXPECT_EQ(connected->tcp().remote_address(), "127.0.0.1:" + std::to_string(server.port()));
}

TEST(RealProberTest, AStalledResponseTimesOutAfterConnecting) {
  testing::FakeHttpServer server([](const FakeRequest&) { return FakeResponse{.stall = true}; });
  RealProber prober(ProberOptions{});
  sv1::Probe probe = Http(server.url() + "/");
  *probe.mutable_http()->mutable_timeout() = ToProtoDuration(absl::Milliseconds(300));
  auto outcome = prober.Run(probe, sv1::Defaults(), {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->failure().class_(), sv1::FAILURE_CLASS_TIMEOUT);
  EXPECT_EQ(outcome->failure().curl_exit_code(), 28u);
}

TEST(RealProberTest, CancellationAbortsATransferInFlight) {
  testing::FakeHttpServer server([](const FakeRequest&) { return FakeResponse{.stall = true}; });
  RealProber prober(ProberOptions{});
  sv1::Probe probe = Http(server.url() + "/");
  *probe.mutable_http()->mutable_timeout() = ToProtoDuration(absl::Hours(1));
  // Cancelled once the server has the request: the probe must end well before its
  // hour-long timeout (the test would hang otherwise).
  auto outcome =
      prober.Run(probe, sv1::Defaults(), [&server] { return !server.requests().empty(); });
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->failure().curl_exit_code(), 42u);
}

TEST(RealProberTest, FetchSendsHeadersAndRejectsNon200) {
  testing::FakeHttpServer server([](const FakeRequest& r) {
    return r.target == "/ok" ? FakeResponse{200, "line 1\nline 2\n"} : FakeResponse{503, "down"};
  });
  RealProber prober(ProberOptions{});
  sv1::HttpProbe request;
  request.set_url(server.url() + "/ok");
  sv1::Header* header = request.add_headers();
  header->set_name("X-Token");
  header->set_value("t");
  auto body = prober.Fetch(request, 1024);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(*body, "line 1\nline 2\n");
  EXPECT_EQ(server.requests()[0].headers.at("x-token"), "t");
  auto down = FetchUrl(prober, server.url() + "/down", absl::Seconds(5), 1024);
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(down.status().message()), HasSubstr("answered 503"));
}

}  // namespace
}  // namespace meshproof::agent
