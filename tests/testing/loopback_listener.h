// Loopback listening sockets for tests. SilentListener never accepts: the kernel
// completes each connection in its backlog and the request sits in a buffer, so a probe
// waits for an answer that never comes (until its own timeout, or a cancellation).
// RefusingPort is the opposite: a port where every connection is refused.
#ifndef MESHPROOF_TESTS_TESTING_LOOPBACK_LISTENER_H_
#define MESHPROOF_TESTS_TESTING_LOOPBACK_LISTENER_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace meshproof::testing {

// Opens a TCP socket listening on 127.0.0.1 at a free port (stored in *port). Test
// scaffolding: a failure shows up as the test's connections being refused.
inline int ListenOnLoopback(int* port, int backlog = 64) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  listen(fd, backlog);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

class SilentListener {
 public:
  SilentListener() : fd_(ListenOnLoopback(&port_)) {}
  ~SilentListener() { close(fd_); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  int port() const { return port_; }

 private:
  int port_ = 0;
  int fd_ = -1;
};

// A loopback port that refuses every connection: bound (so nobody else takes it while
// the object lives) but never listening, so the kernel answers a SYN with a reset.
class RefusingPort {
 public:
  RefusingPort() : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~RefusingPort() { close(fd_); }
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;

  int port() const { return port_; }

 private:
  int port_ = 0;
  int fd_ = -1;
};

}  // namespace meshproof::testing

#endif  // MESHPROOF_TESTS_TESTING_LOOPBACK_LISTENER_H_
