// Schedule firing: when a schedule fires and what a fire does — the due fire times since
// the last look (only the latest may still fire, within the starting deadline; earlier
// ones are recorded MISSED), the concurrency policy (FORBID skips, REPLACE cancels the
// active run, ALLOW starts another; a run awaiting approval never blocks a fire), at most one run
// per fire time (the fire record's INSERT decides, across restarts), and manual triggers.
#ifndef MESHPROOF_SERVICES_SCHEDULER_SCHEDULE_FIRING_H_
#define MESHPROOF_SERVICES_SCHEDULER_SCHEDULE_FIRING_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"
#include "services/scheduler/run_lifecycle.h"
#include "services/scheduler/schedule_book.h"
#include "services/scheduler/schedule_registry.h"
#include "services/scheduler/scheduler_state.h"

namespace meshproof::scheduler {

class ScheduleFiring {
 public:
  ScheduleFiring(SchedulerState* state, ScheduleRegistry* schedules, RunLifecycle* runs)
      : state_(state), schedules_(schedules), runs_(runs) {}

  // Fires every schedule due at `now`, one transaction each. Errors are logged; a
  // schedule that could not fire is tried again at the next tick.
  void FireDueLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);
  // Starts a run of the schedule now and commits; returns the run's id. NOT_FOUND;
  // FAILED_PRECONDITION under FORBID while a run of the schedule is active, or when the
  // run cannot start.
  absl::StatusOr<std::string> TriggerLocked(const std::string& schedule_id,
                                            const CallerScope& scope)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);
  // Returns the earliest next fire time of any unpaused schedule.
  absl::StatusOr<absl::Time> EarliestNextFireLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);

 private:
  absl::Status FireScheduleLocked(const ScheduleRow& row, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);
  // Applies the concurrency policy and starts a run for `fire_time` (inside the caller's
  // transaction). Returns the outcome recorded; ABORTED when the time was handled before.
  absl::StatusOr<v1::FireRecord> FireAtLocked(const ScheduleRow& row, absl::Time fire_time,
                                              bool manual)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);

  // Keeps why `row`'s due fire time could not be handled, for the schedule's view.
  void RecordFireErrorLocked(const ScheduleRow& row, const absl::Status& error, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);

  SchedulerState* const state_;
  ScheduleRegistry* const schedules_;
  RunLifecycle* const runs_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_SCHEDULE_FIRING_H_
