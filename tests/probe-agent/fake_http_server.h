// A tiny HTTP/1.1 server on 127.0.0.1:0 for the prober's and log sources' tests: one
// thread, one request per connection, answers from a handler, records every request.
// A handler may also hold a connection open without answering (for cancellation tests).
#ifndef MESHPROOF_TESTS_PROBE_AGENT_FAKE_HTTP_SERVER_H_
#define MESHPROOF_TESTS_PROBE_AGENT_FAKE_HTTP_SERVER_H_

#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace meshproof::testing {

struct FakeRequest {
  std::string method;
  std::string target;  // path and query as sent
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

class FakeHttpServer {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;
  explicit FakeHttpServer(Handler handler);
  ~FakeHttpServer();

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<FakeRequest> requests() const;

 private:
  void Serve();

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  mutable absl::Mutex mu_;
  std::vector<FakeRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::vector<int> stalled_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace meshproof::testing

#endif  // MESHPROOF_TESTS_PROBE_AGENT_FAKE_HTTP_SERVER_H_
