// StoreClient: the CLI's wrapper of ResultsStoreService's read queries. Every call carries
// a deadline and the token; every error comes back described for people (rpc_error.h).
#ifndef MESHPROOF_CLIENTS_CLI_STORE_CLIENT_H_
#define MESHPROOF_CLIENTS_CLI_STORE_CLIENT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "clients/cli/rpc_caller.h"
#include "meshproof/store/v1/store.grpc.pb.h"

namespace meshproof::cli {

namespace storev1 = ::meshproof::store::v1;

class StoreClient {
 public:
  using Stub = storev1::ResultsStoreService::Stub;

  StoreClient(const std::shared_ptr<grpc::Channel>& channel, RpcCaller caller)
      : stub_(storev1::ResultsStoreService::NewStub(channel)), caller_(std::move(caller)) {}

  const RpcCaller& caller() const { return caller_; }

  absl::StatusOr<storev1::RunDetail> GetRun(const storev1::GetRunRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::GetRun, request);
  }
  absl::StatusOr<storev1::ListRunsResponse> ListRuns(
      const storev1::ListRunsRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::ListRuns, request);
  }
  absl::StatusOr<storev1::CompareRunsResponse> CompareRuns(
      const storev1::CompareRunsRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::CompareRuns, request);
  }
  absl::StatusOr<storev1::GetTestHistoryResponse> GetTestHistory(
      const storev1::GetTestHistoryRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::GetTestHistory, request);
  }
  absl::StatusOr<storev1::ListFlakyTestsResponse> ListFlakyTests(
      const storev1::ListFlakyTestsRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::ListFlakyTests, request);
  }
  absl::StatusOr<storev1::GetLatestPerClusterResponse> GetLatestPerCluster(
      const storev1::GetLatestPerClusterRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::GetLatestPerCluster, request);
  }
  absl::StatusOr<storev1::GetClaimsLedgerResponse> GetClaimsLedger(
      const storev1::GetClaimsLedgerRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::GetClaimsLedger, request);
  }
  absl::StatusOr<storev1::GetLatencyTrendResponse> GetLatencyTrend(
      const storev1::GetLatencyTrendRequest& request) const {
    return caller_.Call(stub_.get(), &Stub::GetLatencyTrend, request);
  }

 private:
  std::unique_ptr<Stub> stub_;
  RpcCaller caller_;
};

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_STORE_CLIENT_H_
