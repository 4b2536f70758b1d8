#include "services/common/metrics/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/metrics/text_format.h"

namespace meshproof::metrics {

absl::Status SplitListenAddress(const std::string& address, std::string* host, int* port) {
  const size_t colon = address.rfind(':');
  auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "--metrics-listen: expected HOST:PORT or [V6]:PORT, got \"", address.substr(0, 60), "\""));
  };
  if (colon == std::string::npos || colon == 0) return bad();
  std::string h = address.substr(0, colon);
  if (h.front() == '[') {
    if (h.size() < 3 || h.back() != ']') return bad();
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string::npos) {
    return bad();
  }
  int p = 0;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &p) || p < 0 || p > 65535) return bad();
  *host = std::move(h);
  *port = p;
  return absl::OkStatus();
}

MetricsHttpServer::MetricsHttpServer(const Registry* registry) : registry_(registry) {}

MetricsHttpServer::~MetricsHttpServer() { Stop(); }

absl::StatusOr<std::string> MetricsHttpServer::Start(const std::string& address) {
  std::string host;
  int port = 0;
  if (absl::Status split = SplitListenAddress(address, &host, &port); !split.ok()) return split;
  server_ = std::make_unique<httplib::Server>();
  // A scrape is one small answer: a slow or stuck client must not hold a worker long.
  server_->set_read_timeout(5, 0);
  server_->set_write_timeout(5, 0);
  server_->set_keep_alive_max_count(10);
  // httplib's default adds SO_REUSEPORT, which lets a second process bind the same port
  // and silently take half the scrapes; an address in use must be an error.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(registry_->Render(), kTextFormatContentType);
  });
  // Unmatched paths and methods get httplib's own 404/405 status; say what is here.
  server_->set_error_handler([](const httplib::Request&, httplib::Response& response) {
    if (response.status == 404) response.set_content("not found; try /metrics\n", "text/plain");
  });
  int bound = port;
  if (port == 0) {
    bound = server_->bind_to_any_port(host);
  } else if (!server_->bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound <= 0) {
    server_.reset();
    return absl::UnavailableError(
        absl::StrCat("--metrics-listen: cannot listen on ", address, " (address in use?)"));
  }
  // Bound and listening already: scrapes queue in the backlog until the loop accepts.
  thread_ = std::thread([server = server_.get()] { server->listen_after_bind(); });
  // httplib's stop() does nothing until the loop has started; waiting here means a Stop
  // right after Start cannot leave the loop running. It starts within microseconds.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!server_->is_running() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  const std::string shown =
      host.find(':') != std::string::npos ? absl::StrCat("[", host, "]") : host;
  return absl::StrCat(shown, ":", bound);
}

void MetricsHttpServer::Stop() {
  if (server_ == nullptr) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace meshproof::metrics
