// Prometheus' text exposition format 0.0.4: "# HELP" and "# TYPE" lines, one line per
// sample, label values and help text escaped, histograms as cumulative `_bucket{le=...}`
// series ending with le="+Inf", then `_sum` and `_count`.
#ifndef MESHPROOF_SERVICES_COMMON_METRICS_TEXT_FORMAT_H_
#define MESHPROOF_SERVICES_COMMON_METRICS_TEXT_FORMAT_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/common/metrics/sample.h"

namespace meshproof::metrics {

// The Content-Type of a scrape answer.
inline constexpr char kTextFormatContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// Returns `value` as the format writes it: "+Inf", "-Inf", "NaN", or the shortest text
// that reads back as the same double ("0.005", "3", "1e+21").
std::string FormatValue(double value);

// Escapes a label value: backslash, double quote and line feed.
std::string EscapeLabelValue(absl::string_view value);

// Escapes HELP text: backslash and line feed.
std::string EscapeHelp(absl::string_view help);

// Returns `families` in the text format, in the order given.
std::string RenderText(const std::vector<FamilySamples>& families);

}  // namespace meshproof::metrics

#endif  // MESHPROOF_SERVICES_COMMON_METRICS_TEXT_FORMAT_H_
