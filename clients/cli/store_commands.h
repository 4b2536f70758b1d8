// `meshproof compare|history|flaky|clusters`: questions asked of the results store.
#ifndef MESHPROOF_CLIENTS_CLI_STORE_COMMANDS_H_
#define MESHPROOF_CLIENTS_CLI_STORE_COMMANDS_H_

#include <CLI/CLI.hpp>

namespace meshproof::cli {

// Adds compare, history, flaky and clusters to `app`; callbacks set *exit_code.
void AddStoreCommands(CLI::App& app, int* exit_code);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_STORE_COMMANDS_H_
