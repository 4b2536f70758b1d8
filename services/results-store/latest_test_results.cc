// ResultsQueries::LatestTestResults: every cell of the latest-per-cluster grid, across
// scenarios, for the meshproof_test_* series (store_metrics.h). The same union of
// latest_runs and latest_results that GetLatestPerCluster reads (latest_index.h).
#include "services/common/status_macros.h"
#include "services/results-store/result_codec.h"
#include "services/results-store/results_queries.h"

namespace meshproof::store {

absl::StatusOr<std::vector<LatestTestResult>> ResultsQueries::LatestTestResults(size_t limit,
                                                                                size_t* total) {
  ReaderPool::Lease db = readers_->Acquire();
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db.get(), /*immediate=*/false));
  MP_ASSIGN_OR_RETURN(
      Statement stmt,
      db->Prepare("SELECT s.name, c.name, t.name, r.verdict, r.flags, r.latency_us, u.started_at"
                  " FROM latest_runs l JOIN runs u ON u.id = l.run_pk"
                  " JOIN scenarios s ON s.id = l.scenario_id"
                  " JOIN clusters c ON c.id = l.cluster_id"
                  " JOIN results r ON r.run_pk = l.run_pk"
                  " AND r.phase = ?1 AND r.attempt = u.latest_attempt"
                  " JOIN tests t ON t.id = r.test_id"
                  " UNION ALL "
                  "SELECT s.name, c.name, t.name, r.verdict, r.flags, r.latency_us, u.started_at"
                  " FROM latest_results l JOIN tests t ON t.id = l.test_id"
                  " JOIN scenarios s ON s.id = l.scenario_id"
                  " JOIN runs u ON u.id = l.run_pk JOIN clusters c ON c.id = l.cluster_id"
                  " JOIN results r ON r.run_pk = l.run_pk AND r.test_id = l.test_id"
                  " AND r.phase = ?1 AND r.attempt = u.latest_attempt"
                  " ORDER BY 1, 2, 3"));
  stmt.Bind(1, result::v1::PHASE_TEST);
  std::vector<LatestTestResult> out;
  size_t count = 0;
  while (true) {
    MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    if (++count > limit) continue;
    LatestTestResult& cell = out.emplace_back();
    cell.scenario = stmt.Text(0);
    cell.cluster = stmt.Text(1);
    cell.test = stmt.Text(2);
    cell.verdict = static_cast<result::v1::TestVerdict>(stmt.Int(3));
    if (stmt.Int(4) & kFlagTimings) cell.latency = absl::Microseconds(stmt.Int(5));
    cell.started_at = absl::FromUnixMicros(stmt.Int(6));
  }
  *total = count;
  return out;
}

}  // namespace meshproof::store
