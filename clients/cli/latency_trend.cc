#include "clients/cli/latency_trend.h"

#include <cmath>

#include "absl/strings/str_format.h"
#include "clients/cli/report/report_text.h"

namespace meshproof::cli {

TrendDirection DirectionOf(
    const google::protobuf::RepeatedPtrField<meshproof::store::v1::LatencyDay>& days) {
  TrendDirection direction{"-", 0};
  if (days.size() < 2) return direction;
  const int64_t first = report::Micros(days.begin()->p50());
  const int64_t last = report::Micros(days.rbegin()->p50());
  // A zero first p50 (sub-microsecond) has no meaningful ratio.
  if (first <= 0) return direction;
  direction.change = static_cast<double>(last - first) / static_cast<double>(first);
  if (std::fabs(direction.change) < kSteadyBand) {
    direction.word = "steady";
  } else {
    direction.word = direction.change > 0 ? "slower" : "faster";
  }
  return direction;
}

std::string DescribeDirection(const TrendDirection& direction) {
  if (direction.word == "-") return "-";
  return absl::StrFormat("%s %+.0f%%", direction.word, direction.change * 100);
}

}  // namespace meshproof::cli
