#include "services/scheduler/scheduler_service.h"

#include "services/common/auth/caller.h"
#include "services/common/grpc_status.h"
#include "services/scheduler/run_watch_reactor.h"

namespace meshproof::scheduler {
namespace {

// Copies a StatusOr's value into *out or returns its status.
template <typename T>
grpc::Status Reply(absl::StatusOr<T> result, T* out) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *out = std::move(*result);
  return grpc::Status::OK;
}

}  // namespace

// With tokens on it is the token's name, and x-meshproof-user is ignored: a header the
// caller writes cannot vouch for the caller.
std::string SchedulerServiceImpl::Caller(const grpc::ServerContextBase* context) const {
  if (authorizer_ != nullptr) {
    const auth::TokenEntry* caller = auth::Caller(*context, authorizer_.get());
    return caller != nullptr ? caller->name : "";
  }
  auto it = context->client_metadata().find(kUserMetadataKey);
  if (it == context->client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

CallerScope SchedulerServiceImpl::Scope(const grpc::ServerContextBase* context) const {
  return CallerScope::ForCaller(
      authorizer_ != nullptr ? auth::Caller(*context, authorizer_.get()) : nullptr,
      authorizer_ != nullptr);
}

grpc::Status SchedulerServiceImpl::SubmitScenario(grpc::ServerContext* context,
                                                  const v1::SubmitScenarioRequest* req,
                                                  v1::SubmitScenarioResponse* resp) {
  return Reply(scheduler_->SubmitScenario(*req, Scope(context)), resp);
}
grpc::Status SchedulerServiceImpl::ListScenarios(grpc::ServerContext* context,
                                                 const v1::ListScenariosRequest* req,
                                                 v1::ListScenariosResponse* resp) {
  return Reply(scheduler_->ListScenarios(*req, Scope(context)), resp);
}
grpc::Status SchedulerServiceImpl::GetScenario(grpc::ServerContext* context,
                                               const v1::GetScenarioRequest* req,
                                               v1::ScenarioVersion* resp) {
  return Reply(scheduler_->GetScenario(*req, Scope(context)), resp);
}
grpc::Status SchedulerServiceImpl::ListScenarioVersions(grpc::ServerContext* context,
                                                        const v1::ListScenarioVersionsRequest* req,
                                                        v1::ListScenarioVersionsResponse* resp) {
  return Reply(scheduler_->ListScenarioVersions(*req, Scope(context)), resp);
}
grpc::Status SchedulerServiceImpl::DeleteScenario(grpc::ServerContext* context,
                                                  const v1::DeleteScenarioRequest* req,
                                                  v1::DeleteScenarioResponse*) {
  return ToGrpcStatus(scheduler_->DeleteScenario(*req, Scope(context)));
}
grpc::Status SchedulerServiceImpl::StartRun(grpc::ServerContext* context,
                                            const v1::StartRunRequest* req, v1::Run* resp) {
  namespace rv1 = meshproof::result::v1;
  switch (req->trigger()) {
    case rv1::TRIGGER_UNSPECIFIED:
    case rv1::TRIGGER_API:
      return Reply(scheduler_->StartRun(*req, rv1::TRIGGER_API, Scope(context)), resp);
    case rv1::TRIGGER_MANUAL:
      return Reply(scheduler_->StartRun(*req, rv1::TRIGGER_MANUAL, Scope(context)), resp);
    default:
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "trigger: a run can be started as TRIGGER_MANUAL or TRIGGER_API; "
                          "schedule runs are started by schedules (use TriggerSchedule)");
  }
}
grpc::Status SchedulerServiceImpl::GetRun(grpc::ServerContext* context,
                                          const v1::GetRunRequest* req, v1::Run* resp) {
  return Reply(scheduler_->GetRun(*req, Scope(context)), resp);
}
grpc::Status SchedulerServiceImpl::ListRuns(grpc::ServerContext* context,
                                            const v1::ListRunsRequest* req,
                                            v1::ListRunsResponse* resp) {
  return Reply(scheduler_->ListRuns(*req, Scope(context)), resp);
}
grpc::Status SchedulerServiceImpl::CancelRun(grpc::ServerContext* context,
                                             const v1::CancelRunRequest* req, v1::Run* resp) {
  return Reply(scheduler_->CancelRun(*req, Scope(context)), resp);
}

grpc::ServerWriteReactor<v1::RunEvent>* SchedulerServiceImpl::WatchRun(
    grpc::CallbackServerContext* context, const v1::WatchRunRequest* req) {
  return RunWatchReactor::Start(req->run_id(), Scope(context), scheduler_, workers_);
}

grpc::Status SchedulerServiceImpl::ApproveRun(grpc::ServerContext* context,
                                              const v1::ApprovalRequest* req, v1::Run* resp) {
  return Reply(scheduler_->ApproveRun(*req, Caller(context), Scope(context)), resp);
}
grpc::Status SchedulerServiceImpl::RejectRun(grpc::ServerContext* context,
                                             const v1::ApprovalRequest* req, v1::Run* resp) {
  return Reply(scheduler_->RejectRun(*req, Caller(context), Scope(context)), resp);
}
grpc::Status SchedulerServiceImpl::CreateSchedule(grpc::ServerContext* context,
                                                  const v1::CreateScheduleRequest* req,
                                                  v1::Schedule* resp) {
  return Reply(scheduler_->CreateSchedule(*req, Scope(context)), resp);
}
grpc::Status SchedulerServiceImpl::ListSchedules(grpc::ServerContext* context,
                                                 const v1::ListSchedulesRequest* req,
                                                 v1::ListSchedulesResponse* resp) {
  return Reply(scheduler_->ListSchedules(*req, Scope(context)), resp);
}
grpc::Status SchedulerServiceImpl::GetSchedule(grpc::ServerContext* context,
                                               const v1::GetScheduleRequest* req,
                                               v1::Schedule* resp) {
  return Reply(scheduler_->GetSchedule(req->schedule_id(), Scope(context)), resp);
}
grpc::Status SchedulerServiceImpl::PauseSchedule(grpc::ServerContext* context,
                                                 const v1::ScheduleRef* req, v1::Schedule* resp) {
  return Reply(scheduler_->PauseSchedule(req->schedule_id(), Scope(context)), resp);
}
grpc::Status SchedulerServiceImpl::ResumeSchedule(grpc::ServerContext* context,
                                                  const v1::ScheduleRef* req, v1::Schedule* resp) {
  return Reply(scheduler_->ResumeSchedule(req->schedule_id(), Scope(context)), resp);
}
grpc::Status SchedulerServiceImpl::TriggerSchedule(grpc::ServerContext* context,
                                                   const v1::ScheduleRef* req, v1::Run* resp) {
  return Reply(scheduler_->TriggerSchedule(req->schedule_id(), Scope(context)), resp);
}
grpc::Status SchedulerServiceImpl::DeleteSchedule(grpc::ServerContext* context,
                                                  const v1::ScheduleRef* req,
                                                  v1::DeleteScheduleResponse*) {
  return ToGrpcStatus(scheduler_->DeleteSchedule(req->schedule_id(), Scope(context)));
}
grpc::Status SchedulerServiceImpl::ListAgents(grpc::ServerContext* context,
                                              const v1::ListAgentsRequest*,
                                              v1::ListAgentsResponse* resp) {
  *resp = scheduler_->ListAgents(Scope(context));
  return grpc::Status::OK;
}

}  // namespace meshproof::scheduler
