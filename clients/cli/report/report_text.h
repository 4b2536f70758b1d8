// Words and numbers shared by every report format: change and trigger names, times,
// latencies, the phase a result belongs to. One place, so Markdown, HTML and JUnit say
// the same. Verdict words are services/common/results/verdict_words.h, which the agent
// and the probe command print too.
#ifndef MESHPROOF_CLIENTS_CLI_REPORT_REPORT_TEXT_H_
#define MESHPROOF_CLIENTS_CLI_REPORT_REPORT_TEXT_H_

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "meshproof/result/v1/result.pb.h"
#include "meshproof/store/v1/store.pb.h"

namespace meshproof::cli::report {

// "REGRESSED", "FIXED", "STILL_FAILING", ...
std::string ChangeWord(meshproof::store::v1::Change change);
// "manual", "schedule", "api".
std::string TriggerWord(meshproof::result::v1::Trigger trigger);

// Returns "2026-06-07 01:49:40 UTC", or "-" for an unset timestamp.
std::string FormatTime(const google::protobuf::Timestamp& ts);
// Returns "2026-06-07T01:49:40" (JUnit's timestamp form), or "" when unset.
std::string FormatIsoTime(const google::protobuf::Timestamp& ts);
// Returns "12 ms", "1.25 s", or "-" for zero.
std::string FormatLatency(const google::protobuf::Duration& d);
// Returns "+3 ms" / "-120 ms" / "±0 ms".
std::string FormatDelta(const google::protobuf::Duration& d);
// Returns seconds with millisecond precision ("0.012"), as JUnit wants it.
std::string FormatSeconds(const google::protobuf::Duration& d);
// Returns the duration in microseconds.
int64_t Micros(const google::protobuf::Duration& d);

// Returns the total probe latency of a result (zero when it did not probe).
google::protobuf::Duration LatencyOf(const meshproof::result::v1::TestResult& result);

// Returns "4 passed, 1 failed, ..." listing only the non-zero counts, and "no tests".
std::string DescribeCounts(const meshproof::result::v1::RunCounts& counts);

// Returns the lines of the reproduction: the probe command first, then evidence checks.
std::vector<std::string> ReproductionLines(const meshproof::result::v1::TestResult& result);

// Returns "expected X, got Y" for one mismatch.
std::string DescribeMismatch(const meshproof::result::v1::Mismatch& mismatch);

// Returns the first line of `text`.
std::string FirstLine(absl::string_view text);

// Returns true for a result that belongs in the deferred list (skipped with a reason).
bool IsDeferred(const meshproof::result::v1::TestResult& result);

}  // namespace meshproof::cli::report

#endif  // MESHPROOF_CLIENTS_CLI_REPORT_REPORT_TEXT_H_
