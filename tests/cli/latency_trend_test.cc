// The direction of a latency trend: newest p50 against the oldest, ±10% is steady, and
// fewer than two days (or a zero first p50) have no direction.
#include "clients/cli/latency_trend.h"

#include <gtest/gtest.h>

#include <vector>

namespace meshproof::cli {
namespace {

google::protobuf::RepeatedPtrField<store::v1::LatencyDay> Days(std::vector<int> p50_ms) {
  google::protobuf::RepeatedPtrField<store::v1::LatencyDay> days;
  for (int ms : p50_ms) days.Add()->mutable_p50()->set_nanos(ms * 1000000);
  return days;
}

TEST(LatencyTrendTest, SlowerFasterSteady) {
  EXPECT_EQ(DescribeDirection(DirectionOf(Days({10, 5, 25}))), "slower +150%");
  EXPECT_EQ(DescribeDirection(DirectionOf(Days({40, 20}))), "faster -50%");
  EXPECT_EQ(DescribeDirection(DirectionOf(Days({100, 300, 109}))), "steady +9%");
  // The band's edge: 10% is a change, not steady.
  EXPECT_EQ(DirectionOf(Days({100, 110})).word, "slower");
  EXPECT_EQ(DirectionOf(Days({100, 90})).word, "faster");
}

TEST(LatencyTrendTest, NoDirectionWithoutTwoDays) {
  EXPECT_EQ(DescribeDirection(DirectionOf(Days({}))), "-");
  EXPECT_EQ(DescribeDirection(DirectionOf(Days({12}))), "-");
  EXPECT_EQ(DirectionOf(Days({0, 12})).word, "-");
  EXPECT_EQ(DirectionOf(Days({0, 12})).change, 0);
}

}  // namespace
}  // namespace meshproof::cli
