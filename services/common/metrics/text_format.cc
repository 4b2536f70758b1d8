#include "services/common/metrics/text_format.h"

#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace meshproof::metrics {
namespace {

// `{a="x",b="y"}`, with `extra` (a histogram's le) last; "" when there are no labels.
std::string LabelText(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      absl::string_view extra_name = "", absl::string_view extra_value = "") {
  std::string out;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    absl::StrAppend(&out, out.empty() ? "{" : ",", names[i], "=\"", EscapeLabelValue(values[i]),
                    "\"");
  }
  if (!extra_name.empty()) {
    absl::StrAppend(&out, out.empty() ? "{" : ",", extra_name, "=\"", extra_value, "\"");
  }
  if (!out.empty()) out.push_back('}');
  return out;
}

absl::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  // Shortest round-trip text, as Prometheus' own clients write it.
  const std::to_chars_result result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::string EscapeLabelValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string EscapeHelp(absl::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string RenderText(const std::vector<FamilySamples>& families) {
  std::string out;
  for (const FamilySamples& family : families) {
    const FamilyInfo& info = family.info;
    absl::StrAppend(&out, "# HELP ", info.name, " ", EscapeHelp(info.help), "\n");
    absl::StrAppend(&out, "# TYPE ", info.name, " ", TypeName(info.type), "\n");
    for (const Series& series : family.series) {
      if (info.type != MetricType::kHistogram) {
        absl::StrAppend(&out, info.name, LabelText(info.label_names, series.label_values), " ",
                        FormatValue(series.value), "\n");
        continue;
      }
      const HistogramData& h = series.histogram;
      for (size_t i = 0; i < h.bounds.size() && i < h.buckets.size(); ++i) {
        absl::StrAppend(
            &out, info.name, "_bucket",
            LabelText(info.label_names, series.label_values, "le", FormatValue(h.bounds[i])), " ",
            h.buckets[i], "\n");
      }
      // The +Inf bucket holds every observation, so it always equals _count.
      absl::StrAppend(&out, info.name, "_bucket",
                      LabelText(info.label_names, series.label_values, "le", "+Inf"), " ", h.count,
                      "\n");
      absl::StrAppend(&out, info.name, "_sum", LabelText(info.label_names, series.label_values),
                      " ", FormatValue(h.sum), "\n");
      absl::StrAppend(&out, info.name, "_count", LabelText(info.label_names, series.label_values),
                      " ", h.count, "\n");
    }
  }
  return out;
}

}  // namespace meshproof::metrics
