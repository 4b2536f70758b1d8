// The options every meshproof server shares, declared once so that `listen`, `tokens`,
// `tls_cert`, `db`... mean the same in every service: the server's own (listen address,
// health listener, tokens, TLS, log level, drain timeout), the database file, and a
// connection to a peer service (the scheduler's store, the agent's scheduler). Also the
// steps from those settings to a running server that every main takes.
#ifndef MESHPROOF_SERVICES_COMMON_BOOTSTRAP_SERVER_SETTINGS_H_
#define MESHPROOF_SERVICES_COMMON_BOOTSTRAP_SERVER_SETTINGS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/auth/server_auth.h"
#include "services/common/bootstrap/command_line.h"
#include "services/common/bootstrap/option_table.h"
#include "services/common/client_channel.h"
#include "services/common/server_runner.h"
#include "services/common/tls_credentials.h"

namespace meshproof::bootstrap {

struct ServerSettings {
  std::string listen = "127.0.0.1:0";
  // Plaintext grpc.health.v1 only, for probes that cannot speak TLS (Kubernetes').
  std::string health_listen;
  // HOST:PORT for the Prometheus /metrics listener; empty: no listener.
  std::string metrics_listen;
  // Tokens file (docs/auth.md); empty: every caller may call every method.
  std::string tokens;
  ServerTlsOptions tls;
  // Serve without tokens on an address other hosts can reach (ServerOptions::insecure_open).
  bool insecure_open = false;
  // Serve /metrics on an address other hosts can reach (ServerOptions::metrics_open).
  bool metrics_open = false;
  std::string log_level = "info";
  absl::Duration drain_timeout = absl::Seconds(10);
};

// How a service dials a peer: its address, the token it sends, TLS, and whether the token
// may go in plaintext to a non-loopback address.
struct PeerSettings {
  std::string address;
  std::string token_file;
  ClientTlsOptions tls;
  bool insecure = false;
};

// Declares listen, health-listen, metrics-listen, tokens, tls-cert, tls-key, tls-client-ca,
// insecure-open, metrics-open, log-level and drain-timeout. `tokens_use` ends the tokens option's
// help: what the tokens guard in this service.
void AddServerOptions(OptionTable* table, ServerSettings* server, const std::string& tokens_use);

// Declares db: the SQLite database file.
void AddDatabaseOption(OptionTable* table, std::string* db);

// Declares `peer` (its HOST:PORT, with `address_help`), `peer`-token-file (sent with role
// `role`), `peer`-tls-ca, -tls-server-name, -tls-cert, -tls-key and `peer`-insecure.
void AddPeerOptions(OptionTable* table, const std::string& peer, const std::string& address_help,
                    const std::string& role, PeerSettings* settings);

// ParseCommandLine, then sets the log level from `server.log_level`.
std::optional<int> ParseServiceCommandLine(OptionTable& table, const CommandLineInfo& info,
                                           int argc, const char* const* argv,
                                           const ServerSettings& server);

// Returns the server's options for `server` listening with `auth`.
ServerOptions ServerOptionsFor(const ServerSettings& server, const auth::ServerAuth& auth);

// Reads the peer's token file (empty path: no token), logging its warning if any.
// Errors as ReadTokenFile, naming --`peer`-token-file.
absl::StatusOr<std::string> ReadPeerToken(const PeerSettings& settings, const std::string& peer);

// Returns the channel options to dial the peer with `token`.
ClientChannelOptions PeerChannelOptions(const PeerSettings& settings, const std::string& peer,
                                        const std::string& token);

}  // namespace meshproof::bootstrap

#endif  // MESHPROOF_SERVICES_COMMON_BOOTSTRAP_SERVER_SETTINGS_H_
