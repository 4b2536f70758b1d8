// Reading scenario files and variables given on the command line (--var, --vars-file).
#ifndef MESHPROOF_CLIENTS_CLI_SCENARIO_INPUT_H_
#define MESHPROOF_CLIENTS_CLI_SCENARIO_INPUT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "meshproof/scenario/v1/scenario.pb.h"
#include "services/scenario/diagnostic.h"

namespace meshproof::cli {

// Variables as the user gave them.
struct VarFlags {
  std::vector<std::string> vars;        // "K=V", later ones win
  std::vector<std::string> vars_files;  // applied in order, then --var on top
};

// Merges vars files and --var flags. INVALID_ARGUMENT naming the file or flag.
absl::StatusOr<std::map<std::string, std::string>> MergeVars(const VarFlags& flags);

// Reads a whole file. NOT_FOUND / PERMISSION_DENIED naming the path.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Reads and parses one scenario file. On a parse error returns INVALID_ARGUMENT with
// every diagnostic, and fills *diagnostics.
absl::StatusOr<meshproof::scenario::v1::Scenario> LoadScenario(
    const std::string& path, const std::map<std::string, std::string>& vars, bool substitute_vars,
    std::vector<scenario::Diagnostic>* diagnostics = nullptr);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_SCENARIO_INPUT_H_
