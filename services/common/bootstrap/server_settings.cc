#include "services/common/bootstrap/server_settings.h"

#include "absl/strings/str_cat.h"
#include "services/common/auth/token_file.h"
#include "services/common/log.h"

namespace meshproof::bootstrap {

void AddServerOptions(OptionTable* table, ServerSettings* server, const std::string& tokens_use) {
  table
      ->String("listen", &server->listen,
               "HOST:PORT to serve gRPC on; port 0 picks a free port, printed on the first line "
               "of stdout as 'listening on HOST:PORT'")
      .NonEmpty("HOST:PORT");
  table
      ->String("health-listen", &server->health_listen,
               "HOST:PORT for a plaintext listener serving only grpc.health.v1 (for Kubernetes "
               "probes, which cannot speak TLS)")
      .NonEmpty("HOST:PORT");
  table
      ->String("metrics-listen", &server->metrics_listen,
               "HOST:PORT for a plaintext HTTP listener serving Prometheus metrics on /metrics "
               "(docs/operations.md); off when not given. An address other hosts can reach "
               "needs --metrics-open: the metrics carry no authentication")
      .Expect("HOST:PORT");
  table->Path("tokens", &server->tokens,
              absl::StrCat("tokens file (YAML: name, roles, sha256 of each token); ", tokens_use));
  table->Path("tls-cert", &server->tls.cert_file,
              "PEM certificate chain to serve TLS with (re-read when it changes)");
  table->Path("tls-key", &server->tls.key_file, "PEM private key of tls-cert");
  table->Path("tls-client-ca", &server->tls.client_ca_file,
              "PEM CA bundle: require every client to present a certificate it signed (mTLS)");
  table->Bool("insecure-open", &server->insecure_open,
              "serve without tokens on an address other hosts can reach (refused otherwise: "
              "anyone who reaches the port could call every method)");
  table->Bool("metrics-open", &server->metrics_open,
              "serve /metrics on an address other hosts can reach (refused otherwise: it has no "
              "authentication, so restrict the port to Prometheus with a network policy); "
              "unlike --insecure-open it leaves the API's tokens check in place");
  table->Choice("log-level", &server->log_level, {"debug", "info", "warning", "error"},
                "least severe log lines written to stderr");
  table->Duration("drain-timeout", &server->drain_timeout,
                  "how long calls in flight may take to finish after SIGTERM");
}

void AddDatabaseOption(OptionTable* table, std::string* db) {
  table->Path("db", db, "SQLite database file (created if missing)");
}

void AddPeerOptions(OptionTable* table, const std::string& peer, const std::string& address_help,
                    const std::string& role, PeerSettings* settings) {
  const std::string p = peer + "-tls-";
  settings->tls.flag_prefix = "--" + p;
  table->String(peer, &settings->address, address_help).NonEmpty("HOST:PORT");
  table->Path(peer + "-token-file", &settings->token_file,
              absl::StrCat("file whose first line is the bearer token sent to the ", peer,
                           " (role ", role, ")"));
  table->Path(
      p + "ca", &settings->tls.ca_file,
      absl::StrCat("PEM CA bundle that the ", peer, "'s certificate must chain to (turns TLS on)"));
  table
      ->String(p + "server-name", &settings->tls.server_name,
               absl::StrCat("name to verify in the ", peer,
                            "'s certificate instead of the address's host"))
      .NonEmpty("a host name");
  table->Path(p + "cert", &settings->tls.cert_file,
              absl::StrCat("PEM client certificate for the ", peer, " (mTLS)"));
  table->Path(p + "key", &settings->tls.key_file, absl::StrCat("PEM private key of ", p, "cert"));
  table->Bool(
      peer + "-insecure", &settings->insecure,
      absl::StrCat("allow the token to the ", peer, " in plaintext over a non-loopback address"));
}

std::optional<int> ParseServiceCommandLine(OptionTable& table, const CommandLineInfo& info,
                                           int argc, const char* const* argv,
                                           const ServerSettings& server) {
  if (std::optional<int> code = ParseCommandLine(table, info, argc, argv)) return code;
  LogLevel level = LogLevel::kInfo;
  // The table accepted only the four names.
  ParseLogLevel(server.log_level, &level);
  InitLogging(info.component, level);
  return std::nullopt;
}

ServerOptions ServerOptionsFor(const ServerSettings& server, const auth::ServerAuth& auth) {
  ServerOptions options;
  options.listen_address = server.listen;
  options.health_listen_address = server.health_listen;
  options.metrics_listen_address = server.metrics_listen;
  options.drain_timeout = server.drain_timeout;
  options.credentials = auth.credentials;
  options.authenticated = auth.authorizer != nullptr;
  options.insecure_open = server.insecure_open;
  options.metrics_open = server.metrics_open;
  return options;
}

absl::StatusOr<std::string> ReadPeerToken(const PeerSettings& settings, const std::string& peer) {
  if (settings.token_file.empty()) return std::string();
  absl::StatusOr<auth::TokenFromFile> token =
      auth::ReadTokenFile(settings.token_file, absl::StrCat("--", peer, "-token-file"));
  if (!token.ok()) return token.status();
  if (!token->warning.empty()) LogWarning(token->warning);
  return token->token;
}

ClientChannelOptions PeerChannelOptions(const PeerSettings& settings, const std::string& peer,
                                        const std::string& token) {
  ClientChannelOptions channel;
  channel.target = settings.address;
  channel.token = token;
  channel.tls = settings.tls;
  channel.allow_plaintext_token = settings.insecure;
  channel.insecure_flag = absl::StrCat("--", peer, "-insecure");
  return channel;
}

}  // namespace meshproof::bootstrap
