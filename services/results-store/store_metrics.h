// The results store's metrics: every call counted and timed (writes and queries apart,
// histograms by method), the database and WAL file sizes, and the latest verdict of every
// test in every cluster as series (meshproof_test_success and friends), read at scrape
// time from the latest-per-cluster index.
//
// The test series are bounded: at most `max_test_series` (scenario, cluster, test) cells,
// the first in (scenario, cluster, test) order; the rest are left out and counted in
// meshproof_test_series_dropped, so a dashboard can say it is incomplete.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_STORE_METRICS_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_STORE_METRICS_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/metrics/registry.h"
#include "services/results-store/results_store.h"

namespace meshproof::store {

inline constexpr size_t kDefaultMaxTestSeries = 2000;

class StoreMetrics {
 public:
  // Declares the store's series in `registry` and adds a collector reading `store`; both
  // must outlive this object and the registry's scrapes.
  StoreMetrics(metrics::Registry* registry, ResultsStore* store,
               size_t max_test_series = kDefaultMaxTestSeries);

  // Records one call: `method` as snake_case ("append_results"), how long it took and how
  // it ended.
  void ObserveCall(absl::string_view method, absl::Duration duration, absl::StatusCode code);

 private:
  void Collect(metrics::CollectorSink& sink);

  ResultsStore* const store_;
  const size_t max_test_series_;
  metrics::Family<metrics::Counter>& writes_;
  metrics::Family<metrics::Histogram>& write_duration_;
  metrics::Family<metrics::Counter>& queries_;
  metrics::Family<metrics::Histogram>& query_duration_;
};

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_STORE_METRICS_H_
