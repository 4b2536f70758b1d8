// The schedule registry: schedule definitions (id, scenario, interval or cron, concurrency
// policy, starting deadline, run parameters), pause and resume, and the schedule views
// (next fire times, recent fires with their runs' states, the last fire's outcome and
// what the schedule waits for). When a schedule fires is
// ScheduleFiring's decision.
#ifndef MESHPROOF_SERVICES_SCHEDULER_SCHEDULE_REGISTRY_H_
#define MESHPROOF_SERVICES_SCHEDULER_SCHEDULE_REGISTRY_H_

#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"
#include "services/scheduler/run_lifecycle.h"
#include "services/scheduler/scenario_registry.h"
#include "services/scheduler/schedule_book.h"
#include "services/scheduler/scheduler_state.h"

namespace meshproof::scheduler {

class ScheduleRegistry {
 public:
  ScheduleRegistry(SchedulerState* state, ScenarioRegistry* scenarios, RunLifecycle* runs)
      : state_(state), scenarios_(scenarios), runs_(runs) {}

  // INVALID_ARGUMENT naming the field; NOT_FOUND for an unknown scenario (or one of
  // another team); ALREADY_EXISTS. The schedule belongs to its scenario's team.
  absl::StatusOr<v1::Schedule> Create(const v1::CreateScheduleRequest& req,
                                      const CallerScope& scope);
  absl::StatusOr<v1::ListSchedulesResponse> List(const v1::ListSchedulesRequest& req,
                                                 const CallerScope& scope);
  // All below: NOT_FOUND for an unknown schedule or one `scope` may not see.
  absl::StatusOr<v1::Schedule> Get(const std::string& schedule_id, const CallerScope& scope);
  absl::StatusOr<v1::Schedule> Pause(const std::string& schedule_id, const CallerScope& scope);
  // Fire times that passed while paused are not made up for.
  absl::StatusOr<v1::Schedule> Resume(const std::string& schedule_id, const CallerScope& scope);
  absl::Status Delete(const std::string& schedule_id, const CallerScope& scope);

  // Returns the schedule, NOT_FOUND when there is none or `scope` may not see it.
  absl::StatusOr<ScheduleRow> FindLocked(const std::string& schedule_id,
                                         const CallerScope& scope = CallerScope::Everyone())
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);

 private:
  absl::StatusOr<v1::Schedule> ViewLocked(const ScheduleRow& row)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);
  // What the schedule waits for now, in one line (Schedule.waiting_for).
  absl::StatusOr<std::string> WaitingForLocked(const ScheduleRow& row)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);

  SchedulerState* const state_;
  ScenarioRegistry* const scenarios_;
  RunLifecycle* const runs_;
};

// Formats a fire time for logs and messages (RFC 3339, seconds, UTC).
std::string Rfc3339(absl::Time t);

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_SCHEDULE_REGISTRY_H_
