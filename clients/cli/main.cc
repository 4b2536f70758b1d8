// meshproof: the command-line client. Wires the subcommands; each lives in its own file.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "clients/cli/exit_codes.h"
#include "clients/cli/explain_command.h"
#include "clients/cli/lint_command.h"
#include "clients/cli/probe_command.h"

int main(int argc, char** argv) {
  CLI::App app{"meshproof: scheduled, repeatable, comparable service-mesh verification",
               "meshproof"};
  app.set_version_flag("--version", std::string(MESHPROOF_VERSION));
  app.require_subcommand(1);
  int exit_code = meshproof::cli::kExitOk;
  meshproof::cli::AddLintCommand(app, &exit_code);
  meshproof::cli::AddExplainCommand(app, &exit_code);
  meshproof::cli::AddProbeCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? meshproof::cli::kExitOk : meshproof::cli::kExitBadInput;
  }
  return exit_code;
}
