// `meshproof __complete KIND`: the names shell completion offers (scenarios, runs,
// schedules), one a line, read from the services. Hidden from help; quick (a short
// deadline) and silent: on any error it prints nothing, so a shell never shows one.
#ifndef MESHPROOF_CLIENTS_CLI_COMPLETE_NAMES_COMMAND_H_
#define MESHPROOF_CLIENTS_CLI_COMPLETE_NAMES_COMMAND_H_

#include <CLI/CLI.hpp>

namespace meshproof::cli {

// Adds the hidden `__complete` subcommand.
void AddCompleteNamesCommand(CLI::App& app, int* exit_code);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_COMPLETE_NAMES_COMMAND_H_
