// The scheduler's API as tests call it: one method per call, each with the test deadline
// and an optional bearer token, returning the call's status instead of asserting, so a
// fixture decides what a failure means (ASSERT in a set-up step, EXPECT in a check).
#ifndef MESHPROOF_TESTS_TESTING_SCHEDULER_CLIENT_H_
#define MESHPROOF_TESTS_TESTING_SCHEDULER_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"

namespace meshproof::testing {

class SchedulerClient {
 public:
  explicit SchedulerClient(const std::string& address, std::string token = "");

  absl::Status Submit(const std::string& yaml);
  absl::StatusOr<scheduler::v1::Run> StartRun(const std::string& scenario,
                                              const std::vector<std::string>& only_tests = {});
  absl::StatusOr<scheduler::v1::Run> GetRun(const std::string& run_id);
  // The runs of one schedule, oldest first.
  absl::StatusOr<std::vector<scheduler::v1::Run>> ScheduleRuns(const std::string& schedule_id);
  absl::StatusOr<scheduler::v1::Schedule> CreateSchedule(
      const scheduler::v1::CreateScheduleRequest& request);
  absl::StatusOr<scheduler::v1::Schedule> GetSchedule(const std::string& schedule_id);

  // Polls GetRun (bounded) until the run has ended; DEADLINE_EXCEEDED, naming the run and
  // its last state, when it has not within `timeout`.
  absl::StatusOr<scheduler::v1::Run> WaitForEnd(const std::string& run_id,
                                                absl::Duration timeout = absl::Seconds(20));

  // Whether a run in `state` has ended (no longer pending, waiting, queued or running).
  static bool IsEnded(scheduler::v1::RunState state);

  scheduler::v1::SchedulerService::Stub* stub() { return stub_.get(); }

 private:
  // A fresh call's deadline and, when set, its bearer token.
  void Prepare(grpc::ClientContext* context) const;

  std::unique_ptr<scheduler::v1::SchedulerService::Stub> stub_;
  std::string token_;
};

}  // namespace meshproof::testing

#endif  // MESHPROOF_TESTS_TESTING_SCHEDULER_CLIENT_H_
