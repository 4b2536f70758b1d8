// LatestIndex: keeps the latest-per-cluster index up to date as runs finish and are
// deleted (schema in migrations/results/0005_latest_runs.sql). latest_runs names the
// latest finished run of each (scenario, cluster); latest_results holds only the tests
// missing from that run, each with the newest older run that has it. The answer to
// "each test's latest result in every cluster" is the union of the two.
//
// Keeping the exceptions right needs the test sets of the finishing run and of the
// latest run it replaces. The latest run's set is remembered from when it finished, so
// in the usual case (tonight's run has yesterday's tests) finishing reads the new run's
// test ids once and writes one row. The memory is only a shortcut: anything missing is
// read from the database, and Forget() drops it all after a rollback.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_LATEST_INDEX_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_LATEST_INDEX_H_

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "services/results-store/database.h"

namespace meshproof::store {

class LatestIndex {
 public:
  // The run that finishes, as the writer knows it.
  struct FinishedRun {
    int64_t pk = 0;
    int64_t scenario_id = 0;
    int64_t cluster_id = 0;
    int64_t started_at_us = 0;
    int64_t latest_attempt = 0;
    // The test ids of its TEST-phase results at latest_attempt, in any order, when the
    // writer knows them; otherwise they are read from `results`.
    std::optional<std::vector<int64_t>> test_ids;
  };

  // Records that `run` finished: it becomes the latest of its (scenario, cluster) if it
  // started after the current latest (the larger key breaking a tie), whatever the
  // finishing order; otherwise its tests that the latest lacks may become exceptions.
  // Runs inside the caller's transaction.
  absl::Status OnRunFinished(Database* db, const FinishedRun& run);

  // Removes what points at a run about to be deleted (retention).
  absl::Status OnRunDeleted(Database* db, int64_t run_pk, int64_t scenario_id, int64_t cluster_id);

  // Drops what is remembered (after a rollback, the database may no longer match it).
  void Forget() { latest_tests_.clear(); }

 private:
  struct LatestRun {
    int64_t pk = 0;
    int64_t started_at_us = 0;
  };
  // Sorted test ids of a run's TEST-phase results at `attempt`.
  static absl::StatusOr<std::vector<int64_t>> ReadTestIds(Database* db, int64_t run_pk,
                                                          int64_t attempt);
  absl::StatusOr<std::vector<int64_t>> TestIdsOfLatest(Database* db, int64_t scenario_id,
                                                       int64_t cluster_id, int64_t run_pk);

  // (scenario, cluster) → the latest run's key and its sorted test ids.
  absl::flat_hash_map<std::pair<int64_t, int64_t>, std::pair<int64_t, std::vector<int64_t>>>
      latest_tests_;
};

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_LATEST_INDEX_H_
