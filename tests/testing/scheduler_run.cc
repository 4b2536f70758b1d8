#include "tests/testing/scheduler_run.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"
#include "services/common/grpc_status.h"

namespace meshproof::testing {
namespace {

namespace v1 = ::meshproof::scheduler::v1;

void Prepare(grpc::ClientContext* context, const std::string& token, absl::Duration timeout) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!token.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

absl::Status Named(const char* call, const grpc::Status& status) {
  const absl::Status s = FromGrpcStatus(status);
  return absl::Status(s.code(), absl::StrCat(call, ": ", s.message()));
}

bool Ended(v1::RunState state) {
  return state != v1::RUN_STATE_UNSPECIFIED && state != v1::RUN_STATE_PENDING &&
         state != v1::RUN_STATE_QUEUED && state != v1::RUN_STATE_RUNNING &&
         state != v1::RUN_STATE_AWAITING_APPROVAL;
}

}  // namespace

absl::Status WaitForConnectedAgent(const std::string& scheduler, const std::string& agent_id,
                                   const std::string& token, absl::Duration timeout) {
  auto stub = v1::SchedulerService::NewStub(
      grpc::CreateChannel(scheduler, grpc::InsecureChannelCredentials()));
  const absl::Time give_up = absl::Now() + timeout;
  while (absl::Now() < give_up) {
    grpc::ClientContext context;
    Prepare(&context, token, absl::Seconds(5));
    v1::ListAgentsResponse response;
    if (stub->ListAgents(&context, v1::ListAgentsRequest(), &response).ok()) {
      for (const v1::AgentStatus& a : response.agents()) {
        if (a.info().agent_id() == agent_id && a.state() == v1::AGENT_STATE_CONNECTED)
          return absl::OkStatus();
      }
    }
    absl::SleepFor(absl::Milliseconds(50));  // another process: polling is all there is
  }
  return absl::DeadlineExceededError(
      absl::StrCat("agent ", agent_id, " never showed up connected at ", scheduler));
}

absl::StatusOr<SchedulerRun> RunThroughScheduler(const std::string& scheduler,
                                                 const std::string& yaml,
                                                 const SchedulerRunOptions& options) {
  auto stub = v1::SchedulerService::NewStub(
      grpc::CreateChannel(scheduler, grpc::InsecureChannelCredentials()));
  v1::SubmitScenarioResponse submitted;
  {
    grpc::ClientContext context;
    Prepare(&context, options.token, absl::Seconds(10));
    v1::SubmitScenarioRequest request;
    request.mutable_yaml()->set_text(yaml);
    if (grpc::Status s = stub->SubmitScenario(&context, request, &submitted); !s.ok())
      return Named("SubmitScenario", s);
  }
  v1::Run run;
  {
    grpc::ClientContext context;
    Prepare(&context, options.token, absl::Seconds(10));
    v1::StartRunRequest request;
    request.set_scenario(submitted.version().name());
    request.set_version(submitted.version().version());
    request.mutable_vars()->insert(options.vars.begin(), options.vars.end());
    if (grpc::Status s = stub->StartRun(&context, request, &run); !s.ok())
      return Named("StartRun", s);
  }
  if (run.state() == v1::RUN_STATE_AWAITING_APPROVAL) {
    grpc::ClientContext context;
    Prepare(&context, options.token, absl::Seconds(10));
    v1::ApprovalRequest request;
    request.set_run_id(run.run_id());
    request.set_reason(options.approve ? "test: approved" : "test: rejected");
    const grpc::Status s = options.approve ? stub->ApproveRun(&context, request, &run)
                                           : stub->RejectRun(&context, request, &run);
    if (!s.ok()) return Named(options.approve ? "ApproveRun" : "RejectRun", s);
  }
  SchedulerRun out;
  out.run = run;
  const absl::Time give_up = absl::Now() + options.timeout;
  // WatchRun replays the attempt's results so far, then streams until the run ends; a
  // watch that breaks early is simply opened again.
  while (!Ended(out.run.state())) {
    if (absl::Now() >= give_up) {
      return absl::DeadlineExceededError(absl::StrCat(
          "run ", run.run_id(), " did not end within ", absl::FormatDuration(options.timeout),
          "; last state ", v1::RunState_Name(out.run.state())));
    }
    grpc::ClientContext context;
    Prepare(&context, options.token, give_up - absl::Now());
    v1::WatchRunRequest request;
    request.set_run_id(run.run_id());
    auto reader = stub->WatchRun(&context, request);
    v1::RunEvent event;
    while (reader->Read(&event)) {
      if (event.has_run()) {
        if (event.run().attempt() != out.run.attempt()) out.results.clear();
        out.run = event.run();
      }
      if (event.has_result()) out.results[event.result().test()] = event.result();
    }
    reader->Finish();
  }
  return out;
}

}  // namespace meshproof::testing
