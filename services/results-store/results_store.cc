// The front's routing: options checked once, then each call goes to the writer, the
// queries or the backup.
#include "services/results-store/results_store.h"

#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"
#include "services/results-store/store_backup.h"

namespace meshproof::store {

absl::StatusOr<std::unique_ptr<ResultsStore>> ResultsStore::Open(const std::string& path,
                                                                 const ResultsStoreOptions& options,
                                                                 const Clock* clock) {
  if (options.max_batch < 1 || options.max_batch > kMaxBatch) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_batch: must be 1..", kMaxBatch, ", got ", options.max_batch));
  }
  if (options.readers < 1 || options.readers > 64) {
    return absl::InvalidArgumentError("readers: must be 1..64");
  }
  // The writer first: it creates the file and its schema, which the readers need.
  MP_ASSIGN_OR_RETURN(std::unique_ptr<ResultsWriter> writer,
                      ResultsWriter::Open(path, options, clock));
  MP_ASSIGN_OR_RETURN(std::unique_ptr<ResultsQueries> queries,
                      ResultsQueries::Open(path, options, clock));
  return std::unique_ptr<ResultsStore>(
      new ResultsStore(path, options, std::move(writer), std::move(queries)));
}

// ----------------------------------------------------------------------- writes

absl::StatusOr<v1::BeginRunResponse> ResultsStore::BeginRun(const v1::BeginRunRequest& request) {
  return writer_->BeginRun(request);
}

absl::StatusOr<v1::AppendResultsResponse> ResultsStore::AppendResults(
    const v1::AppendResultsRequest& request) {
  return writer_->AppendResults(request);
}

absl::StatusOr<v1::FinishRunResponse> ResultsStore::FinishRun(const v1::FinishRunRequest& request) {
  return writer_->FinishRun(request);
}

// ------------------------------------------------------------------------ reads

absl::StatusOr<v1::RunDetail> ResultsStore::GetRun(const v1::GetRunRequest& request) {
  return queries_->GetRun(request);
}

absl::StatusOr<v1::ListRunsResponse> ResultsStore::ListRuns(const v1::ListRunsRequest& request) {
  return queries_->ListRuns(request);
}

absl::StatusOr<v1::CompareRunsResponse> ResultsStore::CompareRuns(
    const v1::CompareRunsRequest& request) {
  return queries_->CompareRuns(request);
}

absl::StatusOr<v1::GetTestHistoryResponse> ResultsStore::GetTestHistory(
    const v1::GetTestHistoryRequest& request, const std::string& scoped_team) {
  return queries_->GetTestHistory(request, scoped_team);
}

absl::StatusOr<v1::ListFlakyTestsResponse> ResultsStore::ListFlakyTests(
    const v1::ListFlakyTestsRequest& request, const std::string& scoped_team) {
  return queries_->ListFlakyTests(request, scoped_team);
}

absl::StatusOr<v1::GetLatestPerClusterResponse> ResultsStore::GetLatestPerCluster(
    const v1::GetLatestPerClusterRequest& request, const std::string& scoped_team) {
  return queries_->GetLatestPerCluster(request, scoped_team);
}

absl::StatusOr<v1::GetClaimsLedgerResponse> ResultsStore::GetClaimsLedger(
    const v1::GetClaimsLedgerRequest& request) {
  return queries_->GetClaimsLedger(request);
}

absl::StatusOr<v1::GetLatencyTrendResponse> ResultsStore::GetLatencyTrend(
    const v1::GetLatencyTrendRequest& request, const std::string& scoped_team) {
  return queries_->GetLatencyTrend(request, scoped_team);
}

// ------------------------------------------------------------------ maintenance

absl::StatusOr<v1::ApplyRetentionResponse> ResultsStore::ApplyRetention(
    const v1::ApplyRetentionRequest& request) {
  return writer_->ApplyRetention(request);
}

absl::StatusOr<v1::BackupResponse> ResultsStore::Backup(const v1::BackupRequest& request) {
  return BackupDatabase(path_, options_.database, options_.backup_dir, request);
}

}  // namespace meshproof::store
