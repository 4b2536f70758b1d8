#include "tests/probe-agent/fake_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tests/testing/loopback_listener.h"

namespace meshproof::testing {

FakeHttpServer::FakeHttpServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ListenOnLoopback(&port_);
  thread_ = std::thread([this] { Serve(); });
}

FakeHttpServer::~FakeHttpServer() {
  // shutdown() wakes the blocked accept().
  shutdown(listen_fd_, SHUT_RDWR);
  thread_.join();
  close(listen_fd_);
  absl::MutexLock lock(&mu_);
  for (int fd : stalled_) close(fd);
}

std::vector<FakeRequest> FakeHttpServer::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

void FakeHttpServer::Serve() {
  while (true) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    std::string data;
    char buffer[4096];
    while (data.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n <= 0) break;
      data.append(buffer, static_cast<size_t>(n));
    }
    FakeRequest request;
    std::vector<std::string> lines = absl::StrSplit(data.substr(0, data.find("\r\n\r\n")), "\r\n");
    if (!lines.empty()) {
      std::vector<std::string> first = absl::StrSplit(lines[0], ' ');
      if (first.size() >= 2) {
        request.method = first[0];
        request.target = first[1];
      }
      for (size_t i = 1; i < lines.size(); ++i) {
        const size_t colon = lines[i].find(':');
        if (colon == std::string::npos) continue;
        request.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
            std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
      }
    }
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(request);
    }
    const FakeResponse response = handler_(request);
    if (response.stall) {
      absl::MutexLock lock(&mu_);
      stalled_.push_back(fd);
      continue;
    }
    if (!response.hang_up) {
      std::string extra;
      for (const auto& [name, value] : response.headers) absl::StrAppend(&extra, name, ": ", value, "\r\n");
      const std::string out = absl::StrCat("HTTP/1.1 ", response.status, " X\r\nContent-Length: ", response.body.size(),
                                           "\r\n", extra, "Connection: close\r\n\r\n", response.body);
      (void)write(fd, out.data(), out.size());
    }
    close(fd);
  }
}

}  // namespace meshproof::testing
