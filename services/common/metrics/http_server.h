// The embedded HTTP listener that serves GET /metrics (a Registry rendered in the text
// format) and 404 for every other path. Built on cpp-httplib from Debian
// (libcpp-httplib-dev); docs/architecture.md says why that library.
#ifndef MESHPROOF_SERVICES_COMMON_METRICS_HTTP_SERVER_H_
#define MESHPROOF_SERVICES_COMMON_METRICS_HTTP_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/metrics/registry.h"

namespace httplib {
class Server;
}

namespace meshproof::metrics {

class MetricsHttpServer {
 public:
  // `registry` must outlive the server.
  explicit MetricsHttpServer(const Registry* registry);
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // Binds `address` ("HOST:PORT", "[V6]:PORT"; port 0 picks a free port) and serves on a
  // thread of its own. Returns the address bound, with the chosen port. INVALID_ARGUMENT
  // when `address` is not HOST:PORT; UNAVAILABLE when it cannot be bound.
  absl::StatusOr<std::string> Start(const std::string& address);

  // Stops accepting, finishes the answers being written and joins the thread. Safe to
  // call twice or without Start.
  void Stop();

 private:
  const Registry* const registry_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

// Splits "HOST:PORT" or "[V6]:PORT" into the host (without brackets) and the port.
// INVALID_ARGUMENT naming --metrics-listen otherwise.
absl::Status SplitListenAddress(const std::string& address, std::string* host, int* port);

}  // namespace meshproof::metrics

#endif  // MESHPROOF_SERVICES_COMMON_METRICS_HTTP_SERVER_H_
