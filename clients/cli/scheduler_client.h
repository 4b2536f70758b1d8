// SchedulerClient: the CLI's wrapper of SchedulerService. Every call carries a deadline
// and the token; every error comes back described for people (rpc_error.h). Tested
// against a small fake scheduler in tests/cli.
#ifndef MESHPROOF_CLIENTS_CLI_SCHEDULER_CLIENT_H_
#define MESHPROOF_CLIENTS_CLI_SCHEDULER_CLIENT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "clients/cli/rpc_caller.h"
#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"

namespace meshproof::cli {

namespace schedv1 = ::meshproof::scheduler::v1;

class SchedulerClient {
 public:
  using Stub = schedv1::SchedulerService::Stub;

  SchedulerClient(const std::shared_ptr<grpc::Channel>& channel, RpcCaller caller)
      : stub_(schedv1::SchedulerService::NewStub(channel)), caller_(std::move(caller)) {}

  const RpcCaller& caller() const { return caller_; }

  absl::StatusOr<schedv1::SubmitScenarioResponse> SubmitScenario(
      const schedv1::SubmitScenarioRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::SubmitScenario, request);
  }
  absl::StatusOr<schedv1::ListScenariosResponse> ListScenarios(
      const schedv1::ListScenariosRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::ListScenarios, request);
  }
  absl::StatusOr<schedv1::ScenarioVersion> GetScenario(
      const schedv1::GetScenarioRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::GetScenario, request);
  }
  absl::StatusOr<schedv1::ListScenarioVersionsResponse> ListScenarioVersions(
      const schedv1::ListScenarioVersionsRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::ListScenarioVersions, request);
  }
  absl::StatusOr<schedv1::DeleteScenarioResponse> DeleteScenario(
      const schedv1::DeleteScenarioRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::DeleteScenario, request);
  }
  absl::StatusOr<schedv1::Run> StartRun(const schedv1::StartRunRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::StartRun, request);
  }
  absl::StatusOr<schedv1::Run> GetRun(const schedv1::GetRunRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::GetRun, request);
  }
  absl::StatusOr<schedv1::ListRunsResponse> ListRuns(
      const schedv1::ListRunsRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::ListRuns, request);
  }
  absl::StatusOr<schedv1::Run> CancelRun(const schedv1::CancelRunRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::CancelRun, request);
  }
  absl::StatusOr<schedv1::Run> ApproveRun(const schedv1::ApprovalRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::ApproveRun, request);
  }
  absl::StatusOr<schedv1::Run> RejectRun(const schedv1::ApprovalRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::RejectRun, request);
  }
  absl::StatusOr<schedv1::Schedule> CreateSchedule(
      const schedv1::CreateScheduleRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::CreateSchedule, request);
  }
  absl::StatusOr<schedv1::ListSchedulesResponse> ListSchedules(
      const schedv1::ListSchedulesRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::ListSchedules, request);
  }
  absl::StatusOr<schedv1::Schedule> GetSchedule(const schedv1::GetScheduleRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::GetSchedule, request);
  }
  absl::StatusOr<schedv1::Schedule> PauseSchedule(const schedv1::ScheduleRef& request) const {
    return caller_.Call(stub_.get(), &Stub::PauseSchedule, request);
  }
  absl::StatusOr<schedv1::Schedule> ResumeSchedule(const schedv1::ScheduleRef& request) const {
    return caller_.Call(stub_.get(), &Stub::ResumeSchedule, request);
  }
  absl::StatusOr<schedv1::Run> TriggerSchedule(const schedv1::ScheduleRef& request) const {
    return caller_.Call(stub_.get(), &Stub::TriggerSchedule, request);
  }
  absl::StatusOr<schedv1::DeleteScheduleResponse> DeleteSchedule(
      const schedv1::ScheduleRef& request) const {
    return caller_.Call(stub_.get(), &Stub::DeleteSchedule, request);
  }
  absl::StatusOr<schedv1::ListAgentsResponse> ListAgents(
      const schedv1::ListAgentsRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::ListAgents, request);
  }

  // Streams the run's events to `on_event` until the run ends, the stream breaks or
  // `timeout` passes. Returns OK when the server ended the stream normally; otherwise
  // the described error (DEADLINE_EXCEEDED when `timeout` passed).
  absl::Status WatchRun(const std::string& run_id, absl::Duration timeout,
                        const std::function<void(const schedv1::RunEvent&)>& on_event) const;

 private:
  std::unique_ptr<Stub> stub_;
  RpcCaller caller_;
};

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_SCHEDULER_CLIENT_H_
