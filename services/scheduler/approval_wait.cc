// Defaults, checks and words of a schedule's approval wait.
#include "services/scheduler/approval_wait.h"

#include "absl/strings/str_cat.h"
#include "services/common/time_util.h"

namespace meshproof::scheduler {

absl::Status CheckApprovalWait(const v1::CreateScheduleRequest& req) {
  if (req.has_approval_timeout()) {
    const absl::Duration timeout = FromProtoDuration(req.approval_timeout());
    if (timeout <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError("approval_timeout: must be positive (default 1h)");
    }
    if (timeout > kMaxApprovalTimeout) {
      return absl::InvalidArgumentError(absl::StrCat("approval_timeout: at most ",
                                                     absl::FormatDuration(kMaxApprovalTimeout),
                                                     ", got ", absl::FormatDuration(timeout)));
    }
  }
  if (!v1::ApprovalTimeoutPolicy_IsValid(req.on_approval_timeout())) {
    return absl::InvalidArgumentError(
        "on_approval_timeout: unknown value (expected run_without_gated or cancel)");
  }
  return absl::OkStatus();
}

ApprovalWait ApprovalWaitFor(const v1::Schedule& schedule) {
  ApprovalWait wait;
  wait.timeout = DurationOr(schedule.approval_timeout(), kDefaultApprovalTimeout);
  if (wait.timeout <= absl::ZeroDuration()) wait.timeout = kDefaultApprovalTimeout;
  wait.policy = schedule.on_approval_timeout() == v1::APPROVAL_TIMEOUT_POLICY_UNSPECIFIED
                    ? v1::APPROVAL_TIMEOUT_POLICY_RUN_WITHOUT_GATED
                    : schedule.on_approval_timeout();
  return wait;
}

std::string ApprovalPolicyWord(v1::ApprovalTimeoutPolicy policy) {
  return policy == v1::APPROVAL_TIMEOUT_POLICY_CANCEL ? "cancel" : "run_without_gated";
}

std::string ApprovalPolicyEffect(v1::ApprovalTimeoutPolicy policy) {
  return policy == v1::APPROVAL_TIMEOUT_POLICY_CANCEL ? "it is cancelled"
                                                      : "it runs without its gated tests";
}

}  // namespace meshproof::scheduler
