// Cron parsing and next-fire computation, including the daylight-saving rule in two
// time zones (America/New_York and Europe/Berlin, from Debian's tzdata).
#include "services/scheduler/cron.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/scheduler/fire_timing.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::scheduler {
namespace {

using ::meshproof::testing::StatusIs;
using ::testing::HasSubstr;

absl::Time Utc(const std::string& rfc3339) {
  absl::Time t;
  std::string error;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &error)) << error;
  return t;
}

std::string Show(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(name, &zone)) << name << " (is tzdata installed?)";
  return zone;
}

// The next `n` fire times after `from`, as UTC strings.
std::vector<std::string> Next(const std::string& expr, const std::string& zone_name,
                              const std::string& from, int n) {
  absl::StatusOr<CronSpec> spec = ParseCron(expr);
  EXPECT_TRUE(spec.ok()) << spec.status();
  if (!spec.ok()) return {};
  const absl::TimeZone zone = Zone(zone_name);
  std::vector<std::string> out;
  absl::Time t = Utc(from);
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<absl::Time> next = NextCronFire(*spec, zone, t);
    EXPECT_TRUE(next.ok()) << next.status();
    if (!next.ok()) break;
    out.push_back(Show(*next));
    t = *next;
  }
  return out;
}

TEST(CronParseTest, AcceptsRangesListsStepsNamesAndMacros) {
  MP_ASSERT_OK_AND_ASSIGN(CronSpec spec, ParseCron("*/15 9-17 1,15 JAN-mar mon-FRI"));
  EXPECT_TRUE(spec.minutes[0] && spec.minutes[15] && spec.minutes[45]);
  EXPECT_FALSE(spec.minutes[10]);
  EXPECT_TRUE(spec.hours[9] && spec.hours[17]);
  EXPECT_FALSE(spec.hours[18]);
  EXPECT_TRUE(spec.days_of_month[1] && spec.days_of_month[15]);
  EXPECT_FALSE(spec.days_of_month[2]);
  EXPECT_TRUE(spec.months[1] && spec.months[3]);
  EXPECT_FALSE(spec.months[4]);
  EXPECT_TRUE(spec.days_of_week[1] && spec.days_of_week[5]);
  EXPECT_FALSE(spec.days_of_week[0]);
  EXPECT_TRUE(spec.dom_restricted);
  EXPECT_TRUE(spec.dow_restricted);

  MP_ASSERT_OK_AND_ASSIGN(CronSpec sunday, ParseCron("0 0 * * 7"));
  EXPECT_TRUE(sunday.days_of_week[0]);
  MP_ASSERT_OK_AND_ASSIGN(CronSpec from, ParseCron("5/20 * * * *"));
  EXPECT_TRUE(from.minutes[5] && from.minutes[25] && from.minutes[45]);
  EXPECT_FALSE(from.minutes[0]);
  MP_EXPECT_OK(ParseCron("@hourly"));
  MP_EXPECT_OK(ParseCron("@DAILY"));
  MP_EXPECT_OK(ParseCron("@weekly"));
  MP_EXPECT_OK(ParseCron("@monthly"));
}

