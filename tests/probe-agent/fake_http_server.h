// A tiny HTTP/1.1 server on 127.0.0.1:0 for the prober's and log sources' tests: one
// thread, one request per connection, answers from a handler, records every request.
// A handler may also hold a connection open without answering (for cancellation tests).
// With a certificate and key it speaks HTTPS (OpenSSL), as the Kubernetes API does.
#ifndef MESHPROOF_TESTS_PROBE_AGENT_FAKE_HTTP_SERVER_H_
#define MESHPROOF_TESTS_PROBE_AGENT_FAKE_HTTP_SERVER_H_

#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace meshproof::testing {

struct FakeRequest {
  std::string method;
  std::string target;                          // path and query as sent
  std::map<std::string, std::string> headers;  // names lower-cased
};

struct FakeResponse {
  int status = 200;
  std::string body;
  // Extra response headers ("Location" for redirects).
  std::map<std::string, std::string> headers;
  // Close the connection without a response.
  bool hang_up = false;
  // Keep the connection open without answering until the server stops.
  bool stall = false;
};

// The server's certificate chain and key (PEM files) for HTTPS.
struct FakeTls {
  std::string cert_file;
  std::string key_file;
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;
  explicit FakeHttpServer(Handler handler);
  // Serves HTTPS with `tls`; aborts the test binary when the files cannot be loaded.
  FakeHttpServer(Handler handler, const FakeTls& tls);
  ~FakeHttpServer();

  int port() const { return port_; }
  std::string url() const {
    return std::string(ctx_ != nullptr ? "https" : "http") +
           "://127.0.0.1:" + std::to_string(port_);
  }
  std::vector<FakeRequest> requests() const;
  // Counts the connections whose TLS handshake failed (a client that refused the
  // certificate); none of them was read.
  int failed_handshakes() const;
  // Counts the connections whose TLS handshake resumed an earlier session instead of a
  // full handshake (the server keeps OpenSSL's default session cache and tickets).
  int resumed_handshakes() const;

 private:
  void Serve();

  Handler handler_;
  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;
  mutable absl::Mutex mu_;
  std::vector<FakeRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::vector<int> stalled_ ABSL_GUARDED_BY(mu_);
  int failed_handshakes_ ABSL_GUARDED_BY(mu_) = 0;
  int resumed_handshakes_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace meshproof::testing

#endif  // MESHPROOF_TESTS_PROBE_AGENT_FAKE_HTTP_SERVER_H_
