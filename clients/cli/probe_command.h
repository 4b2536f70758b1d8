// `meshproof probe FILE... --agent ADDR`: runs scenarios on an agent directly, with no
// scheduler or store, and prints each result as it arrives.
#ifndef MESHPROOF_CLIENTS_CLI_PROBE_COMMAND_H_
#define MESHPROOF_CLIENTS_CLI_PROBE_COMMAND_H_

#include <CLI/CLI.hpp>

namespace meshproof::cli {

// Adds the `probe` subcommand to `app`; its callback sets *exit_code.
void AddProbeCommand(CLI::App& app, int* exit_code);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_PROBE_COMMAND_H_
