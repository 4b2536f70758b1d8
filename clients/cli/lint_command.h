// `meshproof lint FILE...`: checks scenario files without running anything.
#ifndef MESHPROOF_CLIENTS_CLI_LINT_COMMAND_H_
#define MESHPROOF_CLIENTS_CLI_LINT_COMMAND_H_

#include <CLI/CLI.hpp>

namespace meshproof::cli {

// Adds the `lint` subcommand to `app`; its callback sets *exit_code.
void AddLintCommand(CLI::App& app, int* exit_code);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_LINT_COMMAND_H_
