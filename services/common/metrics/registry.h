// The metrics a service exposes to Prometheus: counters, gauges and histograms with fixed
// buckets, each a family of series told apart by labels, and collectors that compute
// series at scrape time from state the service already keeps (queue depths, ages, sizes)
// instead of counters sprinkled through the code. Render() writes the text exposition
// format 0.0.4 (text_format.h).
//
// Label cardinality is bounded per family: once a family holds `max_series` label sets,
// every new label set is folded into one overflow series whose label values are all
// kOverflowLabelValue, and meshproof_metrics_series_overflow_total{metric} counts the folds.
// Every instrument is safe to use from any thread.
#ifndef MESHPROOF_SERVICES_COMMON_METRICS_REGISTRY_H_
#define MESHPROOF_SERVICES_COMMON_METRICS_REGISTRY_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/common/metrics/sample.h"

namespace meshproof::metrics {

// The label value of the series that collects label sets past a family's bound.
inline constexpr char kOverflowLabelValue[] = "_overflow";
inline constexpr size_t kDefaultMaxSeries = 200;

// Seconds: 5 ms .. 60 s, for calls, probes and queries.
std::vector<double> LatencyBuckets();

class Counter {
 public:
  void Increment(double by = 1);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double by);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `bounds` are the buckets' upper bounds, strictly increasing; +Inf is implied.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);
  HistogramData Snapshot() const;

 private:
  const std::vector<double> bounds_;
  mutable absl::Mutex mu_;
  std::vector<uint64_t> counts_ ABSL_GUARDED_BY(mu_);  // per bucket, not cumulative; +Inf last
  double sum_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t count_ ABSL_GUARDED_BY(mu_) = 0;
};

class Registry;

// The series of one metric, one per label set. T is Counter, Gauge or Histogram.
template <typename T>
class Family {
 public:
  // Returns the series for `values` (one per label name, in order), creating it. Past the
  // family's bound, returns the overflow series. A wrong number of values is a bug: it
  // aborts.
  T& WithLabels(const std::vector<std::string>& values);
  // The series without labels (a family declared with no label names).
  T& Get() { return WithLabels({}); }

 private:
  friend class Registry;
  Family(Registry* registry, FamilyInfo info, size_t max_series, std::vector<double> bounds)
      : registry_(registry),
        info_(std::move(info)),
        max_series_(max_series),
        bounds_(std::move(bounds)) {}
  void Collect(FamilySamples* out) const;

  Registry* const registry_;
  const FamilyInfo info_;
  const size_t max_series_;
  const std::vector<double> bounds_;
  mutable absl::Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> series_ ABSL_GUARDED_BY(mu_);
};

// Receives the series a collector computes at scrape time. Families are told apart by
// name; a name used with two types or two label lists, or the name of a declared
// instrument, is a bug and aborts. Past a family's max_series, further series are dropped
// (a scrape-time value cannot be folded into another) and counted in
// meshproof_metrics_series_overflow_total{metric}.
class CollectorSink {
 public:
  virtual ~CollectorSink() = default;
  virtual void Gauge(const FamilyInfo& family, const std::vector<std::string>& label_values,
                     double value) = 0;
  virtual void Counter(const FamilyInfo& family, const std::vector<std::string>& label_values,
                       double value) = 0;
  virtual void Histogram(const FamilyInfo& family, const std::vector<std::string>& label_values,
                         const HistogramData& data) = 0;
};

class Registry {
 public:
  Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Declares a metric. Names must match [a-zA-Z_:][a-zA-Z0-9_:]*, label names
  // [a-zA-Z_][a-zA-Z0-9_]* without a leading "__" (and not "le" for histograms); a name
  // declared twice is a bug. Each aborts on those bugs.
  Family<Counter>& AddCounter(const std::string& name, const std::string& help,
                              std::vector<std::string> label_names = {},
                              size_t max_series = kDefaultMaxSeries);
  Family<Gauge>& AddGauge(const std::string& name, const std::string& help,
                          std::vector<std::string> label_names = {},
                          size_t max_series = kDefaultMaxSeries);
  Family<Histogram>& AddHistogram(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names, std::vector<double> bounds,
                                  size_t max_series = kDefaultMaxSeries);

  // Adds a function called on every scrape; it reports through the sink. It runs on the
  // scraping thread and must not call back into the registry.
  void AddCollector(std::function<void(CollectorSink&)> collector);

  // Returns every family, instruments and collectors alike, in name order.
  std::vector<FamilySamples> Collect() const;

  // Returns Collect() in the text exposition format 0.0.4.
  std::string Render() const;

  // Called by a family that folded a label set into its overflow series.
  void CountOverflow(const std::string& metric);

 private:
  // Aborts unless `info` is a valid, new declaration.
  void CheckDeclaration(const FamilyInfo& info) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Family<Counter>>> counters_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<Family<Gauge>>> gauges_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<Family<Histogram>>> histograms_ ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void(CollectorSink&)>> collectors_ ABSL_GUARDED_BY(mu_);
  // Declared first, so every family may count its folds.
  Family<Counter>* overflow_ = nullptr;
};

}  // namespace meshproof::metrics

#endif  // MESHPROOF_SERVICES_COMMON_METRICS_REGISTRY_H_
