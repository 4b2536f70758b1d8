#include "services/scheduler/fire_timing.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/time_util.h"

namespace meshproof::scheduler {
namespace {

// "Area/Location" names: letters, digits, _ + - and /, at most 64 characters, relative,
// without . or .. components.
bool IsIanaZoneName(absl::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '/' || name.back() == '/') return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '+' && c != '-' &&
        c != '/') {
      return false;
    }
  }
  for (absl::string_view part : absl::StrSplit(name, '/')) {
    if (part.empty() || part == "." || part == "..") return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<FireTiming> FireTiming::Cron(const std::string& expression,
                                            const std::string& time_zone) {
  FireTiming timing;
  timing.is_cron_ = true;
  absl::StatusOr<CronSpec> spec = ParseCron(expression);
  if (!spec.ok()) return spec.status();
  timing.cron_ = *spec;
  const std::string zone_name = time_zone.empty() ? "UTC" : time_zone;
  // The time zone library opens a name as a file path when it looks like one (absolute,
  // "file:", or with ".."): a request must never make the scheduler open a file of its
  // choosing (a FIFO would block it), so only IANA-shaped names reach it.
  if (!IsIanaZoneName(zone_name) || !absl::LoadTimeZone(zone_name, &timing.zone_)) {
    return absl::InvalidArgumentError(
        absl::StrCat("time_zone: unknown IANA time zone \"", zone_name, "\" (e.g. Europe/Berlin)"));
  }
  // Reject expressions that can never fire (30 February) when the schedule is made.
  absl::StatusOr<absl::Time> next = NextCronFire(timing.cron_, timing.zone_, absl::UnixEpoch());
  if (!next.ok()) return absl::InvalidArgumentError(next.status().message());
  return timing;
}

absl::StatusOr<FireTiming> FireTiming::Interval(absl::Duration interval, absl::Time anchor) {
  if (interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError("interval: must be at least 1s");
  }
  FireTiming timing;
  timing.interval_ = interval;
  // Fire times are stored in whole microseconds; an anchor finer than that would make a
  // stored fire time read back a little earlier than the one computed.
  timing.anchor_ = absl::FromUnixMicros(absl::ToUnixMicros(anchor));
  return timing;
}

absl::StatusOr<FireTiming> FireTiming::ForSchedule(const v1::Schedule& s) {
  if (s.has_interval()) {
    return Interval(FromProtoDuration(s.interval()), FromProtoTimestamp(s.created_at()));
  }
  if (s.cron().empty()) return absl::InvalidArgumentError("cron or interval: one is required");
  return Cron(s.cron(), s.time_zone());
}

absl::Time FireTiming::NextAfter(absl::Time t) const {
  if (is_cron_) {
    absl::StatusOr<absl::Time> next = NextCronFire(cron_, zone_, t);
    return next.ok() ? *next : absl::InfiniteFuture();
  }
  if (t < anchor_) return anchor_ + interval_;
  // IDivDuration writes the remainder unconditionally: it must get a place to write it.
  absl::Duration remainder;
  const int64_t k = absl::IDivDuration(t - anchor_, interval_, &remainder);
  return anchor_ + (k + 1) * interval_;
}

std::vector<absl::Time> FireTiming::Upcoming(absl::Time from_inclusive, int n) const {
  std::vector<absl::Time> times;
  absl::Time t = NextAfter(from_inclusive - absl::Nanoseconds(1));
  while (static_cast<int>(times.size()) < n && t != absl::InfiniteFuture()) {
    times.push_back(t);
    t = NextAfter(t);
  }
  return times;
}

}  // namespace meshproof::scheduler
