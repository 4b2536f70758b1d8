// Five-field cron expressions ("minute hour day-of-month month day-of-week") and their
// next fire time in an IANA time zone, computed on civil (wall-clock) time.
//
// Syntax: each field is "*" or a comma list of items "A", "A-B", "*/S", "A-B/S" or "A/S"
// (A up to the field's maximum, every S). Months accept JAN..DEC, days of week SUN..SAT
// (case-insensitive); day of week 0 and 7 are both Sunday. Macros: @hourly, @daily
// (@midnight), @weekly, @monthly, @yearly (@annually).
// Day matching follows Vixie cron: when both day-of-month and day-of-week are restricted
// (neither starts with "*"), a day matches if EITHER matches; otherwise both must.
//
// Daylight-saving rule (docs/scheduler.md): every local wall-clock time fires at most
// once. A local time that does not exist (spring forward) fires at the first instant
// after the gap (the transition itself); several such times collapse into that one
// firing. A local time that occurs twice (fall back) fires at its first occurrence only.
#ifndef MESHPROOF_SERVICES_SCHEDULER_CRON_H_
#define MESHPROOF_SERVICES_SCHEDULER_CRON_H_

#include <bitset>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace meshproof::scheduler {

struct CronSpec {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // 1..31
  std::bitset<13> months;         // 1..12
  std::bitset<7> days_of_week;    // 0 = Sunday
  bool dom_restricted = false;
  bool dow_restricted = false;
};

// Parses `text`. Returns INVALID_ARGUMENT naming the field ("cron: hour: 24 is out of
// range 0-23") for a malformed expression.
absl::StatusOr<CronSpec> ParseCron(absl::string_view text);

// Returns the first fire time strictly after `after` in `zone`. NOT_FOUND when the
// expression matches no day within the next 8 years (e.g. "0 0 30 2 *").
absl::StatusOr<absl::Time> NextCronFire(const CronSpec& spec, const absl::TimeZone& zone,
                                        absl::Time after);

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_CRON_H_
