#include "services/common/metrics/registry.h"

#include <cstdio>
#include <cstdlib>
#include <set>
#include <utility>

#include "absl/strings/str_join.h"
#include "services/common/metrics/text_format.h"

namespace meshproof::metrics {
namespace {

// Declarations are written by our own code, never by users: a bad one is a bug.
[[noreturn]] void Bug(const std::string& what) {
  std::fprintf(stderr, "metrics: %s\n", what.c_str());
  std::abort();
}

bool ValidName(const std::string& name, bool colons) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colons && c == ':');
    const bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

void AtomicAdd(std::atomic<double>* target, double by) {
  double old = target->load(std::memory_order_relaxed);
  while (!target->compare_exchange_weak(old, old + by, std::memory_order_relaxed)) {
  }
}

void CheckInfo(const FamilyInfo& info) {
  if (!ValidName(info.name, true)) Bug("bad metric name \"" + info.name + "\"");
  std::set<std::string> seen;
  for (const std::string& label : info.label_names) {
    if (!ValidName(label, false) || label.rfind("__", 0) == 0 ||
        (info.type == MetricType::kHistogram && label == "le") || !seen.insert(label).second) {
      Bug("bad label name \"" + label + "\" on " + info.name);
    }
  }
}

// Collects what collectors report into families, checking each family is reported the
// same way every time and bounding its series.
class GatheringSink final : public CollectorSink {
 public:
  explicit GatheringSink(Registry* registry) : registry_(registry) {}

  void Gauge(const FamilyInfo& family, const std::vector<std::string>& values,
             double value) override {
    if (Series* s = Add(family, MetricType::kGauge, values)) s->value = value;
  }
  void Counter(const FamilyInfo& family, const std::vector<std::string>& values,
               double value) override {
    if (Series* s = Add(family, MetricType::kCounter, values)) s->value = value;
  }
  void Histogram(const FamilyInfo& family, const std::vector<std::string>& values,
                 const HistogramData& data) override {
    if (Series* s = Add(family, MetricType::kHistogram, values)) s->histogram = data;
  }

  std::map<std::string, FamilySamples> Take() { return std::move(families_); }

 private:
  Series* Add(const FamilyInfo& family, MetricType type, const std::vector<std::string>& values) {
    if (family.type != type) Bug("collector reported " + family.name + " with another type");
    auto [it, inserted] = families_.try_emplace(family.name);
    FamilySamples& samples = it->second;
    if (inserted) {
      CheckInfo(family);
      samples.info = family;
    } else if (samples.info.type != family.type || samples.info.label_names != family.label_names) {
      Bug("collector reported " + family.name + " with two label lists or types");
    }
    if (values.size() != family.label_names.size()) {
      Bug("collector reported " + family.name + " with the wrong number of label values");
    }
    const size_t bound = family.max_series == 0 ? kDefaultMaxSeries : family.max_series;
    if (samples.series.size() >= bound) {
      registry_->CountOverflow(family.name);
      return nullptr;
    }
    Series& series = samples.series.emplace_back();
    series.label_values = values;
    return &series;
  }

  Registry* const registry_;
  std::map<std::string, FamilySamples> families_;
};

}  // namespace

std::vector<double> LatencyBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

void Counter::Increment(double by) {
  // A counter only goes up; a negative step is a bug in the caller, ignored here rather
  // than making the series unusable for rate().
  if (by < 0) return;
  AtomicAdd(&value_, by);
}

void Gauge::Add(double by) { AtomicAdd(&value_, by); }

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {
  for (size_t i = 1; i < bounds_.size(); ++i) {
    if (!(bounds_[i - 1] < bounds_[i])) Bug("histogram bounds must increase");
  }
}

void Histogram::Observe(double value) {
  size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
  absl::MutexLock lock(&mu_);
  ++counts_[bucket];
  sum_ += value;
  ++count_;
}

HistogramData Histogram::Snapshot() const {
  HistogramData data;
  data.bounds = bounds_;
  absl::MutexLock lock(&mu_);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    data.buckets.push_back(cumulative);
  }
  data.sum = sum_;
  data.count = count_;
  return data;
}

