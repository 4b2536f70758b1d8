// `meshproof schedule create|list|show|pause|resume|trigger|delete` and `meshproof agents`:
// recurring runs and the agents that execute them (scheduler).
#ifndef MESHPROOF_CLIENTS_CLI_SCHEDULE_COMMANDS_H_
#define MESHPROOF_CLIENTS_CLI_SCHEDULE_COMMANDS_H_

#include <CLI/CLI.hpp>

namespace meshproof::cli {

// Adds the `schedule` command group and `agents` to `app`; callbacks set *exit_code.
void AddScheduleCommands(CLI::App& app, int* exit_code);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_SCHEDULE_COMMANDS_H_
