// A loopback TCP listener that never accepts: the kernel completes each connection in
// its backlog and the request sits in a buffer, so a probe waits for an answer that never
// comes (until its own timeout, or a cancellation).
#ifndef MESHPROOF_TESTS_TESTING_SILENT_LISTENER_H_
#define MESHPROOF_TESTS_TESTING_SILENT_LISTENER_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace meshproof::testing {

class SilentListener {
 public:
  SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(fd_, 64);
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { close(fd_); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace meshproof::testing

#endif  // MESHPROOF_TESTS_TESTING_SILENT_LISTENER_H_
