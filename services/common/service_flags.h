// Flags every service binary takes (--listen, --insecure-open, --config, --log-level),
// declared with CLI11.
// CLI11 reports bad flags with exceptions; ParseServiceFlags catches them here so no
// exception leaves this file.
#ifndef MESHPROOF_SERVICES_COMMON_SERVICE_FLAGS_H_
#define MESHPROOF_SERVICES_COMMON_SERVICE_FLAGS_H_

#include <cstdio>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "services/common/log.h"
#include "services/common/server_runner.h"

namespace meshproof {

struct CommonServiceFlags {
  std::string listen = "127.0.0.1:0";
  std::string config;
  std::string log_level = "info";
  // Serve without tokens on an address other hosts can reach (ServerOptions::insecure_open).
  bool insecure_open = false;
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
  app.set_version_flag("--version", std::string(MESHPROOF_VERSION));
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
