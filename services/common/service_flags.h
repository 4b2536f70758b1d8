// Flags every service binary takes (--listen, --insecure-open, --config, --log-level,
// server TLS), and the flags of a service's client to a peer (TLS, --<peer>-insecure),
// declared with CLI11.
// CLI11 reports bad flags with exceptions; ParseServiceFlags catches them here so no
// exception leaves this file.
#ifndef MESHPROOF_SERVICES_COMMON_SERVICE_FLAGS_H_
#define MESHPROOF_SERVICES_COMMON_SERVICE_FLAGS_H_

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string>

#include "services/common/client_channel.h"
#include "services/common/log.h"
#include "services/common/server_runner.h"

namespace meshproof {

struct CommonServiceFlags {
  std::string listen = "127.0.0.1:0";
  std::string config;
  std::string log_level = "info";
  // Serve without tokens on an address other hosts can reach (ServerOptions::insecure_open).
  bool insecure_open = false;
  ServerTlsOptions tls;
  // Plaintext grpc.health.v1 only, for probes that cannot speak TLS (Kubernetes').
  std::string health_listen;
};

// How a service dials a peer (the scheduler's store, the agent's scheduler): TLS and
// whether a token may go in plaintext to a non-loopback address.
struct PeerTlsFlags {
  ClientTlsOptions tls;
  bool insecure = false;
};

// Adds --listen, --insecure-open, --config, --log-level and --version to `app`.
inline void AddCommonServiceFlags(CLI::App& app, CommonServiceFlags* flags) {
  app.add_option("--listen", flags->listen,
                 "HOST:PORT to serve gRPC on; port 0 picks a free port, printed on the "
                 "first line of stdout as 'listening on HOST:PORT'")
      ->capture_default_str();
  app.add_flag("--insecure-open", flags->insecure_open,
               "serve without --tokens on an address other hosts can reach (refused otherwise: "
               "anyone who reaches the port could call every method)");
  app.add_option("--config", flags->config, "YAML configuration file (unknown keys are errors)");
  app.add_option("--log-level", flags->log_level, "debug, info, warning or error")
      ->capture_default_str();
  app.add_option("--tls-cert", flags->tls.cert_file,
                 "PEM certificate chain to serve TLS with (re-read when it changes)");
  app.add_option("--tls-key", flags->tls.key_file, "PEM private key of --tls-cert");
  app.add_option("--tls-client-ca", flags->tls.client_ca_file,
                 "PEM CA bundle: require every client to present a certificate it signed (mTLS)");
  app.add_option("--health-listen", flags->health_listen,
                 "HOST:PORT for a plaintext listener serving only grpc.health.v1 (for Kubernetes "
                 "probes, which cannot speak TLS)");
  app.set_version_flag("--version", std::string(MESHPROOF_VERSION));
}

// Adds --<peer>-tls-ca, --<peer>-tls-server-name, --<peer>-tls-cert, --<peer>-tls-key and
// --<peer>-insecure to `app`, for the service's connection to `peer` ("store").
inline void AddPeerTlsFlags(CLI::App& app, const std::string& peer, PeerTlsFlags* flags) {
  const std::string p = "--" + peer + "-tls-";
  flags->tls.flag_prefix = p;
  app.add_option(p + "ca", flags->tls.ca_file,
                 "PEM CA bundle that the " + peer + "'s certificate must chain to (turns TLS on)");
  app.add_option(p + "server-name", flags->tls.server_name,
                 "name to verify in the " + peer + "'s certificate instead of the address's host");
  app.add_option(p + "cert", flags->tls.cert_file,
                 "PEM client certificate for the " + peer + " (mTLS)");
  app.add_option(p + "key", flags->tls.key_file, "PEM private key of " + p + "cert");
  app.add_flag("--" + peer + "-insecure", flags->insecure,
               "allow the token to the " + peer + " in plaintext over a non-loopback address");
}

// Parses argv. Returns an exit code when the process should stop now (--help,
// --version: 0; bad flags: kExitUsage), or nullopt to go on. Also initialises logging.
inline std::optional<int> ParseServiceFlags(CLI::App& app, int argc, char** argv,
                                            const CommonServiceFlags& flags,
                                            const char* component) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  LogLevel level;
  if (!ParseLogLevel(flags.log_level, &level)) {
    std::fprintf(stderr, "--log-level: expected debug, info, warning or error, got \"%s\"\n",
                 flags.log_level.c_str());
    return kExitUsage;
  }
  InitLogging(component, level);
  return std::nullopt;
}

}  // namespace meshproof

#endif  // MESHPROOF_SERVICES_COMMON_SERVICE_FLAGS_H_
