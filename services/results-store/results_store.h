// ResultsStore: the results store's front (no gRPC), what the gRPC adapter, main and the
// retention loop talk to. It keeps the history of runs in one SQLite file; requests and
// responses are the plain messages of meshproof.store.v1, errors are absl::Status with
// canonical codes. It decides nothing itself: writes go to ResultsWriter
// (results_writer.h: one connection, group commit, its own mutex), queries to
// ResultsQueries (results_queries.h: a pool of read-only connections, no shared state
// with the writer), backup to store_backup.h. Every request method forwards to exactly
// one of them, so a caller's scope, when requests carry one, passes through here.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_RESULTS_STORE_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_RESULTS_STORE_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "meshproof/store/v1/store.pb.h"
#include "services/common/clock.h"
#include "services/results-store/group_commit.h"
#include "services/results-store/results_queries.h"
#include "services/results-store/results_store_options.h"
#include "services/results-store/results_writer.h"

namespace meshproof::store {

class ResultsStore {
 public:
  // Opens (creating if needed) the store at `path` and applies pending migrations.
  // FAILED_PRECONDITION when the file was written by a newer schema; UNAVAILABLE when
  // it cannot be opened; INVALID_ARGUMENT for bad options. `clock` must outlive the store.
  static absl::StatusOr<std::unique_ptr<ResultsStore>> Open(const std::string& path,
                                                            const ResultsStoreOptions& options,
                                                            const Clock* clock);

  // ------------------------------------------------------------------- writes
  // Records a new run (started_at defaults to now). A retry with identical content
  // returns created=false. INVALID_ARGUMENT naming the field; ALREADY_EXISTS when the
  // run id exists with different content.
  absl::StatusOr<v1::BeginRunResponse> BeginRun(const v1::BeginRunRequest& request);

  // Appends a batch atomically. Results whose (run, attempt, test, phase) is already
  // stored are counted as duplicates and left unchanged. INVALID_ARGUMENT naming the
  // field (e.g. "results[3].test: must not be empty"); RESOURCE_EXHAUSTED over the batch
  // or detail limits; NOT_FOUND for an unknown run; FAILED_PRECONDITION for a finished
  // run. A rejected batch stores nothing.
  absl::StatusOr<v1::AppendResultsResponse> AppendResults(const v1::AppendResultsRequest& request);

  // Closes a run with its verdict and counts (finished_at defaults to now), records new
  // claim definitions and updates the latest-per-cluster index. A retry with the same
  // verdict returns finished=false. NOT_FOUND for an unknown run; FAILED_PRECONDITION
  // when it was finished with another verdict; INVALID_ARGUMENT naming the field.
  absl::StatusOr<v1::FinishRunResponse> FinishRun(const v1::FinishRunRequest& request);

  // -------------------------------------------------------------------- reads
  // Returns the run, its latest attempt's results in append order and its claims
  // ledger. NOT_FOUND for an unknown run.
  absl::StatusOr<v1::RunDetail> GetRun(const v1::GetRunRequest& request);

  // Lists runs newest first with filters and keyset page tokens. INVALID_ARGUMENT for a
  // bad label filter or page token; RESOURCE_EXHAUSTED when page_size is over 500.
  absl::StatusOr<v1::ListRunsResponse> ListRuns(const v1::ListRunsRequest& request);

  // Compares the TEST-phase results of two runs, regressions first. NOT_FOUND naming
  // base_run_id or head_run_id.
  absl::StatusOr<v1::CompareRunsResponse> CompareRuns(const v1::CompareRunsRequest& request);

  // Returns one test's TEST-phase results, newest first, paged. INVALID_ARGUMENT when
  // scenario or test is empty or the page token is bad; RESOURCE_EXHAUSTED over 500.
  // The scenario-wide queries take the team of a caller scoped to one team (empty: not
  // scoped); a scenario with a run of another team is answered as one never stored
  // (results_queries.h).
  absl::StatusOr<v1::GetTestHistoryResponse> GetTestHistory(
      const v1::GetTestHistoryRequest& request, const std::string& scoped_team = "");

  // Returns tests that flipped or passed only on retry over the last N finished runs of
  // each (scenario, cluster), highest flip rate first. INVALID_ARGUMENT for a flip rate
  // outside 0..1; RESOURCE_EXHAUSTED for last_runs over 1000 or limit over 500.
  absl::StatusOr<v1::ListFlakyTestsResponse> ListFlakyTests(
      const v1::ListFlakyTestsRequest& request, const std::string& scoped_team = "");

  // Returns, for each test of a scenario, its result in the latest finished run of every
  // cluster. INVALID_ARGUMENT when scenario is empty; NOT_FOUND when it has no runs.
  absl::StatusOr<v1::GetLatestPerClusterResponse> GetLatestPerCluster(
      const v1::GetLatestPerClusterRequest& request, const std::string& scoped_team = "");

  // Returns the claims ledger of a run computed from its results. NOT_FOUND.
  absl::StatusOr<v1::GetClaimsLedgerResponse> GetClaimsLedger(
      const v1::GetClaimsLedgerRequest& request);

  // Returns p50/p95 of a test's latency per UTC day (by run start) over the last `days`
  // days, oldest first; days without samples are omitted. INVALID_ARGUMENT when scenario
  // or test is empty; RESOURCE_EXHAUSTED for days over 3650.
  absl::StatusOr<v1::GetLatencyTrendResponse> GetLatencyTrend(
      const v1::GetLatencyTrendRequest& request, const std::string& scoped_team = "");

  // -------------------------------------------------------------- maintenance
  // Deletes runs started before the cutoff, batch_size runs per short transaction.
  // INVALID_ARGUMENT when cutoff is unset or batch_size over 10000.
  absl::StatusOr<v1::ApplyRetentionResponse> ApplyRetention(
      const v1::ApplyRetentionRequest& request);

  // Copies the database to `destination` with SQLite's online backup, a few pages at a
  // time. INVALID_ARGUMENT when the path is not absolute; ALREADY_EXISTS when it exists;
  // UNAVAILABLE when it cannot be written.
  absl::StatusOr<v1::BackupResponse> Backup(const v1::BackupRequest& request);

  // Waits up to `timeout` until at least `n` writes are queued behind the one being
  // written. Returns whether they are. For tests that need several writes in one group.
  bool AwaitQueuedWrites(int n, absl::Duration timeout) {
    return writer_->AwaitQueuedWrites(n, timeout);
  }

  // Returns the latest result of every test in every cluster, the first `limit` of them,
  // and in `*total` how many exist (ResultsQueries::LatestTestResults).
  absl::StatusOr<std::vector<LatestTestResult>> LatestTestResults(size_t limit, size_t* total) {
    return queries_->LatestTestResults(limit, total);
  }

  // The database file's path.
  const std::string& path() const { return path_; }

  // Returns how many commit groups and writes the store has run since it was opened.
  GroupCommit::Counts WriteGroupCounts() { return writer_->WriteGroupCounts(); }

 private:
  ResultsStore(std::string path, ResultsStoreOptions options, std::unique_ptr<ResultsWriter> writer,
               std::unique_ptr<ResultsQueries> queries)
      : path_(std::move(path)),
        options_(std::move(options)),
        writer_(std::move(writer)),
        queries_(std::move(queries)) {}

  const std::string path_;
  const ResultsStoreOptions options_;
  std::unique_ptr<ResultsWriter> writer_;
  std::unique_ptr<ResultsQueries> queries_;
};

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_RESULTS_STORE_H_