TEST(CronParseTest, RejectsMalformedExpressionsNamingTheField) {
  EXPECT_THAT(ParseCron("* * * *"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected 5 fields")));
  EXPECT_THAT(ParseCron("0 24 * * *"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                HasSubstr("hour: 24 is out of range 0-23")));
  EXPECT_THAT(ParseCron("60 * * * *"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("minute")));
  EXPECT_THAT(ParseCron("0 0 0 * *"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("day-of-month")));
  EXPECT_THAT(ParseCron("0 0 * foo *"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("month: \"foo\"")));
  EXPECT_THAT(ParseCron("0 0 * * 8"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("day-of-week")));
  EXPECT_THAT(ParseCron("*/0 * * * *"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("step")));
  EXPECT_THAT(ParseCron("5-1 * * * *"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("backwards")));
  EXPECT_THAT(ParseCron("1,,2 * * * *"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(ParseCron("@sometimes"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown macro")));
}

TEST(CronNextTest, PlainUtcSchedules) {
  EXPECT_THAT(Next("0 2 * * *", "UTC", "2026-06-07T01:00:00Z", 2),
              ::testing::ElementsAre("2026-06-07T02:00:00Z", "2026-06-08T02:00:00Z"));
  // Strictly after: a fire time equal to `after` is not returned again.
  EXPECT_THAT(Next("0 2 * * *", "UTC", "2026-06-07T02:00:00Z", 1),
              ::testing::ElementsAre("2026-06-08T02:00:00Z"));
  EXPECT_THAT(Next("*/20 * * * *", "UTC", "2026-06-07T23:50:00Z", 3),
              ::testing::ElementsAre("2026-06-08T00:00:00Z", "2026-06-08T00:20:00Z",
                                     "2026-06-08T00:40:00Z"));
  EXPECT_THAT(Next("@monthly", "UTC", "2026-12-15T00:00:00Z", 2),
              ::testing::ElementsAre("2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z"));
  // 2026-06-07 is a Sunday; @weekly fires on Sundays at midnight.
  EXPECT_THAT(Next("@weekly", "UTC", "2026-06-07T00:00:00Z", 1),
              ::testing::ElementsAre("2026-06-14T00:00:00Z"));
  // Leap day.
  EXPECT_THAT(Next("0 0 29 2 *", "UTC", "2026-06-07T00:00:00Z", 1),
              ::testing::ElementsAre("2028-02-29T00:00:00Z"));
}

TEST(CronNextTest, DayOfMonthOrDayOfWeekWhenBothRestricted) {
  // The 13th, or any Friday (Vixie cron): June 2026 — Friday the 12th, Saturday the 13th.
  EXPECT_THAT(Next("0 0 13 * fri", "UTC", "2026-06-10T00:00:00Z", 3),
              ::testing::ElementsAre("2026-06-12T00:00:00Z", "2026-06-13T00:00:00Z",
                                     "2026-06-19T00:00:00Z"));
  // Only the day of week restricted: both must match, and "*" matches every day.
  EXPECT_THAT(Next("0 0 * * sat", "UTC", "2026-06-10T00:00:00Z", 1),
              ::testing::ElementsAre("2026-06-13T00:00:00Z"));
}

TEST(CronNextTest, NeverFiringExpressionIsNotFound) {
  MP_ASSERT_OK_AND_ASSIGN(CronSpec spec, ParseCron("0 0 30 2 *"));
  EXPECT_THAT(NextCronFire(spec, absl::UTCTimeZone(), Utc("2026-01-01T00:00:00Z")),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(FireTiming::Cron("0 0 30 2 *", "UTC"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no time")));
}

// New York springs forward on 2026-03-08: 02:00 EST becomes 03:00 EDT, so 02:30 does not
// exist. The daily 02:30 fires once, at 03:00 EDT (07:00Z), then at 02:30 EDT again.
TEST(CronDstTest, NewYorkSpringForwardFiresOnceAtTheNextValidInstant) {
  EXPECT_THAT(Next("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", 3),
              ::testing::ElementsAre("2026-03-08T07:00:00Z",  // 03:00 EDT (02:30 skipped)
                                     "2026-03-09T06:30:00Z",  // 02:30 EDT
                                     "2026-03-10T06:30:00Z"));
  // Every 15 minutes through the gap: 02:00..02:45 collapse into one firing at 03:00 EDT,
  // which is also the 03:00 time itself — once.
  EXPECT_THAT(Next("*/15 * * * *", "America/New_York", "2026-03-08T06:40:00Z", 4),
              ::testing::ElementsAre("2026-03-08T06:45:00Z",  // 01:45 EST
                                     "2026-03-08T07:00:00Z",  // 03:00 EDT
                                     "2026-03-08T07:15:00Z",  // 03:15 EDT
                                     "2026-03-08T07:30:00Z"));
}

// New York falls back on 2026-11-01: 01:00-01:59 happens twice (EDT, then EST). The
// daily 01:30 fires once, at the first occurrence (05:30Z), not again at 06:30Z.
TEST(CronDstTest, NewYorkFallBackFiresRepeatedTimeOnce) {
  EXPECT_THAT(Next("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", 3),
              ::testing::ElementsAre("2026-11-01T05:30:00Z",  // 01:30 EDT
                                     "2026-11-02T06:30:00Z",  // 01:30 EST, next day
                                     "2026-11-03T06:30:00Z"));
  // Asked from inside the second 01:xx hour, the 01:30 of that day is already past.
  EXPECT_THAT(Next("30 1 * * *", "America/New_York", "2026-11-01T06:10:00Z", 1),
              ::testing::ElementsAre("2026-11-02T06:30:00Z"));
  // Hourly across the repeated hour: 01:00 fires once (at its first occurrence).
  EXPECT_THAT(Next("0 * * * *", "America/New_York", "2026-11-01T04:30:00Z", 3),
              ::testing::ElementsAre("2026-11-01T05:00:00Z",  // 01:00 EDT
                                     "2026-11-01T07:00:00Z",  // 02:00 EST
                                     "2026-11-01T08:00:00Z"));
}

// Berlin springs forward on 2026-03-29 (02:00 CET → 03:00 CEST) and falls back on
// 2026-10-25 (03:00 CEST → 02:00 CET, so 02:00-02:59 repeats).
TEST(CronDstTest, BerlinSpringForwardAndFallBack) {
  EXPECT_THAT(Next("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 2),
              ::testing::ElementsAre("2026-03-29T01:00:00Z",    // 03:00 CEST (02:30 skipped)
                                     "2026-03-30T00:30:00Z"));  // 02:30 CEST
  EXPECT_THAT(Next("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 2),
              ::testing::ElementsAre("2026-10-25T00:30:00Z",    // 02:30 CEST, first occurrence
                                     "2026-10-26T01:30:00Z"));  // 02:30 CET
  // A time outside the transition hour is unaffected, before and after.
  EXPECT_THAT(Next("0 9 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 2),
              ::testing::ElementsAre("2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z"));
}

TEST(FireTimingTest, IntervalCountsFromTheAnchor) {
  const absl::Time anchor = Utc("2026-06-07T00:00:00Z");
  MP_ASSERT_OK_AND_ASSIGN(FireTiming timing, FireTiming::Interval(absl::Minutes(10), anchor));
  EXPECT_EQ(Show(timing.NextAfter(anchor)), "2026-06-07T00:10:00Z");
  EXPECT_EQ(Show(timing.NextAfter(anchor + absl::Minutes(10))), "2026-06-07T00:20:00Z");
  EXPECT_EQ(Show(timing.NextAfter(anchor + absl::Minutes(25))), "2026-06-07T00:30:00Z");
  std::vector<absl::Time> upcoming = timing.Upcoming(anchor + absl::Minutes(20), 3);
  ASSERT_EQ(upcoming.size(), 3u);
  EXPECT_EQ(Show(upcoming[0]), "2026-06-07T00:20:00Z");
  EXPECT_THAT(FireTiming::Interval(absl::Milliseconds(500), anchor),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("interval")));
}

TEST(FireTimingTest, SubMicrosecondAnchorGivesStoredFireTimesBack) {
  // Fire times are stored in microseconds; reading one back must not make it due twice.
  const absl::Time anchor = Utc("2026-06-07T00:00:00Z") + absl::Nanoseconds(123456789);
  MP_ASSERT_OK_AND_ASSIGN(FireTiming timing, FireTiming::Interval(absl::Seconds(1), anchor));
  const absl::Time first = timing.NextAfter(anchor);
  const absl::Time stored = absl::FromUnixMicros(absl::ToUnixMicros(first));
  EXPECT_EQ(stored, first);
  EXPECT_EQ(timing.NextAfter(stored), first + absl::Seconds(1));
}

TEST(FireTimingTest, UnknownZoneIsRejected) {
  EXPECT_THAT(FireTiming::Cron("0 2 * * *", "Mars/Olympus_Mons"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("time_zone")));
  MP_EXPECT_OK(FireTiming::Cron("0 2 * * *", ""));
}

}  // namespace
}  // namespace meshproof::scheduler
