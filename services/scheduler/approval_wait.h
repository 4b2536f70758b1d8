// How long a scheduled run waits for an approver and what happens when nobody decides:
// the schedule's approval_timeout and on_approval_timeout, their defaults and checks,
// and the words used for them in reasons and views. Runs started by a person or by
// tooling carry no approval deadline (someone is there to decide); runs a schedule
// starts do, so a nightly schedule never waits for a person forever.
#ifndef MESHPROOF_SERVICES_SCHEDULER_APPROVAL_WAIT_H_
#define MESHPROOF_SERVICES_SCHEDULER_APPROVAL_WAIT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"

namespace meshproof::scheduler {

// Used when a schedule names no approval_timeout (also for schedules created before
// the field existed).
inline constexpr absl::Duration kDefaultApprovalTimeout = absl::Hours(1);
// Longer waits are refused: a week-old approval request is not a nightly run any more.
inline constexpr absl::Duration kMaxApprovalTimeout = absl::Hours(24 * 7);

// The approval deadline a new run gets. An infinite timeout means none (not scheduled).
struct ApprovalWait {
  absl::Duration timeout = absl::InfiniteDuration();
  v1::ApprovalTimeoutPolicy policy = v1::APPROVAL_TIMEOUT_POLICY_UNSPECIFIED;
};

// Checks the request's approval_timeout and on_approval_timeout. INVALID_ARGUMENT naming
// the field.
absl::Status CheckApprovalWait(const v1::CreateScheduleRequest& req);
// Returns the wait in force for runs of `schedule`, defaults filled in.
ApprovalWait ApprovalWaitFor(const v1::Schedule& schedule);
// Returns "run_without_gated" or "cancel" (the names docs and the CLI use).
std::string ApprovalPolicyWord(v1::ApprovalTimeoutPolicy policy);
// Returns what happens at the deadline, for reasons: "it runs without its gated tests".
std::string ApprovalPolicyEffect(v1::ApprovalTimeoutPolicy policy);

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_APPROVAL_WAIT_H_