template <typename T>
T& Family<T>::WithLabels(const std::vector<std::string>& values) {
  if (values.size() != info_.label_names.size()) {
    Bug("wrong number of label values for " + info_.name);
  }
  bool folded = false;
  T* series = nullptr;
  {
    absl::MutexLock lock(&mu_);
    auto it = series_.find(values);
    if (it == series_.end()) {
      std::vector<std::string> key = values;
      if (series_.size() >= max_series_) {
        key.assign(values.size(), kOverflowLabelValue);
        folded = true;
        it = series_.find(key);
      }
      if (it == series_.end()) {
        std::unique_ptr<T> created;
        if constexpr (std::is_same_v<T, Histogram>) {
          created = std::make_unique<T>(bounds_);
        } else {
          created = std::make_unique<T>();
        }
        it = series_.emplace(std::move(key), std::move(created)).first;
      }
    }
    series = it->second.get();
  }
  // Outside the lock: the overflow counter is itself a family.
  if (folded && registry_ != nullptr) registry_->CountOverflow(info_.name);
  return *series;
}

template <typename T>
void Family<T>::Collect(FamilySamples* out) const {
  out->info = info_;
  absl::MutexLock lock(&mu_);
  for (const auto& [values, instrument] : series_) {
    Series& series = out->series.emplace_back();
    series.label_values = values;
    if constexpr (std::is_same_v<T, Histogram>) {
      series.histogram = instrument->Snapshot();
    } else {
      series.value = instrument->Value();
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registry::Registry() {
  // No bound worth having: its label is a metric name, and those are ours.
  overflow_ = &AddCounter("meshproof_metrics_series_overflow_total",
                          "label sets folded into a metric's overflow series (or, for series "
                          "computed at scrape time, dropped) because the metric reached its "
                          "bound on series",
                          {"metric"}, 10000);
}

void Registry::CheckDeclaration(const FamilyInfo& info) const {
  CheckInfo(info);
  if (counters_.count(info.name) || gauges_.count(info.name) || histograms_.count(info.name)) {
    Bug("metric " + info.name + " declared twice");
  }
}

Family<Counter>& Registry::AddCounter(const std::string& name, const std::string& help,
                                      std::vector<std::string> label_names, size_t max_series) {
  FamilyInfo info{name, help, MetricType::kCounter, std::move(label_names)};
  absl::MutexLock lock(&mu_);
  CheckDeclaration(info);
  auto family =
      std::unique_ptr<Family<Counter>>(new Family<Counter>(this, std::move(info), max_series, {}));
  return *counters_.emplace(name, std::move(family)).first->second;
}

Family<Gauge>& Registry::AddGauge(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names, size_t max_series) {
  FamilyInfo info{name, help, MetricType::kGauge, std::move(label_names)};
  absl::MutexLock lock(&mu_);
  CheckDeclaration(info);
  auto family =
      std::unique_ptr<Family<Gauge>>(new Family<Gauge>(this, std::move(info), max_series, {}));
  return *gauges_.emplace(name, std::move(family)).first->second;
}

Family<Histogram>& Registry::AddHistogram(const std::string& name, const std::string& help,
                                          std::vector<std::string> label_names,
                                          std::vector<double> bounds, size_t max_series) {
  FamilyInfo info{name, help, MetricType::kHistogram, std::move(label_names)};
  absl::MutexLock lock(&mu_);
  CheckDeclaration(info);
  // Checks the bounds now rather than at the first observation.
  Histogram check(bounds);
  auto family = std::unique_ptr<Family<Histogram>>(
      new Family<Histogram>(this, std::move(info), max_series, std::move(bounds)));
  return *histograms_.emplace(name, std::move(family)).first->second;
}

void Registry::AddCollector(std::function<void(CollectorSink&)> collector) {
  absl::MutexLock lock(&mu_);
  collectors_.push_back(std::move(collector));
}

void Registry::CountOverflow(const std::string& metric) {
  if (overflow_ != nullptr) overflow_->WithLabels({metric}).Increment();
}

std::vector<FamilySamples> Registry::Collect() const {
  std::vector<std::function<void(CollectorSink&)>> collectors;
  {
    absl::MutexLock lock(&mu_);
    collectors = collectors_;
  }
  // Collectors run first and outside the lock: they may take their service's locks, and
  // their overflow counts should show in this same scrape.
  GatheringSink sink(const_cast<Registry*>(this));
  for (const auto& collector : collectors) collector(sink);
  std::map<std::string, FamilySamples> families = sink.Take();

  absl::MutexLock lock(&mu_);
  auto add = [&](const std::string& name, const auto& family) {
    if (families.count(name)) Bug("collector reported " + name + ", a declared instrument");
    family->Collect(&families[name]);
  };
  for (const auto& [name, family] : counters_) add(name, family);
  for (const auto& [name, family] : gauges_) add(name, family);
  for (const auto& [name, family] : histograms_) add(name, family);
  std::vector<FamilySamples> out;
  out.reserve(families.size());
  for (auto& [name, family] : families) out.push_back(std::move(family));
  return out;
}

std::string Registry::Render() const { return RenderText(Collect()); }

}  // namespace meshproof::metrics
