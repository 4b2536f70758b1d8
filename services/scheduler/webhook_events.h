// Where the scheduler's state changes become notifications: each Notify...Locked builds
// the event (webhook_payload.h) and queues it in the webhook outbox inside the caller's
// transaction, so the event exists exactly when the change committed. The event id is
// derived from what happened (the run, the fire time, the attempt), so raising the same
// event again queues nothing. With no webhooks configured they do nothing.
//
// A regression is a test that passed in the previous comparable run and now fails or
// ends ERROR (its proof is gone); a fix the reverse — the rule of
// results::ClassifyVerdictChange, which `compare` uses too. "Comparable": an earlier
// ended run of the same scenario targeting the same cluster (Run.target.cluster) that
// has a PASS, FAIL or ERROR for that test — the newest such run per test, so a partial
// run (--only) is compared test by test. SKIPPED, BLOCKED and NOT_RUN mean the test was
// not attempted and are neither side of a change.
#ifndef MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_EVENTS_H_
#define MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_EVENTS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "meshproof/result/v1/result.pb.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"
#include "services/scheduler/run_queue.h"
#include "services/scheduler/scheduler_state.h"
#include "services/scheduler/webhook_payload.h"

namespace meshproof::scheduler {

// The comparable (PASS, FAIL, ERROR) verdicts of one earlier run, by test.
struct PastVerdicts {
  std::string run_id;
  std::map<std::string, meshproof::result::v1::TestVerdict> verdicts;
};

// Compares `now` (test → verdict) with `history` (newest first), each test against its
// newest comparable verdict, by results::ClassifyVerdictChange (the rule `compare`
// uses): fills the tests that went PASS → FAIL or ERROR (`regressed`) and FAIL or
// ERROR → PASS (`fixed`), in test-name order.
void CompareWithHistory(const std::map<std::string, meshproof::result::v1::TestVerdict>& now,
                        const std::vector<PastVerdicts>& history,
                        std::vector<TestChange>* regressed, std::vector<TestChange>* fixed);

// After `row` ended (its final state written): run.regressed / run.fixed.
absl::Status NotifyRunEndedLocked(SchedulerState* state, const RunRow& row)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(state->mu);
// After `row` was parked AWAITING_APPROVAL: run.awaiting_approval.
absl::Status NotifyAwaitingApprovalLocked(SchedulerState* state, const RunRow& row)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(state->mu);
// When fire time `fire_time` of `schedule` could not start a run: schedule.not_fired.
absl::Status NotifyScheduleNotFiredLocked(SchedulerState* state, const v1::Schedule& schedule,
                                          absl::Time fire_time, const std::string& message)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(state->mu);
// When the agent running `row` was lost (its lease expired): agent.lost, for the run's
// team. `row` is as it was before being requeued or ended.
absl::Status NotifyAgentLostLocked(SchedulerState* state, const RunRow& row,
                                   const std::string& reason)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(state->mu);

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_EVENTS_H_
