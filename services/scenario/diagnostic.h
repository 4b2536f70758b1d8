// Diagnostics: one problem found in a scenario, located in its file when known.
#ifndef MESHPROOF_SERVICES_SCENARIO_DIAGNOSTIC_H_
#define MESHPROOF_SERVICES_SCENARIO_DIAGNOSTIC_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace meshproof::scenario {

struct Diagnostic {
  std::string file;
  int line = 0;       // 1-based; 0 when unknown
  int column = 0;     // 1-based; 0 when unknown
  std::string field;  // e.g. "tests[2].http.url"
  std::string message;

  // Returns "FILE:LINE:COLUMN: FIELD: message", leaving out the parts that are unknown.
  std::string ToString() const;
};

// Sorts diagnostics by line and column (stable, so equal positions keep their order).
void SortDiagnostics(std::vector<Diagnostic>* diagnostics);

// Returns INVALID_ARGUMENT whose message is every diagnostic on its own line, or OK when
// there are none.
absl::Status DiagnosticsToStatus(const std::vector<Diagnostic>& diagnostics);

}  // namespace meshproof::scenario

#endif  // MESHPROOF_SERVICES_SCENARIO_DIAGNOSTIC_H_
