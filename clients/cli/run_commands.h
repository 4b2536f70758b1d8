// `meshproof run start|list|show|watch|cancel|approve|reject`: runs on the scheduler.
#ifndef MESHPROOF_CLIENTS_CLI_RUN_COMMANDS_H_
#define MESHPROOF_CLIENTS_CLI_RUN_COMMANDS_H_

#include <CLI/CLI.hpp>

namespace meshproof::cli {

// Adds the `run` command group to `app`; callbacks set *exit_code.
void AddRunCommands(CLI::App& app, int* exit_code);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_RUN_COMMANDS_H_
