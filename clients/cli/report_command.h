// `meshproof report RUN [--against RUN|previous] --format md|html|junit|json`: a run's
// report from the results store, printed or written to --out.
#ifndef MESHPROOF_CLIENTS_CLI_REPORT_COMMAND_H_
#define MESHPROOF_CLIENTS_CLI_REPORT_COMMAND_H_

#include <CLI/CLI.hpp>

namespace meshproof::cli {

// Adds the `report` subcommand to `app`; its callback sets *exit_code.
void AddReportCommand(CLI::App& app, int* exit_code);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_REPORT_COMMAND_H_
