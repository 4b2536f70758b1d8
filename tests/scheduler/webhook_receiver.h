// A webhook receiver for tests: a real HTTP server on loopback (Debian's cpp-httplib)
// that records every POST it answers — event id, kind, timestamp, signature and body —
// and answers 200. It can be stopped and started again on the same port, to play a
// receiver that is down for a while, or hold requests unanswered, to play one that hangs.
#ifndef MESHPROOF_TESTS_SCHEDULER_WEBHOOK_RECEIVER_H_
#define MESHPROOF_TESTS_SCHEDULER_WEBHOOK_RECEIVER_H_

#include <httplib.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace meshproof::scheduler::testing {

struct ReceivedHook {
  std::string path;
  std::string event_id;
  std::string kind;
  std::string timestamp;
  std::string signature;
  std::string content_type;
  std::string body;
};

class WebhookReceiver {
 public:
  WebhookReceiver() = default;
  ~WebhookReceiver() { Stop(); }

  // Listens on 127.0.0.1:`port` (0: any free port). Returns false when it cannot bind.
  bool Start(int port = 0) {
    Stop();
    server_ = std::make_unique<httplib::Server>();
    server_->Post(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      absl::MutexLock lock(&mu_);
      ++arrived_;
      // A held receiver keeps the request open without answering until released.
      mu_.Await(absl::Condition(
          +[](WebhookReceiver* r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(r->mu_) { return !r->hold_; },
          this));
      received_.push_back({req.path, req.get_header_value("X-Meshproof-Event-Id"),
                           req.get_header_value("X-Meshproof-Event"),
                           req.get_header_value("X-Meshproof-Timestamp"),
                           req.get_header_value("X-Meshproof-Signature"),
                           req.get_header_value("Content-Type"), req.body});
      res.status = 200;
      res.set_content("ok", "text/plain");
    });
    port_ = port == 0 ? server_->bind_to_any_port("127.0.0.1")
                      : (server_->bind_to_port("127.0.0.1", port) ? port : -1);
    if (port_ <= 0) return false;
    thread_ = std::thread([s = server_.get()] { s->listen_after_bind(); });
    // This cpp-httplib has no wait_until_ready: poll (bounded) until it accepts.
    const absl::Time end = absl::Now() + absl::Seconds(5);
    while (!server_->is_running() && absl::Now() < end) absl::SleepFor(absl::Milliseconds(1));
    return server_->is_running();
  }
  // While held, requests are accepted and left unanswered (a receiver that hangs).
  void Hold(bool hold) {
    absl::MutexLock lock(&mu_);
    hold_ = hold;
  }
  // Requests that reached the handler, answered or not.
  int arrived() {
    absl::MutexLock lock(&mu_);
    return arrived_;
  }
  void Stop() {
    Hold(false);
    if (server_ != nullptr) server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }
  int port() const { return port_; }
  std::vector<ReceivedHook> received() {
    absl::MutexLock lock(&mu_);
    return received_;
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  absl::Mutex mu_;
  bool hold_ ABSL_GUARDED_BY(mu_) = false;
  int arrived_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<ReceivedHook> received_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meshproof::scheduler::testing

#endif  // MESHPROOF_TESTS_SCHEDULER_WEBHOOK_RECEIVER_H_
