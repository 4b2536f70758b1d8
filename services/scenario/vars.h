// Variables: ${NAME} substitution in scenario strings, vars files and --var flags.
#ifndef MESHPROOF_SERVICES_SCENARIO_VARS_H_
#define MESHPROOF_SERVICES_SCENARIO_VARS_H_

#include <map>
#include <set>
#include <string>
#include <utility>

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
  // reference or (when enabled) an undefined variable.
  bool Substitute(absl::string_view text, std::string* out, std::string* error) const;

  bool enabled() const { return enabled_; }
  const std::map<std::string, std::string>& values() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
  bool enabled_;
  std::set<std::string> without_value_;
};

// Parses a vars file: `K=V` lines (blank lines and `#` comments allowed; the lab's
// lab.env format) or a YAML map of scalars. Returns INVALID_ARGUMENT
// "FILE:LINE: message" for a malformed line or a bad name.
absl::StatusOr<std::map<std::string, std::string>> ParseVarsFile(absl::string_view text,
                                                                 absl::string_view file_name);

// Parses "K=V" given with --var. Returns INVALID_ARGUMENT naming the problem.
absl::StatusOr<std::pair<std::string, std::string>> ParseVarFlag(absl::string_view text);

}  // namespace meshproof::scenario

#endif  // MESHPROOF_SERVICES_SCENARIO_VARS_H_
