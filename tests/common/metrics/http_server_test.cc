// The /metrics listener over a real loopback socket: the format's content type, 404 for
// other paths, a refused address, and a clean stop.
#include "services/common/metrics/http_server.h"

#include <httplib.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/metrics/text_format.h"

namespace meshproof::metrics {
namespace {

using ::testing::HasSubstr;

TEST(MetricsHttpServerTest, ServesMetricsAnd404Elsewhere) {
  Registry registry;
  registry.AddGauge("answer", "the answer").Get().Set(42);
  MetricsHttpServer server(&registry);
  absl::StatusOr<std::string> bound = server.Start("127.0.0.1:0");
  ASSERT_TRUE(bound.ok()) << bound.status();
  std::string host;
  int port = 0;
  ASSERT_TRUE(SplitListenAddress(*bound, &host, &port).ok());
  ASSERT_GT(port, 0);

  httplib::Client client(host, port);
  httplib::Result metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->get_header_value("Content-Type"), kTextFormatContentType);
  EXPECT_THAT(metrics->body, HasSubstr("\nanswer 42\n"));

  // The value is read at each scrape.
  registry.AddGauge("later", "added after start").Get().Set(1);
  EXPECT_THAT(client.Get("/metrics")->body, HasSubstr("\nlater 1\n"));

  httplib::Result other = client.Get("/");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
  EXPECT_EQ(client.Get("/metrics/x")->status, 404);

  server.Stop();
  httplib::Client after(host, port);
  after.set_connection_timeout(1, 0);
  EXPECT_FALSE(after.Get("/metrics"));
}

TEST(MetricsHttpServerTest, RefusesAnAddressInUse) {
  Registry registry;
  MetricsHttpServer first(&registry);
  absl::StatusOr<std::string> bound = first.Start("127.0.0.1:0");
  ASSERT_TRUE(bound.ok());
  MetricsHttpServer second(&registry);
  absl::StatusOr<std::string> again = second.Start(*bound);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(again.status().message()), HasSubstr("--metrics-listen"));
}

TEST(MetricsHttpServerTest, StopRightAfterStartReturns) {
  Registry registry;
  for (int i = 0; i < 20; ++i) {
    MetricsHttpServer server(&registry);
    ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
    server.Stop();
  }
}

TEST(SplitListenAddressTest, AcceptsHostPortAndBracketedV6) {
  std::string host;
  int port = -1;
  ASSERT_TRUE(SplitListenAddress("[::1]:9100", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 9100);
  for (const char* bad : {"9100", ":9100", "::1:9100", "host:x", "host:70000", "[]:1"}) {
    absl::Status status = SplitListenAddress(bad, &host, &port);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(status.message()), HasSubstr("--metrics-listen")) << bad;
  }
}

}  // namespace
}  // namespace meshproof::metrics
