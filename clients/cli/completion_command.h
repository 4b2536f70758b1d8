// `meshproof completion bash|zsh|fish`: completion scripts generated from the command
// tree, so they never drift from the real subcommands and flags. Scenario, run and
// schedule names are asked of the services through `meshproof __complete`.
#ifndef MESHPROOF_CLIENTS_CLI_COMPLETION_COMMAND_H_
#define MESHPROOF_CLIENTS_CLI_COMPLETION_COMMAND_H_

#include <CLI/CLI.hpp>
#include <string>

namespace meshproof::cli {

// Return the bash, zsh and fish completion scripts for `app` and all its subcommands.
std::string BashCompletion(const CLI::App& app);
std::string ZshCompletion(const CLI::App& app);
std::string FishCompletion(const CLI::App& app);

// Adds the `completion` subcommand; it must be added last so it sees every command.
void AddCompletionCommand(CLI::App& app, int* exit_code);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_COMPLETION_COMMAND_H_
