#include "tests/testing/scheduler_client.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/testing/grpc_polling.h"

namespace meshproof::testing {

namespace v1 = ::meshproof::scheduler::v1;

namespace {

absl::Status FromGrpc(const grpc::Status& status, const char* call) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(call, ": ", status.error_message()));
}

}  // namespace

SchedulerClient::SchedulerClient(const std::string& address, std::string token)
    : stub_(v1::SchedulerService::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
      token_(std::move(token)) {}

void SchedulerClient::Prepare(grpc::ClientContext* context) const {
  Deadline(context);
  if (!token_.empty()) context->AddMetadata("authorization", "Bearer " + token_);
}

absl::Status SchedulerClient::Submit(const std::string& yaml) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::SubmitScenarioRequest req;
  req.mutable_yaml()->set_text(yaml);
  v1::SubmitScenarioResponse resp;
  return FromGrpc(stub_->SubmitScenario(&context, req, &resp), "SubmitScenario");
}

absl::StatusOr<v1::Run> SchedulerClient::StartRun(const std::string& scenario,
                                                  const std::vector<std::string>& only_tests) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::StartRunRequest req;
  req.set_scenario(scenario);
  for (const std::string& t : only_tests) req.add_only_tests(t);
  v1::Run run;
  absl::Status status = FromGrpc(stub_->StartRun(&context, req, &run), "StartRun");
  if (!status.ok()) return status;
  return run;
}

absl::StatusOr<v1::Run> SchedulerClient::GetRun(const std::string& run_id) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::GetRunRequest req;
  req.set_run_id(run_id);
  v1::Run run;
  absl::Status status = FromGrpc(stub_->GetRun(&context, req, &run), "GetRun");
  if (!status.ok()) return status;
  return run;
}

absl::StatusOr<std::vector<v1::Run>> SchedulerClient::ScheduleRuns(const std::string& schedule_id) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::ListRunsRequest req;
  req.set_schedule_id(schedule_id);
  v1::ListRunsResponse resp;
  absl::Status status = FromGrpc(stub_->ListRuns(&context, req, &resp), "ListRuns");
  if (!status.ok()) return status;
  // The scheduler lists newest first.
  return std::vector<v1::Run>(resp.runs().rbegin(), resp.runs().rend());
}

absl::StatusOr<v1::Schedule> SchedulerClient::CreateSchedule(
    const v1::CreateScheduleRequest& request) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::Schedule schedule;
  absl::Status status =
      FromGrpc(stub_->CreateSchedule(&context, request, &schedule), "CreateSchedule");
  if (!status.ok()) return status;
  return schedule;
}

absl::StatusOr<v1::Schedule> SchedulerClient::GetSchedule(const std::string& schedule_id) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::GetScheduleRequest req;
  req.set_schedule_id(schedule_id);
  v1::Schedule schedule;
  absl::Status status = FromGrpc(stub_->GetSchedule(&context, req, &schedule), "GetSchedule");
  if (!status.ok()) return status;
  return schedule;
}

absl::StatusOr<v1::Run> SchedulerClient::WaitForEnd(const std::string& run_id,
                                                    absl::Duration timeout) {
  const absl::Time end = absl::Now() + timeout;
  while (true) {
    absl::StatusOr<v1::Run> run = GetRun(run_id);
    if (!run.ok()) return run.status();
    if (IsEnded(run->state())) return run;
    if (absl::Now() > end) {
      return absl::DeadlineExceededError(absl::StrCat("run ", run_id, " did not end within ",
                                                      absl::FormatDuration(timeout), "; still ",
                                                      v1::RunState_Name(run->state())));
    }
    absl::SleepFor(absl::Milliseconds(50));  // polling interval, not synchronisation
  }
}

bool SchedulerClient::IsEnded(v1::RunState state) {
  return state != v1::RUN_STATE_UNSPECIFIED && state != v1::RUN_STATE_PENDING &&
         state != v1::RUN_STATE_AWAITING_APPROVAL && state != v1::RUN_STATE_QUEUED &&
         state != v1::RUN_STATE_RUNNING;
}

}  // namespace meshproof::testing
