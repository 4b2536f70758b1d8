// `meshproof token new|hash`: makes a bearer token and the tokens-file entry that lets
// it in, or hashes an existing token. Services keep only the hash (docs/auth.md).
#ifndef MESHPROOF_CLIENTS_CLI_TOKEN_COMMAND_H_
#define MESHPROOF_CLIENTS_CLI_TOKEN_COMMAND_H_

#include <CLI/CLI.hpp>
#include <string>

#include "absl/status/statusor.h"

namespace meshproof::cli {

// Returns the tokens-file entry (YAML list item, two-space indented) for a token with
// this name, team and comma-separated roles, and for an agent token the agent id and
// cluster it is bound to and the comma-separated teams it serves. INVALID_ARGUMENT
// naming the flag when the entry would not load.
absl::StatusOr<std::string> TokenEntryYaml(const std::string& name, const std::string& team,
                                           const std::string& roles, const std::string& token,
                                           const std::string& agent_id = "",
                                           const std::string& cluster = "",
                                           const std::string& serves_teams = "");

// Returns a new random token: "mpt_" and 64 hex digits (256 bits from OpenSSL's RNG).
absl::StatusOr<std::string> NewToken();

// Adds `token new` and `token hash`.
void AddTokenCommand(CLI::App& app, int* exit_code);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_TOKEN_COMMAND_H_
