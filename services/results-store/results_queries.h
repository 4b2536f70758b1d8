// The results store's queries: the history questions (a run and its claims ledger, run
// listings, comparisons, one test's history, flaky tests, latest per cluster, latency
// trend). Every query runs in one read transaction on a pooled read-only connection
// (WAL), so it sees one snapshot and never waits for the writer; this class shares no
// state with ResultsWriter and takes no lock of its own (the pool hands out connections).
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_RESULTS_QUERIES_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_RESULTS_QUERIES_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "meshproof/result/v1/result.pb.h"
#include "meshproof/store/v1/store.pb.h"
#include "services/common/clock.h"
#include "services/results-store/reader_pool.h"
#include "services/results-store/results_store_options.h"

namespace meshproof::store {

// One test's latest TEST-phase result in one cluster: a cell of GetLatestPerCluster.
struct LatestTestResult {
  std::string scenario;
  std::string cluster;
  std::string test;
  result::v1::TestVerdict verdict = result::v1::TEST_VERDICT_UNSPECIFIED;
  std::optional<absl::Duration> latency;  // when the probe recorded timings
  absl::Time started_at;                  // of the run it comes from
};

class ResultsQueries {
 public:
  // Opens options.readers read-only connections to `path` (the schema must exist: the
  // writer opens first) and, for a file up to options.warm_limit_bytes, warms them.
  // `clock` must outlive the queries.
  static absl::StatusOr<std::unique_ptr<ResultsQueries>> Open(const std::string& path,
                                                              const ResultsStoreOptions& options,
                                                              const Clock* clock);

  // Returns the run, its latest attempt's results in append order and its claims
  // ledger. NOT_FOUND for an unknown run.
  absl::StatusOr<v1::RunDetail> GetRun(const v1::GetRunRequest& request);

  // Lists runs newest first with filters and keyset page tokens. INVALID_ARGUMENT for a
  // bad label filter or page token; RESOURCE_EXHAUSTED when page_size is over 500.
  absl::StatusOr<v1::ListRunsResponse> ListRuns(const v1::ListRunsRequest& request);

  // Compares the TEST-phase results of two runs, regressions first. NOT_FOUND naming
  // base_run_id or head_run_id.
  absl::StatusOr<v1::CompareRunsResponse> CompareRuns(const v1::CompareRunsRequest& request);

  // The scenario-wide queries below take `scoped_team`, the team of a caller scoped to
  // one team (empty: not scoped). Such a caller is not shown a scenario with a stored run
  // of another team: it gets the answer of a scenario never stored. The check runs in the
  // query's own read transaction, so the caller waits for one reader, not two, and the
  // check and the answer see the same snapshot.

  // Returns one test's TEST-phase results, newest first, paged. INVALID_ARGUMENT when
  // scenario or test is empty or the page token is bad; RESOURCE_EXHAUSTED over 500.
  absl::StatusOr<v1::GetTestHistoryResponse> GetTestHistory(
      const v1::GetTestHistoryRequest& request, const std::string& scoped_team = "");

  // Returns tests that flipped or passed only on retry over the last N finished runs of
  // each (scenario, cluster), highest flip rate first. INVALID_ARGUMENT for a flip rate
  // outside 0..1; RESOURCE_EXHAUSTED for last_runs over 1000 or limit over 500. Scenarios
  // hidden from `scoped_team` are left out before the limit is applied.
  absl::StatusOr<v1::ListFlakyTestsResponse> ListFlakyTests(
      const v1::ListFlakyTestsRequest& request, const std::string& scoped_team = "");

  // Returns, for each test of a scenario, its result in the latest finished run of every
  // cluster. INVALID_ARGUMENT when scenario is empty; NOT_FOUND when it has no runs.
  absl::StatusOr<v1::GetLatestPerClusterResponse> GetLatestPerCluster(
      const v1::GetLatestPerClusterRequest& request, const std::string& scoped_team = "");

  // Returns the latest result of every test in every cluster of every scenario (as
  // GetLatestPerCluster), the first `limit` in (scenario, cluster, test) order, and in
  // `*total` how many there are. For the metrics; latest_test_results.cc.
  absl::StatusOr<std::vector<LatestTestResult>> LatestTestResults(size_t limit, size_t* total);

  // Returns the claims ledger of a run computed from its results. NOT_FOUND.
  absl::StatusOr<v1::GetClaimsLedgerResponse> GetClaimsLedger(
      const v1::GetClaimsLedgerRequest& request);

  // Returns p50/p95 of a test's latency per UTC day (by run start) over the last `days`
  // days, oldest first; days without samples are omitted. INVALID_ARGUMENT when scenario
  // or test is empty; RESOURCE_EXHAUSTED for days over 3650.
  absl::StatusOr<v1::GetLatencyTrendResponse> GetLatencyTrend(
      const v1::GetLatencyTrendRequest& request, const std::string& scoped_team = "");

 private:
  ResultsQueries(std::unique_ptr<ReaderPool> readers, const Clock* clock)
      : readers_(std::move(readers)), clock_(clock) {}

  // Reads the results table and the history index once on every reader connection.
  absl::Status WarmReaders(int readers);

  std::unique_ptr<ReaderPool> readers_;
  const Clock* clock_;
};

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_RESULTS_QUERIES_H_
