// The scenario language: YAML text → meshproof.scenario.v1.Scenario.
// The format is documented field by field in docs/scenario-format.md.
#ifndef MESHPROOF_SERVICES_SCENARIO_SCENARIO_PARSER_H_
#define MESHPROOF_SERVICES_SCENARIO_SCENARIO_PARSER_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "meshproof/scenario/v1/scenario.pb.h"
#include "services/scenario/diagnostic.h"

namespace meshproof::scenario {

struct ParseOptions {
  // Used in every diagnostic and in Source.file_name.
  std::string file_name = "scenario.yaml";
  // Variable values given by the caller (--var, vars files, run overrides, already
  // merged); they override the file's `vars:` defaults.
  std::map<std::string, std::string> vars;
  // Names among `vars` the caller marks secret (--secret-var, vars-file `secret` lines),
  // besides the file's `secrets:`; with substitution they are added to secret_vars, and
  // each secret value must be at least kMinSecretBytes.
  std::set<std::string> secret_vars;
  // False keeps ${...} references as written (the scheduler stores that form): the
  // structure is still checked, but checks that need final values (URL syntax, patterns)
  // are skipped for strings that still hold a reference.
  bool substitute_vars = true;
};

// Parses and validates YAML text. On any problem returns INVALID_ARGUMENT whose message
// is every diagnostic ("FILE:LINE:COLUMN: field.path: message") on its own line, sorted
// by position (at most 50), and fills *diagnostics when non-null (cleared on success).
// Never throws. Sets source.file_name and source.content_hash: ContentHash of the
// unsubstituted scenario, so the version does not depend on variable values. `vars`
// holds the values used (unsubstituted: the declared defaults). Deferred tests follow
// the regular ones in `tests`, with `deferral` set. Unsubstituted, a number, boolean or
// duration holding a ${...} reference stores a placeholder and the text is kept in
// source.text for SubstituteVars.
absl::StatusOr<meshproof::scenario::v1::Scenario> ParseScenario(
    absl::string_view yaml, const ParseOptions& options,
    std::vector<Diagnostic>* diagnostics = nullptr);

// Substitutes ${NAME} in every string of an unsubstituted scenario (as ParseScenario
// with substitute_vars false returns it, or as received over gRPC), using its declared
// `vars` overridden by `vars`, then validates the result; when source.text is set it is
// re-parsed with `vars` instead (keeping team and source, text cleared). Returns
// INVALID_ARGUMENT naming the field on an undefined variable or a rule the final values
// break, and naming the variable when a value or the expansion passes the bounds of
// limits.h (checked while substituting: the oversized text is never built).
absl::StatusOr<meshproof::scenario::v1::Scenario> SubstituteVars(
    const meshproof::scenario::v1::Scenario& scenario,
    const std::map<std::string, std::string>& vars);

}  // namespace meshproof::scenario

#endif  // MESHPROOF_SERVICES_SCENARIO_SCENARIO_PARSER_H_
