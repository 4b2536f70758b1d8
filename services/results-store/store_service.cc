#include "services/results-store/store_service.h"

#include "absl/time/clock.h"
#include "services/common/auth/caller.h"
#include "services/common/grpc_status.h"
#include "services/results-store/team_reads.h"

namespace meshproof::store {
namespace {

// Runs `call` unless the service is shutting down, and maps its status.
// Times it for `metrics` (when set) under `method`, the call's snake_case name.
template <typename Response, typename Call>
grpc::Status Serve(const std::atomic<bool>& shutting_down, StoreMetrics* metrics,
                   absl::string_view method, Response* response, Call call) {
  if (shutting_down) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the results store is shutting down");
  }
  const absl::Time start = absl::Now();
  absl::StatusOr<Response> result = call();
  if (metrics != nullptr) metrics->ObserveCall(method, absl::Now() - start, result.status().code());
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = std::move(*result);
  return grpc::Status::OK;
}

}  // namespace

auth::TeamScope StoreService::Scope(const grpc::ServerContext& context) const {
  if (authorizer_ == nullptr) return auth::TeamScope::Everyone();
  return auth::TeamScope::ForCaller(auth::Caller(context, authorizer_.get()), true);
}

grpc::Status StoreService::BeginRun(grpc::ServerContext*, const v1::BeginRunRequest* request,
                                    v1::BeginRunResponse* response) {
  return Serve(shutting_down_, metrics_, "begin_run", response,
               [&] { return store_->BeginRun(*request); });
}

grpc::Status StoreService::AppendResults(grpc::ServerContext*,
                                         const v1::AppendResultsRequest* request,
                                         v1::AppendResultsResponse* response) {
  return Serve(shutting_down_, metrics_, "append_results", response,
               [&] { return store_->AppendResults(*request); });
}

grpc::Status StoreService::FinishRun(grpc::ServerContext*, const v1::FinishRunRequest* request,
                                     v1::FinishRunResponse* response) {
  return Serve(shutting_down_, metrics_, "finish_run", response,
               [&] { return store_->FinishRun(*request); });
}

grpc::Status StoreService::GetRun(grpc::ServerContext* context, const v1::GetRunRequest* request,
                                  v1::RunDetail* response) {
  return Serve(shutting_down_, metrics_, "get_run", response,
               [&] { return ScopedGetRun(store_, Scope(*context), *request); });
}

grpc::Status StoreService::ListRuns(grpc::ServerContext* context,
                                    const v1::ListRunsRequest* request,
                                    v1::ListRunsResponse* response) {
  return Serve(shutting_down_, metrics_, "list_runs", response,
               [&] { return ScopedListRuns(store_, Scope(*context), *request); });
}

grpc::Status StoreService::CompareRuns(grpc::ServerContext* context,
                                       const v1::CompareRunsRequest* request,
                                       v1::CompareRunsResponse* response) {
  return Serve(shutting_down_, metrics_, "compare_runs", response,
               [&] { return ScopedCompareRuns(store_, Scope(*context), *request); });
}

grpc::Status StoreService::GetTestHistory(grpc::ServerContext* context,
                                          const v1::GetTestHistoryRequest* request,
                                          v1::GetTestHistoryResponse* response) {
  return Serve(shutting_down_, metrics_, "get_test_history", response,
               [&] { return ScopedGetTestHistory(store_, Scope(*context), *request); });
}

grpc::Status StoreService::ListFlakyTests(grpc::ServerContext* context,
                                          const v1::ListFlakyTestsRequest* request,
                                          v1::ListFlakyTestsResponse* response) {
  return Serve(shutting_down_, metrics_, "list_flaky_tests", response,
               [&] { return ScopedListFlakyTests(store_, Scope(*context), *request); });
}

grpc::Status StoreService::GetLatestPerCluster(grpc::ServerContext* context,
                                               const v1::GetLatestPerClusterRequest* request,
                                               v1::GetLatestPerClusterResponse* response) {
  return Serve(shutting_down_, metrics_, "get_latest_per_cluster", response,
               [&] { return ScopedGetLatestPerCluster(store_, Scope(*context), *request); });
}

grpc::Status StoreService::GetClaimsLedger(grpc::ServerContext* context,
                                           const v1::GetClaimsLedgerRequest* request,
                                           v1::GetClaimsLedgerResponse* response) {
  return Serve(shutting_down_, metrics_, "get_claims_ledger", response,
               [&] { return ScopedGetClaimsLedger(store_, Scope(*context), *request); });
}

grpc::Status StoreService::GetLatencyTrend(grpc::ServerContext* context,
                                           const v1::GetLatencyTrendRequest* request,
                                           v1::GetLatencyTrendResponse* response) {
  return Serve(shutting_down_, metrics_, "get_latency_trend", response,
               [&] { return ScopedGetLatencyTrend(store_, Scope(*context), *request); });
}

grpc::Status StoreService::ApplyRetention(grpc::ServerContext*,
                                          const v1::ApplyRetentionRequest* request,
                                          v1::ApplyRetentionResponse* response) {
  return Serve(shutting_down_, metrics_, "apply_retention", response,
               [&] { return store_->ApplyRetention(*request); });
}

grpc::Status StoreService::Backup(grpc::ServerContext*, const v1::BackupRequest* request,
                                  v1::BackupResponse* response) {
  return Serve(shutting_down_, metrics_, "backup", response,
               [&] { return store_->Backup(*request); });
}

}  // namespace meshproof::store
