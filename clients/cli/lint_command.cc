#include "clients/cli/lint_command.h"

#include <cstdio>
#include <memory>

#include "clients/cli/exit_codes.h"
#include "clients/cli/scenario_input.h"

namespace meshproof::cli {
namespace {

struct LintFlags {
  std::vector<std::string> files;
  VarFlags vars;
};

int RunLint(const LintFlags& flags) {
  std::set<std::string> secret_names;
  auto vars = MergeVars(flags.vars, &secret_names);
  if (!vars.ok()) {
    std::fprintf(stderr, "%s\n", std::string(vars.status().message()).c_str());
    return kExitBadInput;
  }
  // Without any values given, lint checks the structure and leaves ${...} as written:
  // a scenario meant for several clusters is valid before its values are known.
  const bool substitute =
      !flags.vars.vars.empty() || !flags.vars.vars_files.empty() || !flags.vars.secret_vars.empty();
  int exit_code = kExitOk;
  for (const std::string& file : flags.files) {
    std::vector<scenario::Diagnostic> diagnostics;
    auto parsed = LoadScenario(file, *vars, substitute, &diagnostics, secret_names);
    if (parsed.ok()) {
      std::printf("%s: ok (%s, %d tests)\n", file.c_str(), parsed->name().c_str(),
                  parsed->tests_size());
      continue;
    }
    exit_code = kExitBadInput;
    if (diagnostics.empty()) {
      std::fprintf(stderr, "%s\n", std::string(parsed.status().message()).c_str());
    }
    for (const scenario::Diagnostic& d : diagnostics) {
      std::fprintf(stderr, "%s\n", d.ToString().c_str());
    }
  }
  return exit_code;
}

}  // namespace

void AddLintCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<LintFlags>();
  CLI::App* lint = app.add_subcommand(
      "lint", "Check scenario files; print every problem as FILE:LINE:COLUMN: field: message");
  lint->footer(
      "Example:\n  meshproof lint examples/scenarios/*.yaml\n"
      "  meshproof lint 20-egress.yaml --vars-file lab.env\n"
      "Exit codes: 0 all valid, 2 problems found.");
  lint->add_option("files", flags->files, "scenario YAML files")->required();
  lint->add_option("--var", flags->vars.vars, "set a variable, NAME=VALUE (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  lint->add_option("--vars-file", flags->vars.vars_files,
                   "read variables from a file of NAME=VALUE lines or a YAML map")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  AddSecretVarFlag(lint, &flags->vars);
  lint->callback([flags, exit_code] { *exit_code = RunLint(*flags); });
}

}  // namespace meshproof::cli
