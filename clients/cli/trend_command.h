// `meshproof trend SCENARIO [TEST]`: p50/p95 latency per day of a test, or of each test
// of a scenario, in each cluster, with the direction of change, from the results store.
#ifndef MESHPROOF_CLIENTS_CLI_TREND_COMMAND_H_
#define MESHPROOF_CLIENTS_CLI_TREND_COMMAND_H_

#include <CLI/CLI.hpp>

namespace meshproof::cli {

// Adds the `trend` subcommand.
void AddTrendCommand(CLI::App& app, int* exit_code);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_TREND_COMMAND_H_
