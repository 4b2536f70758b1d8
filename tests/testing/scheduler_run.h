// Runs a scenario the one way its gated tests can run: submitted to a real scheduler,
// started, approved (or rejected) by a caller with the approver role, and executed by an
// agent linked to that scheduler (--scheduler); the results are read back from WatchRun.
// For tests that need a gated test to run, or to prove it does not without approval.
#ifndef MESHPROOF_TESTS_TESTING_SCHEDULER_RUN_H_
#define MESHPROOF_TESTS_TESTING_SCHEDULER_RUN_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "meshproof/result/v1/result.pb.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"

namespace meshproof::testing {

struct SchedulerRun {
  // The run as it ended.
  scheduler::v1::Run run;
  // Each result of the run's attempt, by test name.
  std::map<std::string, result::v1::TestResult> results;
};

struct SchedulerRunOptions {
  // Approve the run (true) or reject it (false) when it waits for approval.
  bool approve = true;
  // Variables for StartRun (the scenario's ${NAME}s).
  std::map<std::string, std::string> vars;
  // Bearer token for every call (needs runner and approver when the scheduler has tokens).
  std::string token;
  // How long the whole run may take.
  absl::Duration timeout = absl::Seconds(60);
};

// Waits (bounded) until the scheduler at `scheduler` lists agent `agent_id` as connected.
// DEADLINE_EXCEEDED when it never does.
absl::Status WaitForConnectedAgent(const std::string& scheduler, const std::string& agent_id,
                                   const std::string& token = "",
                                   absl::Duration timeout = absl::Seconds(20));

// Submits `yaml`, starts a run of it, approves or rejects it as `options` says, and
// follows it to its end. Errors: the failed call's status (naming the call), or
// DEADLINE_EXCEEDED when the run did not end within the timeout.
absl::StatusOr<SchedulerRun> RunThroughScheduler(const std::string& scheduler,
                                                 const std::string& yaml,
                                                 const SchedulerRunOptions& options);

}  // namespace meshproof::testing

#endif  // MESHPROOF_TESTS_TESTING_SCHEDULER_RUN_H_
