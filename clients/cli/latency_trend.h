// Which way a test's latency went over its history: the newest day's p50 against the
// oldest day's, with a dead band so noise reads as "steady". Pure; used by `trend`.
#ifndef MESHPROOF_CLIENTS_CLI_LATENCY_TREND_H_
#define MESHPROOF_CLIENTS_CLI_LATENCY_TREND_H_

#include <string>

#include "google/protobuf/repeated_field.h"
#include "meshproof/store/v1/store.pb.h"

namespace meshproof::cli {

// A change of the p50 smaller than this fraction of the first day's is "steady".
inline constexpr double kSteadyBand = 0.10;

struct TrendDirection {
  // "slower", "faster", "steady", or "-" when fewer than two days have samples.
  std::string word;
  // (last p50 - first p50) / first p50; 0 for "-".
  double change = 0;
};

// Returns the direction of `days` (oldest first, as GetLatencyTrend answers).
TrendDirection DirectionOf(
    const google::protobuf::RepeatedPtrField<meshproof::store::v1::LatencyDay>& days);

// Returns "slower +25%", "faster -40%", "steady +3%" or "-".
std::string DescribeDirection(const TrendDirection& direction);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_LATENCY_TREND_H_
