#include "clients/cli/scenario_input.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "services/scenario/limits.h"
#include "services/scenario/scenario_parser.h"
#include "services/scenario/vars.h"

namespace meshproof::cli {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    const std::string why = std::strerror(err);
    if (err == EACCES) return absl::PermissionDeniedError(absl::StrCat(path, ": ", why));
    return absl::NotFoundError(absl::StrCat(path, ": ", why));
  }
  std::stringstream buffer;
  // Read one byte past the limit so an oversized file is reported, not truncated.
  std::string text(scenario::kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

absl::StatusOr<std::map<std::string, std::string>> MergeVars(const VarFlags& flags) {
  std::map<std::string, std::string> vars;
  for (const std::string& file : flags.vars_files) {
    auto text = ReadFile(file);
    if (!text.ok())
      return absl::InvalidArgumentError(absl::StrCat("--vars-file ", text.status().message()));
    auto parsed = scenario::ParseVarsFile(*text, file);
    if (!parsed.ok()) return parsed.status();
    for (auto& [name, value] : *parsed) vars[name] = value;
  }
  for (const std::string& flag : flags.vars) {
    auto parsed = scenario::ParseVarFlag(flag);
    if (!parsed.ok()) return parsed.status();
    vars[parsed->first] = parsed->second;
  }
  return vars;
}

absl::StatusOr<meshproof::scenario::v1::Scenario> LoadScenario(
    const std::string& path, const std::map<std::string, std::string>& vars, bool substitute_vars,
    std::vector<scenario::Diagnostic>* diagnostics) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  scenario::ParseOptions options;
  options.file_name = path;
  options.vars = vars;
  options.substitute_vars = substitute_vars;
  return scenario::ParseScenario(*text, options, diagnostics);
}

}  // namespace meshproof::cli
