// `meshproof completion bash`: a bash completion script generated from the command tree,
// so it never drifts from the real subcommands and flags.
#ifndef MESHPROOF_CLIENTS_CLI_COMPLETION_COMMAND_H_
#define MESHPROOF_CLIENTS_CLI_COMPLETION_COMMAND_H_

#include <CLI/CLI.hpp>
#include <string>

namespace meshproof::cli {

// Returns the bash completion script for `app` and all its subcommands.
std::string BashCompletion(const CLI::App& app);

// Adds the `completion` subcommand; it must be added last so it sees every command.
void AddCompletionCommand(CLI::App& app, int* exit_code);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_COMPLETION_COMMAND_H_
