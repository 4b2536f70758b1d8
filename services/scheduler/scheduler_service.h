// The gRPC adapter of SchedulerService: converts requests and maps statuses; the work is
// done by the Scheduler domain class. The unary methods use the synchronous API (a
// thread per call, bounded by server_limits.h); WatchRun, which lasts as long as a run,
// uses the callback API (run_watch_reactor.h) so a watcher holds no thread.
#ifndef MESHPROOF_SERVICES_SCHEDULER_SCHEDULER_SERVICE_H_
#define MESHPROOF_SERVICES_SCHEDULER_SCHEDULER_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"
#include "services/common/auth/authorizer.h"
#include "services/scheduler/scheduler.h"
#include "services/scheduler/worker_pool.h"

namespace meshproof::scheduler {

// Metadata key naming the person behind a call (recorded as Approval.by) when the
// scheduler runs without tokens; with tokens the token's name is recorded instead.
inline constexpr char kUserMetadataKey[] = "x-meshproof-user";

class SchedulerServiceImpl final
    : public v1::SchedulerService::WithCallbackMethod_WatchRun<v1::SchedulerService::Service> {
 public:
  // `authorizer` (null without --tokens) names the caller of approvals and rejections.
  // `workers` runs the watches' first reads and must outlive the server.
  SchedulerServiceImpl(Scheduler* scheduler, WorkerPool* workers,
                       std::shared_ptr<const auth::Authorizer> authorizer = nullptr)
      : scheduler_(scheduler), workers_(workers), authorizer_(std::move(authorizer)) {}

  grpc::Status SubmitScenario(grpc::ServerContext*, const v1::SubmitScenarioRequest*,
                              v1::SubmitScenarioResponse*) override;
  grpc::Status ListScenarios(grpc::ServerContext*, const v1::ListScenariosRequest*,
                             v1::ListScenariosResponse*) override;
  grpc::Status GetScenario(grpc::ServerContext*, const v1::GetScenarioRequest*,
                           v1::ScenarioVersion*) override;
  grpc::Status ListScenarioVersions(grpc::ServerContext*, const v1::ListScenarioVersionsRequest*,
                                    v1::ListScenarioVersionsResponse*) override;
  grpc::Status DeleteScenario(grpc::ServerContext*, const v1::DeleteScenarioRequest*,
                              v1::DeleteScenarioResponse*) override;
  grpc::Status StartRun(grpc::ServerContext*, const v1::StartRunRequest*, v1::Run*) override;
  grpc::Status GetRun(grpc::ServerContext*, const v1::GetRunRequest*, v1::Run*) override;
  grpc::Status ListRuns(grpc::ServerContext*, const v1::ListRunsRequest*,
                        v1::ListRunsResponse*) override;
  grpc::Status CancelRun(grpc::ServerContext*, const v1::CancelRunRequest*, v1::Run*) override;
  grpc::ServerWriteReactor<v1::RunEvent>* WatchRun(grpc::CallbackServerContext*,
                                                   const v1::WatchRunRequest*) override;
  grpc::Status ApproveRun(grpc::ServerContext*, const v1::ApprovalRequest*, v1::Run*) override;
  grpc::Status RejectRun(grpc::ServerContext*, const v1::ApprovalRequest*, v1::Run*) override;
  grpc::Status CreateSchedule(grpc::ServerContext*, const v1::CreateScheduleRequest*,
                              v1::Schedule*) override;
  grpc::Status ListSchedules(grpc::ServerContext*, const v1::ListSchedulesRequest*,
                             v1::ListSchedulesResponse*) override;
  grpc::Status GetSchedule(grpc::ServerContext*, const v1::GetScheduleRequest*,
                           v1::Schedule*) override;
  grpc::Status PauseSchedule(grpc::ServerContext*, const v1::ScheduleRef*, v1::Schedule*) override;
  grpc::Status ResumeSchedule(grpc::ServerContext*, const v1::ScheduleRef*, v1::Schedule*) override;
  grpc::Status TriggerSchedule(grpc::ServerContext*, const v1::ScheduleRef*, v1::Run*) override;
  grpc::Status DeleteSchedule(grpc::ServerContext*, const v1::ScheduleRef*,
                              v1::DeleteScheduleResponse*) override;
  grpc::Status ListAgents(grpc::ServerContext*, const v1::ListAgentsRequest*,
                          v1::ListAgentsResponse*) override;

 private:
  // Who is asking, as recorded with approvals.
  std::string Caller(const grpc::ServerContextBase* context) const;
  // The teams this call may see: every team without tokens or for an admin token, else
  // the token's team (caller_scope.h).
  CallerScope Scope(const grpc::ServerContextBase* context) const;

  Scheduler* scheduler_;
  WorkerPool* workers_;
  std::shared_ptr<const auth::Authorizer> authorizer_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_SCHEDULER_SERVICE_H_
