#include "services/common/time_util.h"

#include <gtest/gtest.h>

namespace meshproof {
namespace {

TEST(TimeUtilTest, TimestampRoundTripsBeforeAndAfterEpoch) {
  for (absl::Time t : {absl::FromUnixMillis(1780790400123), absl::FromUnixMillis(-1500)}) {
    const google::protobuf::Timestamp ts = ToProtoTimestamp(t);
    EXPECT_GE(ts.nanos(), 0);
    EXPECT_EQ(FromProtoTimestamp(ts), t);
  }
}

TEST(TimeUtilTest, DurationOrFallsBackOnZero) {
  EXPECT_EQ(DurationOr(google::protobuf::Duration(), absl::Seconds(5)), absl::Seconds(5));
  EXPECT_EQ(DurationOr(ToProtoDuration(absl::Milliseconds(1500)), absl::Seconds(5)),
            absl::Milliseconds(1500));
}

}  // namespace
}  // namespace meshproof
