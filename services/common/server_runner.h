// Runs a gRPC server the way every meshproof service does: health (for "" and for each
// registered service's full name, e.g. meshproof.scheduler.v1.SchedulerService) and reflection
// served, client keepalive pings allowed (keepalive_policy.h), the chosen address printed,
// SIGTERM/SIGINT handled by turning health NOT_SERVING first and then draining requests under a
// deadline.
#ifndef MESHPROOF_SERVICES_COMMON_SERVER_RUNNER_H_
#define MESHPROOF_SERVICES_COMMON_SERVER_RUNNER_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace meshproof {
namespace metrics {
class Registry;
}

// Exit codes shared by every service binary (docs/architecture.md).
inline constexpr int kExitOk = 0;
// A runtime failure after start-up (e.g. the database became unusable).
inline constexpr int kExitFailure = 1;
// Bad flags or configuration; nothing was started.
inline constexpr int kExitUsage = 2;
// The listen address could not be bound.
inline constexpr int kExitListen = 3;

struct ServerOptions {
  // "HOST:PORT"; port 0 picks a free port.
  std::string listen_address;
  // How long in-flight calls may take to finish after SIGTERM.
  absl::Duration drain_timeout = absl::Seconds(10);
  // Defaults to insecure credentials.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // True when `credentials` check every call against bearer tokens (--tokens).
  bool authenticated = false;
  // --insecure-open: serve without tokens on an address other hosts can reach.
  bool insecure_open = false;
  // When set, a second, plaintext listener serving only grpc.health.v1 (mirroring the
  // main server's status): Kubernetes' gRPC probes cannot speak TLS.
  std::string health_listen_address;
  // When set, a plaintext HTTP listener serving `metrics` on /metrics (metrics/http_server.h),
  // allowed on a non-loopback address only with metrics_open or insecure_open. Its
  // address is logged as
  // "metrics on HOST:PORT" before the "listening on" line is printed.
  std::string metrics_listen_address;
  // --metrics-open: serve /metrics on an address other hosts can reach.
  bool metrics_open = false;
  // Must outlive RunServer; null with a metrics address: an empty registry.
  const metrics::Registry* metrics = nullptr;
  // Called after health turned NOT_SERVING and before the server drains, so
  // background loops and open streams can be told to stop.
  std::function<void()> on_shutdown;
  // Called once the server listens, with the chosen "HOST:PORT".
  std::function<void(const std::string&)> on_started;
};

// Blocks SIGTERM, SIGINT and SIGPIPE in the calling thread. Call first thing in main(),
// before any thread starts, so every thread inherits the mask and RunServer can wait
// for the signals synchronously.
void BlockTerminationSignals();

// Builds and starts the server with `services`, prints "listening on HOST:PORT" on
// stdout, waits for SIGTERM or SIGINT, then shuts down gracefully. Returns an exit code:
// kExitUsage without listening when the address is reachable from other hosts and the
// server is neither authenticated nor insecure_open (listen_policy.h).
int RunServer(const ServerOptions& options, const std::vector<grpc::Service*>& services);

// Flushes stdout and stderr and ends the process with `code` without running static
// destructors. gRPC's library shutdown at exit waits seconds for idle connections and
// timers; every service has already drained and closed its own state when it calls this.
[[noreturn]] void ExitProcess(int code);

// Replaces the port of "HOST:PORT" (IPv6 hosts in brackets) with `port`.
std::string WithPort(const std::string& address, int port);

}  // namespace meshproof

#endif  // MESHPROOF_SERVICES_COMMON_SERVER_RUNNER_H_
