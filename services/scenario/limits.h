// Bounds on what a scenario may contain. A scenario is user input from many teams; these
// keep one bad file from exhausting an agent or the scheduler.
#ifndef MESHPROOF_SERVICES_SCENARIO_LIMITS_H_
#define MESHPROOF_SERVICES_SCENARIO_LIMITS_H_

#include <cstddef>

#include "absl/time/time.h"

namespace meshproof::scenario {

inline constexpr size_t kMaxFileBytes = 1 << 20;      // 1 MiB of YAML
inline constexpr size_t kMaxTests = 1000;             // across all sections
inline constexpr size_t kMaxListItems = 1000;         // any one list or map
inline constexpr size_t kMaxStringBytes = 64 * 1024;  // any one string
// Variables: a value is used inside one string, so it is bounded like one. The sum of
// every string after substitution is bounded too, so a small file that references a
// large value many times cannot grow into a scenario no agent link can carry.
inline constexpr size_t kMaxVarValueBytes = kMaxStringBytes;
inline constexpr size_t kMaxVars = 200;               // declared plus given per run
inline constexpr size_t kMaxExpandedBytes = 2 << 20;  // all strings, after substitution
inline constexpr size_t kMaxNameLength = 100;         // test and evidence names
inline constexpr size_t kMaxScenarioNameLength = 63;  // a DNS label
inline constexpr int kMaxDepth = 32;                  // YAML nesting
inline constexpr size_t kMaxDiagnostics = 50;         // reported per file
inline constexpr size_t kMaxYamlEvents = 200000;      // parse events per file
inline constexpr absl::Duration kMaxTimeout = absl::Minutes(10);
inline constexpr absl::Duration kMaxEvidenceWindow = absl::Minutes(1);
inline constexpr unsigned kMaxAttempts = 20;
inline constexpr unsigned kMaxBodyCaptureBytes = 65536;
inline constexpr unsigned kMaxRedirects = 50;

}  // namespace meshproof::scenario

#endif  // MESHPROOF_SERVICES_SCENARIO_LIMITS_H_
