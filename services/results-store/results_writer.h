// The results store's writer: the one connection that changes the database, and what it
// decides — a run's identity (BeginRun retries must repeat it exactly), which results are
// new and which are duplicates, how a run is finished (verdict, counts, claim
// definitions, the latest-per-cluster index), and retention. Its state (the connection,
// the interned ids, the open runs it remembers, the latest index) is guarded by its own
// mutex, which GroupCommit holds while a group of writes runs: writes that arrive while
// another is being written are committed together in one transaction (group_commit.h),
// each in a savepoint of its own. Readers never take this lock (results_queries.h).
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_RESULTS_WRITER_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_RESULTS_WRITER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "meshproof/store/v1/store.pb.h"
#include "services/common/clock.h"
#include "services/results-store/database.h"
#include "services/results-store/group_commit.h"
#include "services/results-store/latest_index.h"
#include "services/results-store/result_codec.h"
#include "services/results-store/results_store_options.h"

namespace meshproof::store {

class ResultsWriter {
 public:
  // Opens the writing connection to `path` (creating the file) and applies pending
  // migrations: FAILED_PRECONDITION when the file was written by a newer schema;
  // UNAVAILABLE when it cannot be opened. `clock` must outlive the writer.
  static absl::StatusOr<std::unique_ptr<ResultsWriter>> Open(const std::string& path,
                                                             const ResultsStoreOptions& options,
                                                             const Clock* clock);

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

  // Deletes runs started before the cutoff, batch_size runs per short transaction.
  // INVALID_ARGUMENT when cutoff is unset or batch_size over 10000.
  absl::StatusOr<v1::ApplyRetentionResponse> ApplyRetention(
      const v1::ApplyRetentionRequest& request);

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

  ResultsWriter(ResultsStoreOptions options, const Clock* clock)
      : options_(std::move(options)), clock_(clock) {}

  absl::StatusOr<std::optional<RunState>> FindRun(Database* db, const std::string& run_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
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

  const ResultsStoreOptions options_;
  const Clock* clock_;

  absl::Mutex write_mu_;
  std::unique_ptr<Database> writer_ ABSL_GUARDED_BY(write_mu_);
  absl::flat_hash_map<std::string, int64_t> scenario_ids_ ABSL_GUARDED_BY(write_mu_);
  absl::flat_hash_map<std::string, int64_t> cluster_ids_ ABSL_GUARDED_BY(write_mu_);
  // scenario id → test name → test id (looked up by the name without copying it).
  absl::flat_hash_map<int64_t, absl::flat_hash_map<std::string, int64_t>> test_ids_
      ABSL_GUARDED_BY(write_mu_);
  // Runs this writer began or appended to and that are still open, by run id: appends
  // and the finish of a run skip looking it up. Dropped with the ids after a rollback.
  absl::flat_hash_map<std::string, RunState> open_runs_ ABSL_GUARDED_BY(write_mu_);
  // For open runs this writer began, by run key: the test ids of the TEST-phase results
  // stored at the run's latest attempt, in append order — what FinishRun's latest index
  // would otherwise read back from `results`. A run that is not here (begun before a
  // restart, or dropped with everything after a rollback or retention) is read from the
  // database at its finish; an entry is only ever created empty, by BeginRun.
  struct AppendedTests {
    int64_t attempt = 0;
    std::vector<int64_t> ids;
  };
  absl::flat_hash_map<int64_t, AppendedTests> appended_tests_ ABSL_GUARDED_BY(write_mu_);
  LatestIndex latest_ ABSL_GUARDED_BY(write_mu_);

  // Declared after writer_, which it uses.
  std::unique_ptr<GroupCommit> writes_;
};

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_RESULTS_WRITER_H_
