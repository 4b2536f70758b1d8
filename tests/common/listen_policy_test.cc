// Which listen addresses count as loopback, and when a server may listen without tokens.
#include "services/common/listen_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace meshproof {
namespace {

using ::testing::HasSubstr;

TEST(ListenPolicyTest, LoopbackAddresses) {
  for (const char* address :
       {"127.0.0.1:0", "127.0.0.1:7002", "127.1.2.3:80", "localhost:7000", "LOCALHOST:1",
        "[::1]:7002", "::1", "unix:/run/meshproof.sock", "ipv4:127.0.0.1:5"}) {
    EXPECT_TRUE(IsLoopbackListenAddress(address)) << address;
  }
}

TEST(ListenPolicyTest, EverythingElseIsReachableFromOtherHosts) {
  for (const char* address :
       {"0.0.0.0:7002", "[::]:7002", "10.0.0.5:7000", "meshproof.example:7000", ":7000", "",
        "128.0.0.1:1", "[::ffff:127.0.0.1]:1", "[2001:db8::1]:80", "localhost.evil:1"}) {
    EXPECT_FALSE(IsLoopbackListenAddress(address)) << address;
  }
}

TEST(ListenPolicyTest, AnExposedAddressNeedsTokensOrInsecureOpen) {
  EXPECT_TRUE(CheckListenExposure("127.0.0.1:0", false, false).ok());
  EXPECT_TRUE(CheckListenExposure("0.0.0.0:7002", /*authenticated=*/true, false).ok());
  EXPECT_TRUE(CheckListenExposure("0.0.0.0:7002", false, /*insecure_open=*/true).ok());
  const absl::Status refused = CheckListenExposure("0.0.0.0:7002", false, false);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.message()), HasSubstr("--listen 0.0.0.0:7002"));
  EXPECT_THAT(std::string(refused.message()), HasSubstr("--tokens"));
  EXPECT_THAT(std::string(refused.message()), HasSubstr("--insecure-open"));
}

// /metrics has no tokens, so tokens do not open it to other hosts; only --metrics-open
// (or --insecure-open, which the runner passes on as the same decision).
TEST(ListenPolicyTest, ExposedMetricsNeedMetricsOpen) {
  EXPECT_TRUE(CheckMetricsListenExposure("127.0.0.1:9464", false).ok());
  EXPECT_TRUE(CheckMetricsListenExposure("[::1]:9464", false).ok());
  EXPECT_TRUE(CheckMetricsListenExposure("0.0.0.0:9464", /*metrics_open=*/true).ok());
  const absl::Status refused = CheckMetricsListenExposure("0.0.0.0:9464", false);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.message()), HasSubstr("--metrics-listen 0.0.0.0:9464"));
  EXPECT_THAT(std::string(refused.message()), HasSubstr("--metrics-open"));
}

}  // namespace
}  // namespace meshproof
