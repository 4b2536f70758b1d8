// Plain line logging to stderr: "2026-06-07T01:49:40.123Z I agent: message".
// Debian 12's Abseil has no absl/log; this is all the services need.
#ifndef MESHPROOF_SERVICES_COMMON_LOG_H_
#define MESHPROOF_SERVICES_COMMON_LOG_H_

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace meshproof {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Sets the component name printed on every line (e.g. "scheduler") and the lowest
// level written. Call once at start-up, before other threads log.
void InitLogging(absl::string_view component, LogLevel min_level = LogLevel::kInfo);

// Parses "debug", "info", "warning" or "error".
bool ParseLogLevel(absl::string_view text, LogLevel* level);

// Writes one line atomically (safe from any thread).
void LogLine(LogLevel level, absl::string_view message);

template <typename... Args>
void LogInfo(const Args&... args) {
  LogLine(LogLevel::kInfo, absl::StrCat(args...));
}
template <typename... Args>
void LogWarning(const Args&... args) {
  LogLine(LogLevel::kWarning, absl::StrCat(args...));
}
template <typename... Args>
void LogError(const Args&... args) {
  LogLine(LogLevel::kError, absl::StrCat(args...));
}
template <typename... Args>
void LogDebug(const Args&... args) {
  LogLine(LogLevel::kDebug, absl::StrCat(args...));
}

}  // namespace meshproof

#endif  // MESHPROOF_SERVICES_COMMON_LOG_H_
