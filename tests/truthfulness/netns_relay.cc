#include "tests/truthfulness/netns_relay.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "tests/testing/loopback_listener.h"

namespace meshproof::truth {
namespace {

constexpr int kPollMs = 100;  // how often the relay's threads look at the stop flag

// Copies what is readable on `from` to `to`; false when `from` is closed or broken.
bool Forward(int from, int to) {
  char buffer[16384];
  const ssize_t n = read(from, buffer, sizeof(buffer));
  if (n <= 0) return false;
  for (ssize_t sent = 0; sent < n;) {
    const ssize_t w = write(to, buffer + sent, n - sent);
    if (w <= 0) return false;
    sent += w;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<NetnsRelay>> NetnsRelay::Start(const std::string& netns,
                                                              const std::string& host, int port) {
  std::unique_ptr<NetnsRelay> relay(new NetnsRelay());
  relay->netns_path_ = absl::StrCat("/run/netns/", netns);
  if (access(relay->netns_path_.c_str(), R_OK) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("no network namespace ", netns));
  }
  relay->host_ = host;
  relay->target_port_ = port;
  relay->listen_fd_ = testing::ListenOnLoopback(&relay->port_);
  if (relay->listen_fd_ < 0 || relay->port_ == 0)
    return absl::InternalError("cannot listen on loopback");
  relay->acceptor_ = std::thread([r = relay.get()] { r->AcceptLoop(); });
  return relay;
}

NetnsRelay::~NetnsRelay() {
  stopping_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  for (std::thread& t : pumps_) t.join();
  if (listen_fd_ >= 0) close(listen_fd_);
}

std::string NetnsRelay::address() const { return absl::StrCat("127.0.0.1:", port_); }

void NetnsRelay::AcceptLoop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, kPollMs) <= 0) continue;
    const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    pumps_.emplace_back([this, client] { Pump(client); });
  }
}

void NetnsRelay::Pump(int client) {
  // A namespace is a property of the thread: this one moves into the mesh namespace, so
  // the socket it opens lives there, while `client` stays in the host's.
  int upstream = -1;
  const int ns = open(netns_path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (ns >= 0 && setns(ns, CLONE_NEWNET) == 0) {
    upstream = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(target_port_));
    if (upstream >= 0 &&
        (inet_pton(AF_INET, host_.c_str(), &addr.sin_addr) != 1 ||
         connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)) {
      close(upstream);
      upstream = -1;
    }
  }
  if (ns >= 0) close(ns);
  while (upstream >= 0 && !stopping_) {
    pollfd p[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
    if (poll(p, 2, kPollMs) <= 0) continue;
    if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && !Forward(client, upstream)) break;
    if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) && !Forward(upstream, client)) break;
  }
  if (upstream >= 0) close(upstream);
  close(client);
}

}  // namespace meshproof::truth
