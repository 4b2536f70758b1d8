#include "clients/cli/scenario_input.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "clients/cli/output_guard.h"
#include "services/scenario/limits.h"
#include "services/scenario/scenario_parser.h"
#include "services/scenario/secrets.h"
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

void AddSecretVarFlag(CLI::App* command, VarFlags* flags) {
  command
      ->add_option("--secret-var", flags->secret_vars,
                   "set a secret variable, NAME=VALUE (repeatable): at least 4 bytes, shown "
                   "as *** everywhere")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

absl::StatusOr<std::map<std::string, std::string>> MergeVars(const VarFlags& flags,
                                                             std::set<std::string>* secret_names) {
  std::map<std::string, std::string> vars;
  std::set<std::string> secrets;
  for (const std::string& file : flags.vars_files) {
    auto text = ReadFile(file);
    if (!text.ok())
      return absl::InvalidArgumentError(absl::StrCat("--vars-file ", text.status().message()));
    std::set<std::string> file_secrets;
    auto parsed = scenario::ParseVarsFile(*text, file, &file_secrets);
    if (!parsed.ok()) return parsed.status();
    for (auto& [name, value] : *parsed) vars[name] = value;
    secrets.insert(file_secrets.begin(), file_secrets.end());
  }
  for (const std::string& flag : flags.vars) {
    auto parsed = scenario::ParseVarFlag(flag);
    if (!parsed.ok()) return parsed.status();
    vars[parsed->first] = parsed->second;
  }
  for (const std::string& flag : flags.secret_vars) {
    auto parsed = scenario::ParseSecretVarFlag(flag);
    if (!parsed.ok()) return parsed.status();
    vars[parsed->first] = parsed->second;
    secrets.insert(parsed->first);
  }
  // Hidden before the first check that could print one.
  ProtectOutput(scenario::SecretValues(vars, secrets));
  if (absl::Status status = scenario::CheckSecretVars(vars, secrets, "--secret-var");
      !status.ok()) {
    return status;
  }
  if (secret_names != nullptr) secret_names->insert(secrets.begin(), secrets.end());
  return vars;
}

absl::StatusOr<meshproof::scenario::v1::Scenario> LoadScenario(
    const std::string& path, const std::map<std::string, std::string>& vars, bool substitute_vars,
    std::vector<scenario::Diagnostic>* diagnostics, const std::set<std::string>& secret_vars) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  scenario::ParseOptions options;
  options.file_name = path;
  options.vars = vars;
  options.substitute_vars = substitute_vars;
  options.secret_vars = secret_vars;
  auto parsed = scenario::ParseScenario(*text, options, diagnostics);
  // A variable the file declares secret may have come from a plain --var, and a failed
  // substitution may quote it: the file's own `secrets:` are read from the unsubstituted
  // form then.
  std::set<std::string> names(secret_vars);
  if (parsed.ok()) {
    names.insert(parsed->secret_vars().begin(), parsed->secret_vars().end());
  } else if (substitute_vars) {
    options.substitute_vars = false;
    auto raw = scenario::ParseScenario(*text, options);
    if (raw.ok()) names.insert(raw->secret_vars().begin(), raw->secret_vars().end());
  }
  ProtectOutput(scenario::SecretValues(vars, names));
  return parsed;
}

}  // namespace meshproof::cli
