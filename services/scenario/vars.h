// Variables: ${NAME} substitution in scenario strings, vars files and --var flags.
#ifndef MESHPROOF_SERVICES_SCENARIO_VARS_H_
#define MESHPROOF_SERVICES_SCENARIO_VARS_H_

#include <map>
#include <set>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace meshproof::scenario {

// Returns whether `name` is a valid variable name: [A-Za-z_][A-Za-z0-9_]*.
bool IsValidVarName(absl::string_view name);

// Replaces ${NAME} references in text. `$${` stands for a literal `${`.
class VarSubstituter {
 public:
  // With `enabled` false, references are checked for syntax only and kept as written.
  // `without_value` names variables declared with `~` (no default), so a reference to
  // one that was not supplied gets a precise message.
  VarSubstituter(std::map<std::string, std::string> values, bool enabled,
                 std::set<std::string> without_value = {})
      : values_(std::move(values)), enabled_(enabled), without_value_(std::move(without_value)) {}

  // Writes the substituted text to *out. Returns false with *error set for a malformed
  // reference, (when enabled) an undefined variable, a value over kMaxVarValueBytes, or
  // when the result would pass the bounds set with SetExpansionLimits; the check is made
  // before each value is copied, so an oversized result is never built.
  bool Substitute(absl::string_view text, std::string* out, std::string* error) const;

  // Bounds what substitution may produce: `max_string_bytes` for one string and
  // `max_total_bytes` summed over every Substitute call on this object (one scenario).
  void SetExpansionLimits(size_t max_string_bytes, size_t max_total_bytes) {
    max_string_bytes_ = max_string_bytes;
    max_total_bytes_ = max_total_bytes;
  }

  bool enabled() const { return enabled_; }
  const std::map<std::string, std::string>& values() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
  bool enabled_;
  std::set<std::string> without_value_;
  size_t max_string_bytes_ = static_cast<size_t>(-1);
  size_t max_total_bytes_ = static_cast<size_t>(-1);
  // Bytes produced so far by every call (Substitute is logically const: it only counts).
  mutable size_t total_bytes_ = 0;
};

// Checks variable values given for one scenario or run: at most kMaxVars of them, valid
// names, each value at most kMaxVarValueBytes. Returns INVALID_ARGUMENT naming
// `field`.NAME otherwise.
absl::Status CheckVarValues(const std::map<std::string, std::string>& vars,
                            absl::string_view field);

// Parses a vars file: `K=V` lines (blank lines and `#` comments allowed; the lab's
// lab.env format) or a YAML map of scalars. A secret is marked `secret K=V` (a line) or
// `K: !secret V` (YAML); its name is added to *secret_names, and a file that marks one
// is refused when secret_names is null. Returns INVALID_ARGUMENT "FILE:LINE: message"
// for a malformed line or a bad name.
absl::StatusOr<std::map<std::string, std::string>> ParseVarsFile(
    absl::string_view text, absl::string_view file_name,
    std::set<std::string>* secret_names = nullptr);

// Parses "K=V" given with --var. Returns INVALID_ARGUMENT naming the problem.
absl::StatusOr<std::pair<std::string, std::string>> ParseVarFlag(absl::string_view text);

// Parses "K=V" given with --secret-var. Returns INVALID_ARGUMENT naming the problem and
// quoting none of the text.
absl::StatusOr<std::pair<std::string, std::string>> ParseSecretVarFlag(absl::string_view text);

}  // namespace meshproof::scenario

#endif  // MESHPROOF_SERVICES_SCENARIO_VARS_H_
