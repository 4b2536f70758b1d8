// ResultsStore: the results store's domain class. It keeps the history of runs in one
// SQLite file and answers the history questions (compare, history, flaky, latest per
// cluster, claims ledger, latency trend). No gRPC here: requests and responses are the
// plain messages of meshproof.store.v1, errors are absl::Status with canonical codes.
//
// Writes are idempotent and atomic each; they run on one connection, and writes that
// arrive while another is being written are committed together in one transaction
// (group_commit.h). Reads run concurrently on a pool of read-only connections (WAL).
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_RESULTS_STORE_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_RESULTS_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "meshproof/store/v1/store.pb.h"
#include "services/common/clock.h"
#include "services/results-store/database.h"
#include "services/results-store/group_commit.h"
#include "services/results-store/latest_index.h"
#include "services/results-store/reader_pool.h"
#include "services/results-store/result_codec.h"
#include "services/results-store/store_limits.h"

namespace meshproof::store {

struct ResultsStoreOptions {
  DatabaseOptions database;
  // Results per AppendResults call, 1..kMaxBatch.
  int max_batch = kMaxBatch;
  // Read-only connections for concurrent readers.
  int readers = 4;
  // How queued writes are committed together.
  GroupCommitOptions group_commit;
  // A database file up to this size is read once by every reader at Open (the results
  // table and the history index), so its pages are mapped before the first query rather
  // than faulted in by it; 0 turns this off. Larger files are not warmed: reading them
  // whole could take longer than the first queries' faults ever would.
  int64_t warm_limit_bytes = int64_t{1} << 30;
  // Backup writes only under this folder (backup_path.h); empty means the folder of the
  // database file.
  std::string backup_dir;
};

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
  absl::StatusOr<v1::GetTestHistoryResponse> GetTestHistory(
      const v1::GetTestHistoryRequest& request);

  // Returns tests that flipped or passed only on retry over the last N finished runs of
  // each (scenario, cluster), highest flip rate first. INVALID_ARGUMENT for a flip rate
  // outside 0..1; RESOURCE_EXHAUSTED for last_runs over 1000 or limit over 500.
  absl::StatusOr<v1::ListFlakyTestsResponse> ListFlakyTests(
      const v1::ListFlakyTestsRequest& request);

  // Returns, for each test of a scenario, its result in the latest finished run of every
  // cluster. INVALID_ARGUMENT when scenario is empty; NOT_FOUND when it has no runs.
  absl::StatusOr<v1::GetLatestPerClusterResponse> GetLatestPerCluster(
      const v1::GetLatestPerClusterRequest& request);

  // Returns the claims ledger of a run computed from its results. NOT_FOUND.
  absl::StatusOr<v1::GetClaimsLedgerResponse> GetClaimsLedger(
      const v1::GetClaimsLedgerRequest& request);

  // Returns p50/p95 of a test's latency per UTC day (by run start) over the last `days`
  // days, oldest first; days without samples are omitted. INVALID_ARGUMENT when scenario
  // or test is empty; RESOURCE_EXHAUSTED for days over 3650.
  absl::StatusOr<v1::GetLatencyTrendResponse> GetLatencyTrend(
      const v1::GetLatencyTrendRequest& request);

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
  bool AwaitQueuedWrites(int n, absl::Duration timeout) { return writes_->AwaitQueued(n, timeout); }

  // Returns how many commit groups and writes the store has run since it was opened.
  GroupCommit::Counts WriteGroupCounts() { return writes_->counts(); }

 private:
  // What writes need to know about an existing run.
  struct RunState {
    int64_t pk = 0;
    int64_t scenario_id = 0;
    int64_t cluster_id = 0;
    std::string scenario;
    int64_t started_at_us = 0;
    bool finished = false;
    int64_t verdict = 0;
    int64_t latest_attempt = 0;
    int64_t next_seq = 0;
  };

  static constexpr size_t kMaxRememberedOpenRuns = 4096;

  ResultsStore(std::string path, ResultsStoreOptions options, const Clock* clock)
      : path_(std::move(path)), options_(std::move(options)), clock_(clock) {}

  // Reads the results table and the history index once on every reader connection.
  absl::Status WarmReaders();
  absl::StatusOr<std::optional<RunState>> FindRun(Database* db, const std::string& run_id);
  // FindRun on the writer, through open_runs_.
  absl::StatusOr<std::optional<RunState>> FindRunForWrite(const std::string& run_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Remembers an open run's state after a write changed it.
  void RememberOpenRun(const std::string& run_id, const RunState& state)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  absl::StatusOr<int64_t> InternName(absl::string_view table, const std::string& name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  absl::StatusOr<int64_t> InternTest(int64_t scenario_id, const std::string& name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // The writes' bodies: each runs inside a group transaction, in a savepoint of its own
  // (GroupCommit), so an error return rolls back exactly what it wrote.
  absl::StatusOr<v1::BeginRunResponse> BeginRunLocked(const v1::BeginRunRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  absl::StatusOr<v1::AppendResultsResponse> AppendResultsLocked(
      const v1::AppendResultsRequest& request, const std::vector<ResultRow>& rows)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  absl::StatusOr<v1::FinishRunResponse> FinishRunLocked(const v1::FinishRunRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Drops cached ids and run states after a rollback: what a rolled-back savepoint
  // created or changed is gone.
  void ForgetIds() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  const std::string path_;
  const ResultsStoreOptions options_;
  const Clock* clock_;

  absl::Mutex write_mu_;
  std::unique_ptr<Database> writer_ ABSL_GUARDED_BY(write_mu_);
  absl::flat_hash_map<std::string, int64_t> scenario_ids_ ABSL_GUARDED_BY(write_mu_);
  absl::flat_hash_map<std::string, int64_t> cluster_ids_ ABSL_GUARDED_BY(write_mu_);
  absl::flat_hash_map<std::pair<int64_t, std::string>, int64_t> test_ids_
      ABSL_GUARDED_BY(write_mu_);
  // Runs this writer began or appended to and that are still open, by run id: appends
  // and the finish of a run skip looking it up. Dropped with the ids after a rollback.
  absl::flat_hash_map<std::string, RunState> open_runs_ ABSL_GUARDED_BY(write_mu_);
  LatestIndex latest_ ABSL_GUARDED_BY(write_mu_);

  // Declared after writer_, which it uses.
  std::unique_ptr<GroupCommit> writes_;
  std::unique_ptr<ReaderPool> readers_;
};

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_RESULTS_STORE_H_
