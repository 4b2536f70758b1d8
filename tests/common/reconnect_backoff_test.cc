// ReconnectBackoff: a short first delay, doubling to the cap, jittered, and reset.
#include "services/common/reconnect_backoff.h"

#include <gtest/gtest.h>

namespace meshproof {
namespace {

TEST(ReconnectBackoffTest, StartsShortGrowsToCapWithJitter) {
  ReconnectBackoff backoff(absl::Milliseconds(150), absl::Seconds(2), 42);
  absl::Duration base = absl::Milliseconds(150);
  for (int i = 0; i < 12; ++i) {
    const absl::Duration d = backoff.Next();
    EXPECT_GE(d, base / 2) << "attempt " << i;
    EXPECT_LE(d, base) << "attempt " << i;
    base = std::min(base * 2, absl::Seconds(2));
  }
  EXPECT_EQ(base, absl::Seconds(2));
}

TEST(ReconnectBackoffTest, ResetReturnsToTheShortDelay) {
  ReconnectBackoff backoff(absl::Milliseconds(150), absl::Seconds(2), 7);
  for (int i = 0; i < 8; ++i) backoff.Next();
  EXPECT_GT(backoff.Next(), absl::Milliseconds(150));
  backoff.Reset();
  EXPECT_LE(backoff.Next(), absl::Milliseconds(150));
}

TEST(ReconnectBackoffTest, JitterSpreadsClientsApart) {
  ReconnectBackoff a(absl::Seconds(1), absl::Seconds(1), 1),
      b(absl::Seconds(1), absl::Seconds(1), 2);
  int differ = 0;
  for (int i = 0; i < 10; ++i) differ += a.Next() != b.Next();
  EXPECT_GT(differ, 5);
}

}  // namespace
}  // namespace meshproof
