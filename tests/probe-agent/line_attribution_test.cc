// Tying a log line to one call: the time formats a line's start time is written in, and
// the client address in Envoy's default access-log format.
#include "services/probe-agent/line_attribution.h"

#include <gtest/gtest.h>

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;

absl::Time At(const std::string& rfc3339) {
  absl::Time t;
  std::string error;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &error)) << error;
  return t;
}

TEST(ParseLogTimeTest, ReadsEachFormatWithItsPrecision) {
  absl::Time t;
  absl::Duration precision;
  ASSERT_TRUE(ParseLogTime("2026-06-07T10:00:01.409Z", "rfc3339", &t, &precision));
  EXPECT_EQ(t, At("2026-06-07T10:00:01.409Z"));
  EXPECT_EQ(precision, absl::Milliseconds(1));
  ASSERT_TRUE(
      ParseLogTime("2026-06-07T12:00:01+02:00", "", &t, &precision));  // nginx $time_iso8601
  EXPECT_EQ(t, At("2026-06-07T10:00:01Z"));
  EXPECT_EQ(precision, absl::Seconds(1));
  ASSERT_TRUE(ParseLogTime("1780826401.250", "epoch", &t, &precision));  // nginx $msec
  EXPECT_EQ(t, absl::FromUnixMillis(1780826401250));
  EXPECT_EQ(precision, absl::Milliseconds(1));
  ASSERT_TRUE(ParseLogTime("07/Jun/2026:10:00:01 +0000", "common", &t, &precision));
  EXPECT_EQ(t, At("2026-06-07T10:00:01Z"));
  EXPECT_FALSE(ParseLogTime("yesterday", "rfc3339", &t, &precision));
  EXPECT_FALSE(ParseLogTime("-5", "epoch", &t, &precision));
  EXPECT_FALSE(ParseLogTime("2026-06-07T10:00:01Z", "common", &t, &precision));
  // absl's own words for the ends of time are no log line's time (found by log_line_fuzzer).
  EXPECT_FALSE(ParseLogTime("infinite-past", "rfc3339", &t, &precision));
  EXPECT_FALSE(ParseLogTime("infinite-future", "", &t, &precision));
}

class LineAttributorTest : public ::testing::Test {
 protected:
  // In the shape of Istio's documented default-format TCP line for a passthrough call.
  static std::string TcpLine(const std::string& start, const std::string& client) {
    return "[" + start +
           R"(] "- - -" 0 - - - "-" 839 1523 44 - "-" "-" "-" "-" "151.101.194.133:443" )" +
           "outbound|443||edition.cnn.com 10.44.1.34:39536 151.101.194.133:443 " + client +
           " edition.cnn.com -";
  }
  CallWindow call_{At("2026-06-07T10:00:01.000Z"), At("2026-06-07T10:00:01.200Z"),
                   "10.44.1.34:39534"};
};

TEST_F(LineAttributorTest, TheStartTimeMustFallInsideTheCallWithTheSkew) {
  sv1::LogEvidence spec;
  LineAttributor attributor(spec);  // Envoy's format, 1 s skew
  EXPECT_EQ(attributor.Attribute(TcpLine("2026-06-07T10:00:01.050Z", "x:1"), call_),
            Attribution::kThisCall);
  EXPECT_EQ(attributor.Attribute(TcpLine("2026-06-07T10:00:00.001Z", "x:1"), call_),
            Attribution::kThisCall);
  EXPECT_EQ(attributor.Attribute(TcpLine("2026-06-07T09:59:59.999Z", "x:1"), call_),
            Attribution::kBeforeCall);
  EXPECT_EQ(attributor.Attribute(TcpLine("2026-06-07T10:00:02.300Z", "x:1"), call_),
            Attribution::kAfterCall);
  EXPECT_EQ(attributor.Attribute("no time outbound|443||edition.cnn.com", call_),
            Attribution::kNoTime);
  *spec.mutable_skew() = google::protobuf::Duration();
  spec.mutable_skew()->set_nanos(1000000);  // 1 ms
  LineAttributor tight(spec);
  EXPECT_EQ(tight.Attribute(TcpLine("2026-06-07T10:00:00.900Z", "x:1"), call_),
            Attribution::kBeforeCall);
  // A whole-second time may be any instant of that second.
  EXPECT_EQ(tight.Attribute(TcpLine("2026-06-07T10:00:01Z", "x:1"), call_), Attribution::kThisCall);
  EXPECT_EQ(tight.Attribute(TcpLine("2026-06-07T10:00:00Z", "x:1"), call_),
            Attribution::kThisCall);  // .999 is in
  EXPECT_EQ(tight.Attribute(TcpLine("2026-06-07T09:59:59Z", "x:1"), call_),
            Attribution::kBeforeCall);
}

TEST_F(LineAttributorTest, CorrelationReadsTheDownstreamRemoteAddress) {
  sv1::LogEvidence spec;
  spec.set_correlate(sv1::LOG_CORRELATION_CLIENT_ADDRESS);
  LineAttributor attributor(spec);
  const std::string start = "2026-06-07T10:00:01.050Z";
  EXPECT_EQ(attributor.Attribute(TcpLine(start, "10.44.1.34:39534"), call_),
            Attribution::kThisCall);
  // The downstream *local* address (the gateway's own) must not be mistaken for it.
  EXPECT_EQ(attributor.Attribute(TcpLine(start, "10.44.1.34:39535"), call_),
            Attribution::kOtherClient);
  EXPECT_EQ(attributor.Attribute(TcpLine(start, "-"), call_), Attribution::kNoClientAddress);
  CallWindow no_connection = call_;
  no_connection.local_address.clear();
  EXPECT_EQ(attributor.Attribute(TcpLine(start, "10.44.1.34:39534"), no_connection),
            Attribution::kNoConnection);

  spec.set_correlate(sv1::LOG_CORRELATION_CLIENT_IP);
  LineAttributor by_ip(spec);
  EXPECT_EQ(by_ip.Attribute(TcpLine(start, "10.44.1.34:1"), call_), Attribution::kThisCall);
  EXPECT_EQ(by_ip.Attribute(TcpLine(start, "10.44.1.35:39534"), call_), Attribution::kOtherClient);
  CallWindow v6 = call_;
  v6.local_address = "[::1]:4000";
  spec.set_correlate(sv1::LOG_CORRELATION_CLIENT_ADDRESS);
  LineAttributor v6_attributor(spec);
  EXPECT_EQ(v6_attributor.Attribute(TcpLine(start, "[::1]:4000"), v6), Attribution::kThisCall);
}

TEST_F(LineAttributorTest, PatternsOfTheScenarioAreUsed) {
  sv1::LogEvidence spec;
  spec.mutable_time()->set_pattern(R"(ts=(\S+))");
  spec.mutable_time()->set_format("epoch");
  spec.set_client_address_pattern(R"(client=(\S+))");
  spec.set_correlate(sv1::LOG_CORRELATION_CLIENT_ADDRESS);
  LineAttributor attributor(spec);
  const std::string inside = std::to_string(absl::ToUnixMillis(call_.start) / 1000.0 + 0.05);
  EXPECT_EQ(attributor.Attribute("ts=" + inside + " client=10.44.1.34:39534", call_),
            Attribution::kThisCall);
  EXPECT_EQ(attributor.Attribute("ts=" + inside + " client=10.44.1.34:1", call_),
            Attribution::kOtherClient);
  sv1::LogEvidence none;
  none.mutable_time()->set_format("none");
  EXPECT_EQ(LineAttributor(none).Attribute("anything", call_), Attribution::kThisCall);
}

}  // namespace
}  // namespace meshproof::agent
