// The bounds the results store enforces on every request, in one place so the docs,
// the validation and the tests agree.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_STORE_LIMITS_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_STORE_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace meshproof::store {

// Results per AppendResults call (configurable lower with max_batch).
inline constexpr int kMaxBatch = 500;
inline constexpr uint32_t kDefaultPageSize = 50;
inline constexpr uint32_t kMaxPageSize = 500;
// Runs, per (scenario, cluster), that ListFlakyTests looks back over.
inline constexpr uint32_t kDefaultFlakyRuns = 30;
inline constexpr uint32_t kMaxFlakyRuns = 1000;
inline constexpr uint32_t kDefaultTrendDays = 30;
inline constexpr uint32_t kMaxTrendDays = 3650;
// Names: scenario, test, cluster, team, namespace, agent, schedule, version strings.
inline constexpr size_t kMaxNameLength = 256;
// One-line texts: reasons, claim texts and notes.
inline constexpr size_t kMaxTextLength = 4096;
inline constexpr size_t kMaxRunIdLength = 64;
// Labels and tags: meshproof::kMaxLabels and friends in services/common/labels.h.
inline constexpr int kMaxClaims = 200;
// Tests a partial run may name as not selected (RunRecord.not_selected_tests).
inline constexpr int kMaxNotSelectedTests = 1000;
// A result's evidence, bodies, mismatches and summaries, serialized.
inline constexpr size_t kMaxResultDetailBytes = 1 << 20;
// Runs per retention transaction.
inline constexpr uint32_t kDefaultRetentionBatch = 500;
inline constexpr uint32_t kMaxRetentionBatch = 10000;

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_STORE_LIMITS_H_
