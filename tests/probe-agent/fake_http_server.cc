#include "tests/probe-agent/fake_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

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

FakeHttpServer::FakeHttpServer(Handler handler, const FakeTls& tls) : handler_(std::move(handler)) {
  ctx_ = SSL_CTX_new(TLS_server_method());
  if (ctx_ == nullptr || SSL_CTX_use_certificate_chain_file(ctx_, tls.cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx_, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    std::fprintf(stderr, "fake server: cannot load %s / %s\n", tls.cert_file.c_str(),
                 tls.key_file.c_str());
    std::abort();
  }
  listen_fd_ = ListenOnLoopback(&port_);
  thread_ = std::thread([this] { Serve(); });
}

FakeHttpServer::~FakeHttpServer() {
  // shutdown() wakes the blocked accept().
  shutdown(listen_fd_, SHUT_RDWR);
  thread_.join();
  close(listen_fd_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  absl::MutexLock lock(&mu_);
  for (int fd : stalled_) close(fd);
}

int FakeHttpServer::failed_handshakes() const {
  absl::MutexLock lock(&mu_);
  return failed_handshakes_;
}

int FakeHttpServer::resumed_handshakes() const {
  absl::MutexLock lock(&mu_);
  return resumed_handshakes_;
}

std::vector<FakeRequest> FakeHttpServer::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

void FakeHttpServer::Serve() {
  while (true) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    SSL* ssl = nullptr;
    if (ctx_ != nullptr) {
      ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) != 1) {
        // The client refused our certificate (or spoke plain HTTP): nothing was sent.
        ERR_clear_error();
        SSL_free(ssl);
        close(fd);
        absl::MutexLock lock(&mu_);
        ++failed_handshakes_;
        continue;
      }
      if (SSL_session_reused(ssl)) {
        absl::MutexLock lock(&mu_);
        ++resumed_handshakes_;
      }
    }
    auto receive = [&](char* buffer, size_t size) -> ssize_t {
      return ssl != nullptr ? SSL_read(ssl, buffer, static_cast<int>(size))
                            : read(fd, buffer, size);
    };
    auto send = [&](const std::string& out) {
      if (ssl != nullptr) {
        (void)SSL_write(ssl, out.data(), static_cast<int>(out.size()));
      } else {
        (void)write(fd, out.data(), out.size());
      }
    };
    std::string data;
    char buffer[4096];
    while (data.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = receive(buffer, sizeof(buffer));
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
      // The SSL object is leaked with the stalled connection: these tests end soon after.
      absl::MutexLock lock(&mu_);
      stalled_.push_back(fd);
      continue;
    }
    if (!response.hang_up) {
      std::string extra;
      for (const auto& [name, value] : response.headers)
        absl::StrAppend(&extra, name, ": ", value, "\r\n");
      send(absl::StrCat("HTTP/1.1 ", response.status,
                        " X\r\nContent-Length: ", response.body.size(), "\r\n", extra,
                        "Connection: close\r\n\r\n", response.body));
    }
    if (ssl != nullptr) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
    }
    close(fd);
  }
}

}  // namespace meshproof::testing
