// A TCP relay from the host's loopback into a network namespace: connections to
// 127.0.0.1:port() on the host are passed byte for byte to an address inside the
// namespace. It lets the suite talk gRPC to an agent that runs inside the lab's mesh
// namespace (where a pod's agent would run) without changing how it calls the agent.
#ifndef MESHPROOF_TESTS_TRUTHFULNESS_NETNS_RELAY_H_
#define MESHPROOF_TESTS_TRUTHFULNESS_NETNS_RELAY_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace meshproof::truth {

class NetnsRelay {
 public:
  // Listens on a free loopback port of the host and relays to `host`:`port` as seen
  // inside network namespace `netns` (a name under /run/netns). Root only.
  static absl::StatusOr<std::unique_ptr<NetnsRelay>> Start(const std::string& netns,
                                                           const std::string& host, int port);
  ~NetnsRelay();
  NetnsRelay(const NetnsRelay&) = delete;
  NetnsRelay& operator=(const NetnsRelay&) = delete;

  // "127.0.0.1:PORT" on the host.
  std::string address() const;

 private:
  NetnsRelay() = default;
  void AcceptLoop();
  void Pump(int client);

  std::string netns_path_;
  std::string host_;
  int target_port_ = 0;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::vector<std::thread> pumps_;
};

}  // namespace meshproof::truth

#endif  // MESHPROOF_TESTS_TRUTHFULNESS_NETNS_RELAY_H_
