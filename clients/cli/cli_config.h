// Where the CLI finds the scheduler, the results store, its token and its TLS settings:
// a flag wins, then the environment (MESHPROOF_SCHEDULER, MESHPROOF_STORE,
// MESHPROOF_TOKEN, MESHPROOF_TLS_CA, MESHPROOF_TLS_SERVER_NAME, MESHPROOF_TLS_CERT,
// MESHPROOF_TLS_KEY), then the config file (~/.config/meshproof/config.yaml, or --config
// FILE, or MESHPROOF_CONFIG; keys scheduler, store, token, tls_ca, tls_server_name,
// tls_cert, tls_key; unknown keys rejected with file:line:column).
#ifndef MESHPROOF_CLIENTS_CLI_CLI_CONFIG_H_
#define MESHPROOF_CLIENTS_CLI_CLI_CONFIG_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/tls_credentials.h"

namespace meshproof::cli {

// What the user typed on the command line (empty means not given).
struct ConnectionFlags {
  std::string scheduler;
  std::string store;
  std::string token;
  // A file whose first line is the token: keeps it out of `ps` and shell history.
  std::string token_file;
  std::string config_file;
  // Seconds each RPC may take (streams like `run watch` are not bounded by it).
  int timeout_seconds = 10;
  // --tls-ca, --tls-server-name, --tls-cert, --tls-key: TLS on when any is given.
  ClientTlsOptions tls;
  // --insecure: a token may go in plaintext to a non-loopback address.
  bool insecure = false;
};

// The values of the config file; a key not written stays unset.
struct FileConfig {
  std::optional<std::string> scheduler;
  std::optional<std::string> store;
  std::optional<std::string> token;
  std::optional<std::string> tls_ca;
  std::optional<std::string> tls_server_name;
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
};

// One resolved setting and where it came from, for error messages ("from MESHPROOF_STORE").
struct Setting {
  std::string value;
  std::string source;  // "--store", "MESHPROOF_STORE", "config.yaml:3", or "" when unset
};

struct CliConfig {
  Setting scheduler;
  Setting store;
  Setting token;
  int timeout_seconds = 10;
  // Each field from its flag, else MESHPROOF_TLS_*, else the config file.
  ClientTlsOptions tls;
  bool insecure = false;
};

// Parses the config file's text. INVALID_ARGUMENT as "FILE:LINE:COL: key: message" for a
// syntax error, a value that is not a string, or an unknown key.
absl::StatusOr<FileConfig> ParseConfigFile(absl::string_view text, absl::string_view file_name);

// Looks up an environment variable; tests pass their own.
using GetEnv = std::function<std::optional<std::string>(const std::string&)>;

// Returns the process environment as a GetEnv.
GetEnv ProcessEnv();

// Returns the config file to read: --config, else MESHPROOF_CONFIG, else
// $XDG_CONFIG_HOME/meshproof/config.yaml, else $HOME/.config/meshproof/config.yaml.
std::string ConfigFilePath(const ConnectionFlags& flags, const GetEnv& env);

// Resolves every setting, flag > environment > file. A missing config file is fine
// unless it was named explicitly (--config or MESHPROOF_CONFIG): then NOT_FOUND.
// INVALID_ARGUMENT for a malformed file.
absl::StatusOr<CliConfig> ResolveConfig(const ConnectionFlags& flags, const GetEnv& env);

// Adds --scheduler, --store, --token, --config, --timeout and the TLS flags to `command`.
void AddConnectionFlags(CLI::App* command, ConnectionFlags* flags, bool scheduler, bool store);

// Adds --token and --token-file to `command`.
void AddTokenFlags(CLI::App* command, ConnectionFlags* flags);

// Adds --tls-ca, --tls-server-name, --tls-cert, --tls-key and --insecure to `command`.
void AddTlsFlags(CLI::App* command, ConnectionFlags* flags);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_CLI_CONFIG_H_
