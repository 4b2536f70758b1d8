// Reading scenario files and variables given on the command line (--var, --vars-file).
#ifndef MESHPROOF_CLIENTS_CLI_SCENARIO_INPUT_H_
#define MESHPROOF_CLIENTS_CLI_SCENARIO_INPUT_H_

#include <CLI/CLI.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "meshproof/scenario/v1/scenario.pb.h"
#include "services/scenario/diagnostic.h"

namespace meshproof::cli {

// Variables as the user gave them.
struct VarFlags {
  std::vector<std::string> vars;         // "K=V", later ones win
  std::vector<std::string> vars_files;   // applied in order, then --var on top
  std::vector<std::string> secret_vars;  // "K=V" whose value is secret, applied last
};

// Adds `--secret-var NAME=VALUE` to `command`.
void AddSecretVarFlag(CLI::App* command, VarFlags* flags);

// Merges vars files, --var and --secret-var flags. Names marked secret (vars-file
// `secret` lines, --secret-var) are added to *secret_names, and every secret value is
// given to ProtectOutput before anything else is printed. INVALID_ARGUMENT naming the
// file or flag; a secret value shorter than kMinSecretBytes is refused.
absl::StatusOr<std::map<std::string, std::string>> MergeVars(
    const VarFlags& flags, std::set<std::string>* secret_names = nullptr);

// Reads a whole file. NOT_FOUND / PERMISSION_DENIED naming the path.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Reads and parses one scenario file. On a parse error returns INVALID_ARGUMENT with
// every diagnostic, and fills *diagnostics.
// `secret_vars` names the caller's secrets (see MergeVars); the values of every secret
// of the parsed scenario are given to ProtectOutput.
absl::StatusOr<meshproof::scenario::v1::Scenario> LoadScenario(
    const std::string& path, const std::map<std::string, std::string>& vars, bool substitute_vars,
    std::vector<scenario::Diagnostic>* diagnostics = nullptr,
    const std::set<std::string>& secret_vars = {});

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_SCENARIO_INPUT_H_
