// The plain data a scrape is made of: a family's name, help, type and label names, and
// its series' values. Registry produces them; text_format.h writes them.
#ifndef MESHPROOF_SERVICES_COMMON_METRICS_SAMPLE_H_
#define MESHPROOF_SERVICES_COMMON_METRICS_SAMPLE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace meshproof::metrics {

enum class MetricType { kCounter, kGauge, kHistogram };

struct FamilyInfo {
  std::string name;
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<std::string> label_names;
  // Collectors only: the most series a scrape keeps (0: kDefaultMaxSeries).
  size_t max_series = 0;
};

struct HistogramData {
  std::vector<double> bounds;     // upper bounds, increasing; +Inf not included
  std::vector<uint64_t> buckets;  // cumulative count per bound; +Inf is `count`
  double sum = 0;
  uint64_t count = 0;
};

struct Series {
  std::vector<std::string> label_values;  // one per FamilyInfo::label_names
  double value = 0;                       // counters and gauges
  HistogramData histogram;                // histograms
};

struct FamilySamples {
  FamilyInfo info;
  std::vector<Series> series;
};

}  // namespace meshproof::metrics

#endif  // MESHPROOF_SERVICES_COMMON_METRICS_SAMPLE_H_
