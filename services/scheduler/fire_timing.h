// When a schedule fires: a cron expression in an IANA time zone, or a fixed interval
// counted from the schedule's creation.
#ifndef MESHPROOF_SERVICES_SCHEDULER_FIRE_TIMING_H_
#define MESHPROOF_SERVICES_SCHEDULER_FIRE_TIMING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"
#include "services/scheduler/cron.h"

namespace meshproof::scheduler {

class FireTiming {
 public:
  // Parses the cron expression and loads the zone ("" means UTC). INVALID_ARGUMENT
  // naming `cron` or `time_zone`, including for an expression that never fires.
  static absl::StatusOr<FireTiming> Cron(const std::string& expression,
                                         const std::string& time_zone);
  // Fires at anchor + k * interval, k = 1, 2, ... INVALID_ARGUMENT under 1 s.
  static absl::StatusOr<FireTiming> Interval(absl::Duration interval, absl::Time anchor);
  // From a schedule definition (cron + time_zone, or interval anchored at created_at).
  static absl::StatusOr<FireTiming> ForSchedule(const meshproof::scheduler::v1::Schedule& s);

  // Returns the first fire time strictly after `t` (InfiniteFuture when none).
  absl::Time NextAfter(absl::Time t) const;
  // Returns up to `n` fire times from `first` (inclusive when it is a fire time).
  std::vector<absl::Time> Upcoming(absl::Time from_inclusive, int n) const;

 private:
  FireTiming() = default;
  bool is_cron_ = false;
  CronSpec cron_;
  absl::TimeZone zone_;
  absl::Duration interval_;
  absl::Time anchor_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_FIRE_TIMING_H_
