// `meshproof scenario submit|list|show|versions|delete`: scenarios stored by the scheduler.
#ifndef MESHPROOF_CLIENTS_CLI_SCENARIO_COMMANDS_H_
#define MESHPROOF_CLIENTS_CLI_SCENARIO_COMMANDS_H_

#include <CLI/CLI.hpp>

namespace meshproof::cli {

// Adds the `scenario` command group to `app`; callbacks set *exit_code.
void AddScenarioCommands(CLI::App& app, int* exit_code);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_SCENARIO_COMMANDS_H_
