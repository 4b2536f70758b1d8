#include "services/results-store/store_metrics.h"

#include <sys/stat.h>

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "services/common/log.h"

namespace meshproof::store {
namespace {

using metrics::FamilyInfo;
using metrics::MetricType;

// The calls that change the database; every other call only reads (Backup reads too).
bool IsWrite(absl::string_view method) {
  return method == "begin_run" || method == "append_results" || method == "finish_run" ||
         method == "apply_retention";
}

// 0 when the file is missing (no WAL between checkpoints is normal).
double FileBytes(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return 0;
  return static_cast<double>(st.st_size);
}

// "TEST_VERDICT_PASS" → "pass".
std::string VerdictLabel(result::v1::TestVerdict verdict) {
  absl::string_view name = result::v1::TestVerdict_Name(verdict);
  absl::ConsumePrefix(&name, "TEST_VERDICT_");
  return absl::AsciiStrToLower(name);
}

// Bounded by kDefaultMaxTestSeries, or the bound given: set per family at scrape time.
FamilyInfo TestFamily(const char* name, const char* help, size_t bound) {
  return FamilyInfo{name, help, MetricType::kGauge, {"scenario", "cluster", "test"}, bound};
}

// Methods × status codes: a few dozen series.
constexpr size_t kCallSeries = 400;

}  // namespace

StoreMetrics::StoreMetrics(metrics::Registry* registry, ResultsStore* store, size_t max_test_series)
    : store_(store),
      max_test_series_(max_test_series),
      writes_(registry->AddCounter("meshproof_store_writes_total",
                                   "write calls (begin_run, append_results, finish_run, "
                                   "apply_retention) by method and status code",
                                   {"method", "code"}, kCallSeries)),
      write_duration_(
          registry->AddHistogram("meshproof_store_write_duration_seconds",
                                 "time to answer a write call, group commit included, by method",
                                 {"method"}, metrics::LatencyBuckets(), kCallSeries)),
      queries_(registry->AddCounter("meshproof_store_queries_total",
                                    "read calls by method and status code", {"method", "code"},
                                    kCallSeries)),
      query_duration_(registry->AddHistogram("meshproof_store_query_duration_seconds",
                                             "time to answer a read call, by method", {"method"},
                                             metrics::LatencyBuckets(), kCallSeries)) {
  registry->AddCollector([this](metrics::CollectorSink& sink) { Collect(sink); });
}

void StoreMetrics::ObserveCall(absl::string_view method, absl::Duration duration,
                               absl::StatusCode code) {
  const std::string name(method);
  const std::string code_name = absl::StatusCodeToString(code);
  const double seconds = absl::ToDoubleSeconds(duration);
  if (IsWrite(method)) {
    writes_.WithLabels({name, code_name}).Increment();
    write_duration_.WithLabels({name}).Observe(seconds);
  } else {
    queries_.WithLabels({name, code_name}).Increment();
    query_duration_.WithLabels({name}).Observe(seconds);
  }
}

void StoreMetrics::Collect(metrics::CollectorSink& sink) {
  const FamilyInfo bytes{"meshproof_store_database_bytes",
                         "size of the SQLite database file (main) and its write-ahead log (wal)",
                         MetricType::kGauge,
                         {"file"}};
  sink.Gauge(bytes, {"main"}, FileBytes(store_->path()));
  sink.Gauge(bytes, {"wal"}, FileBytes(store_->path() + "-wal"));

  const size_t bound = max_test_series_;
  const FamilyInfo success = TestFamily(
      "meshproof_test_success",
      "1 when the test's latest result in the cluster is PASS, 0 when FAIL or ERROR", bound);
  const FamilyInfo error = TestFamily(
      "meshproof_test_error",
      "1 when the test's latest result in the cluster is ERROR (could not be observed)", bound);
  const FamilyInfo duration = TestFamily(
      "meshproof_test_duration_seconds",
      "probe time of the test's latest result in the cluster (when it was timed)", bound);
  const FamilyInfo started =
      TestFamily("meshproof_test_last_run_timestamp_seconds",
                 "Unix time the run holding the test's latest result started", bound);
  const FamilyInfo verdict{"meshproof_test_latest_verdict",
                           "latest results, one per test and cluster, by verdict",
                           MetricType::kGauge,
                           {"verdict"}};
  const FamilyInfo dropped{"meshproof_test_series_dropped",
                           "tests (per scenario and cluster) left out of meshproof_test_* "
                           "because there are more than the bound",
                           MetricType::kGauge};
  const FamilyInfo failed{"meshproof_store_metrics_collect_errors",
                          "1 when the last scrape could not read the latest results (see the log)",
                          MetricType::kGauge};

  size_t total = 0;
  absl::StatusOr<std::vector<LatestTestResult>> cells = store_->LatestTestResults(bound, &total);
  if (!cells.ok()) {
    LogWarning("metrics: cannot read the latest results: ", cells.status().message());
    sink.Gauge(failed, {}, 1);
    return;
  }
  sink.Gauge(failed, {}, 0);
  std::map<std::string, int> by_verdict;
  for (const LatestTestResult& cell : *cells) {
    const std::vector<std::string> labels{cell.scenario, cell.cluster, cell.test};
    ++by_verdict[VerdictLabel(cell.verdict)];
    // SKIPPED, BLOCKED and the like are not a verdict on the mesh: no success series.
    if (cell.verdict == result::v1::TEST_VERDICT_PASS ||
        cell.verdict == result::v1::TEST_VERDICT_FAIL ||
        cell.verdict == result::v1::TEST_VERDICT_ERROR) {
      sink.Gauge(success, labels, cell.verdict == result::v1::TEST_VERDICT_PASS ? 1 : 0);
      sink.Gauge(error, labels, cell.verdict == result::v1::TEST_VERDICT_ERROR ? 1 : 0);
    }
    if (cell.latency) sink.Gauge(duration, labels, absl::ToDoubleSeconds(*cell.latency));
    sink.Gauge(started, labels, absl::ToDoubleSeconds(cell.started_at - absl::UnixEpoch()));
  }
  for (const auto& [name, count] : by_verdict) sink.Gauge(verdict, {name}, count);
  sink.Gauge(dropped, {}, static_cast<double>(total - cells->size()));
}

}  // namespace meshproof::store
