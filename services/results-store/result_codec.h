// How a TestResult becomes a compact results row plus an optional detail blob, and back.
// The row keeps what history queries read (verdict, HTTP status, failure class, latency
// in microseconds, flags, reason); everything else (evidence, mismatches, bodies,
// summaries, TLS details...) goes into a serialized, zlib-compressed-when-it-pays blob
// stored in its own table.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_RESULT_CODEC_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_RESULT_CODEC_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "meshproof/result/v1/result.pb.h"

namespace meshproof::store {

// Bits of results.flags.
inline constexpr int64_t kFlagPassedOnRetry = 1;
inline constexpr int64_t kFlagHasOutcome = 2;
inline constexpr int64_t kFlagHttp = 4;
inline constexpr int64_t kFlagTimings = 8;
inline constexpr int64_t kFlagFailure = 16;
inline constexpr int64_t kFlagHasDetail = 32;
// The attempts disagreed (TestResult.flaky); migration 0006 set it on older rows that
// passed on retry.
inline constexpr int64_t kFlagFlaky = 64;

struct ResultRow {
  int64_t verdict = 0;
  int64_t status_code = 0;
  int64_t failure_class = 0;
  int64_t latency_us = 0;
  int64_t flags = 0;
  int64_t attempts = 0;
  std::string reason;
  // Empty when everything fits in the columns.
  std::string detail;
};

// Splits `result` into a row. The detail holds the fields the columns do not, and is
// empty when there are none. Scenario, test and phase are the caller's (they are keys).
ResultRow EncodeResult(const result::v1::TestResult& result);

// Rebuilds the TestResult from a row (scenario, test and phase are set by the caller).
// INTERNAL when the detail blob cannot be decoded.
absl::StatusOr<result::v1::TestResult> DecodeResult(const ResultRow& row);

// Returns the outcome of a result in one word for comparisons: the failure class
// ("tls_handshake"), the HTTP status ("200", or "000" when no response), "ok" for a
// passing non-HTTP probe, "" when nothing was probed.
std::string OutcomeString(int64_t flags, int64_t status_code, int64_t failure_class,
                          int64_t verdict);

// Drops evidence lines and body excerpts (GetRun without include_evidence).
void StripEvidence(result::v1::TestResult* result);

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_RESULT_CODEC_H_
