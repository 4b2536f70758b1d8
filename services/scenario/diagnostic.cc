#include "services/scenario/diagnostic.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace meshproof::scenario {

std::string Diagnostic::ToString() const {
  std::string out;
  if (!file.empty()) {
    absl::StrAppend(&out, file);
    if (line > 0) absl::StrAppend(&out, ":", line, ":", column);
    absl::StrAppend(&out, ": ");
  }
  if (!field.empty()) absl::StrAppend(&out, field, ": ");
  absl::StrAppend(&out, message);
  return out;
}

void SortDiagnostics(std::vector<Diagnostic>* diagnostics) {
  std::stable_sort(diagnostics->begin(), diagnostics->end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                   });
}

absl::Status DiagnosticsToStatus(const std::vector<Diagnostic>& diagnostics) {
  if (diagnostics.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(
      diagnostics, "\n", [](std::string* out, const Diagnostic& d) { out->append(d.ToString()); }));
}

}  // namespace meshproof::scenario
