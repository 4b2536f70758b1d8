#include "clients/cli/report/report_text.h"

#include <cstdint>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"

namespace meshproof::cli::report {
namespace {

namespace rv1 = ::meshproof::result::v1;
namespace sv1 = ::meshproof::store::v1;

// Strips an enum value's prefix ("CHANGE_REGRESSED" -> "REGRESSED").
std::string Strip(const std::string& name, absl::string_view prefix) {
  if (name.size() > prefix.size() && absl::StartsWith(name, prefix))
    return name.substr(prefix.size());
  return name.empty() ? "?" : name;
}

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

}  // namespace

std::string ChangeWord(sv1::Change change) {
  if (change == sv1::CHANGE_UNSPECIFIED) return "?";
  return Strip(sv1::Change_Name(change), "CHANGE_");
}

std::string TriggerWord(rv1::Trigger trigger) {
  switch (trigger) {
    case rv1::TRIGGER_MANUAL: return "manual";
    case rv1::TRIGGER_SCHEDULE: return "schedule";
    case rv1::TRIGGER_API: return "api";
    default: return "-";
  }
}

std::string FormatTime(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", ToTime(ts), absl::UTCTimeZone());
}

std::string FormatIsoTime(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S", ToTime(ts), absl::UTCTimeZone());
}

int64_t Micros(const google::protobuf::Duration& d) {
  return d.seconds() * 1000000 + d.nanos() / 1000;
}

std::string FormatLatency(const google::protobuf::Duration& d) {
  const int64_t us = Micros(d);
  if (us == 0) return "-";
  // Below a second, whole milliseconds are what people compare; above, two decimals.
  if (std::llabs(us) < 1000000) return absl::StrCat((us + (us >= 0 ? 500 : -500)) / 1000, " ms");
  return absl::StrFormat("%.2f s", static_cast<double>(us) / 1e6);
}

std::string FormatDelta(const google::protobuf::Duration& d) {
  const int64_t us = Micros(d);
  const int64_t ms = (us + (us >= 0 ? 500 : -500)) / 1000;
  if (ms == 0) return "±0 ms";
  return absl::StrCat(ms > 0 ? "+" : "", ms, " ms");
}

std::string FormatSeconds(const google::protobuf::Duration& d) {
  return absl::StrFormat("%.3f", static_cast<double>(Micros(d)) / 1e6);
}

google::protobuf::Duration LatencyOf(const rv1::TestResult& result) {
  return result.outcome().timings().total();
}

std::string DescribeCounts(const rv1::RunCounts& c) {
  std::vector<std::string> parts;
  auto add = [&parts](uint32_t n, absl::string_view word) {
    if (n > 0) parts.push_back(absl::StrCat(n, " ", word));
  };
  add(c.passed(), "passed");
  add(c.failed(), "failed");
  add(c.errors(), c.errors() == 1 ? "error" : "errors");
  add(c.skipped(), "skipped");
  add(c.blocked(), "blocked");
  add(c.not_run(), "not run");
  if (parts.empty()) return "no tests";
  std::string out =
      absl::StrCat(c.total(), c.total() == 1 ? " test: " : " tests: ", absl::StrJoin(parts, ", "));
  if (c.passed_on_retry() > 0)
    absl::StrAppend(&out, " (", c.passed_on_retry(), " passed on retry)");
  return out;
}

std::vector<std::string> ReproductionLines(const rv1::TestResult& result) {
  std::vector<std::string> lines;
  for (absl::string_view line :
       absl::StrSplit(result.reproduction(), '\n', absl::SkipWhitespace())) {
    lines.emplace_back(line);
  }
  return lines;
}

std::string DescribeMismatch(const rv1::Mismatch& m) {
  return absl::StrCat(m.field(), ": expected ", m.expected(), ", got ",
                      m.actual().empty() ? "nothing" : m.actual());
}

std::string FirstLine(absl::string_view text) {
  return std::string(text.substr(0, text.find('\n')));
}

bool IsDeferred(const rv1::TestResult& result) {
  return result.phase() == rv1::PHASE_TEST && result.verdict() == rv1::TEST_VERDICT_SKIPPED;
}

}  // namespace meshproof::cli::report
