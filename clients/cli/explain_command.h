// `meshproof explain FILE`: what each test does, expects and proves, and the command a
// person would paste to repeat it by hand.
#ifndef MESHPROOF_CLIENTS_CLI_EXPLAIN_COMMAND_H_
#define MESHPROOF_CLIENTS_CLI_EXPLAIN_COMMAND_H_

#include <CLI/CLI.hpp>
#include <string>

#include "meshproof/scenario/v1/scenario.pb.h"

namespace meshproof::cli {

// Returns the explanation text of a parsed scenario.
std::string ExplainScenario(const meshproof::scenario::v1::Scenario& scenario);

// Adds the `explain` subcommand to `app`; its callback sets *exit_code.
void AddExplainCommand(CLI::App& app, int* exit_code);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_EXPLAIN_COMMAND_H_
