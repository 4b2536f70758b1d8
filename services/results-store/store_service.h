// The gRPC face of the results store: a thin adapter that hands each request to
// ResultsStore and maps its absl::Status to grpc::Status. Uses the synchronous API: the
// store is low-rate and every call blocks on SQLite, which must never happen on a
// callback reactor thread; gRPC's sync server runs each call on its own pool thread.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_STORE_SERVICE_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_STORE_SERVICE_H_

#include <atomic>
#include <memory>

#include "meshproof/store/v1/store.grpc.pb.h"
#include "services/common/auth/authorizer.h"
#include "services/common/auth/team_scope.h"
#include "services/results-store/results_store.h"
#include "services/results-store/store_metrics.h"

namespace meshproof::store {

class StoreService final : public v1::ResultsStoreService::Service {
 public:
  // `store` must outlive the service. With `authorizer` (the store runs with --tokens)
  // every read is scoped to the caller's team (team_reads.h); without, reads are open.
  // With `metrics` (outliving the service), every call is counted and timed.
  explicit StoreService(ResultsStore* store,
                        std::shared_ptr<const auth::Authorizer> authorizer = nullptr,
                        StoreMetrics* metrics = nullptr)
      : store_(store), authorizer_(std::move(authorizer)), metrics_(metrics) {}

  // Makes every later call fail with UNAVAILABLE (called on SIGTERM before draining).
  void StartShutdown() { shutting_down_ = true; }

  grpc::Status BeginRun(grpc::ServerContext*, const v1::BeginRunRequest* request,
                        v1::BeginRunResponse* response) override;
  grpc::Status AppendResults(grpc::ServerContext*, const v1::AppendResultsRequest* request,
                             v1::AppendResultsResponse* response) override;
  grpc::Status FinishRun(grpc::ServerContext*, const v1::FinishRunRequest* request,
                         v1::FinishRunResponse* response) override;
  grpc::Status GetRun(grpc::ServerContext*, const v1::GetRunRequest* request,
                      v1::RunDetail* response) override;
  grpc::Status ListRuns(grpc::ServerContext*, const v1::ListRunsRequest* request,
                        v1::ListRunsResponse* response) override;
  grpc::Status CompareRuns(grpc::ServerContext*, const v1::CompareRunsRequest* request,
                           v1::CompareRunsResponse* response) override;
  grpc::Status GetTestHistory(grpc::ServerContext*, const v1::GetTestHistoryRequest* request,
                              v1::GetTestHistoryResponse* response) override;
  grpc::Status ListFlakyTests(grpc::ServerContext*, const v1::ListFlakyTestsRequest* request,
                              v1::ListFlakyTestsResponse* response) override;
  grpc::Status GetLatestPerCluster(grpc::ServerContext*,
                                   const v1::GetLatestPerClusterRequest* request,
                                   v1::GetLatestPerClusterResponse* response) override;
  grpc::Status GetClaimsLedger(grpc::ServerContext*, const v1::GetClaimsLedgerRequest* request,
                               v1::GetClaimsLedgerResponse* response) override;
  grpc::Status GetLatencyTrend(grpc::ServerContext*, const v1::GetLatencyTrendRequest* request,
                               v1::GetLatencyTrendResponse* response) override;
  grpc::Status ApplyRetention(grpc::ServerContext*, const v1::ApplyRetentionRequest* request,
                              v1::ApplyRetentionResponse* response) override;
  grpc::Status Backup(grpc::ServerContext*, const v1::BackupRequest* request,
                      v1::BackupResponse* response) override;

 private:
  auth::TeamScope Scope(const grpc::ServerContext& context) const;

  ResultsStore* store_;
  std::shared_ptr<const auth::Authorizer> authorizer_;
  StoreMetrics* const metrics_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_STORE_SERVICE_H_
