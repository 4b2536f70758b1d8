// meshproof: the command-line client. Wires the subcommands; each lives in its own file.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "clients/cli/complete_names_command.h"
#include "clients/cli/completion_command.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/explain_command.h"
#include "clients/cli/lint_command.h"
#include "clients/cli/probe_command.h"
#include "clients/cli/report_command.h"
#include "clients/cli/run_commands.h"
#include "clients/cli/scenario_commands.h"
#include "clients/cli/schedule_commands.h"
#include "clients/cli/store_commands.h"
#include "clients/cli/token_command.h"
#include "clients/cli/trend_command.h"

int main(int argc, char** argv) {
  CLI::App app{"meshproof: scheduled, repeatable, comparable service-mesh verification",
               "meshproof"};
  app.set_version_flag("--version", std::string(MESHPROOF_VERSION));
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 ok/passed, 1 failed, 2 bad input or usage, 3 a service is unreachable,\n"
      "4 inconclusive (preflight failed). Addresses: --scheduler/--store, MESHPROOF_SCHEDULER/\n"
      "MESHPROOF_STORE, or ~/.config/meshproof/config.yaml. See docs/cli.md.");
  int exit_code = meshproof::cli::kExitOk;
  meshproof::cli::AddLintCommand(app, &exit_code);
  meshproof::cli::AddExplainCommand(app, &exit_code);
  meshproof::cli::AddProbeCommand(app, &exit_code);
  meshproof::cli::AddScenarioCommands(app, &exit_code);
  meshproof::cli::AddRunCommands(app, &exit_code);
  meshproof::cli::AddScheduleCommands(app, &exit_code);
  meshproof::cli::AddStoreCommands(app, &exit_code);
  meshproof::cli::AddTrendCommand(app, &exit_code);
  meshproof::cli::AddReportCommand(app, &exit_code);
  meshproof::cli::AddTokenCommand(app, &exit_code);
  meshproof::cli::AddCompleteNamesCommand(app, &exit_code);
  meshproof::cli::AddCompletionCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? meshproof::cli::kExitOk : meshproof::cli::kExitBadInput;
  }
  return exit_code;
}
