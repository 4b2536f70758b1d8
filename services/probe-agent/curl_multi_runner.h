// Drives every libcurl transfer of the agent through multi handles, so many probes run
// at once without a thread each. Callers (executor threads, never gRPC threads) hand
// over an easy handle and block until it finished.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_CURL_MULTI_RUNNER_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_CURL_MULTI_RUNNER_H_

#include <curl/curl.h>

#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace meshproof::agent {

class CurlMultiRunner {
 public:
  // At most `max_concurrency` transfers are in flight; more wait in a queue. `loops`
  // threads each drive their own multi handle (0: one per CPU, never more than
  // max_concurrency); the in-flight budget is split between them.
  explicit CurlMultiRunner(int max_concurrency, int loops = 1);
  ~CurlMultiRunner();
  CurlMultiRunner(const CurlMultiRunner&) = delete;
  CurlMultiRunner& operator=(const CurlMultiRunner&) = delete;

  // Runs `easy` to completion on a loop thread and returns its result. Blocks.
  // Returns CURLE_ABORTED_BY_CALLBACK when the runner is stopping.
  CURLcode Perform(CURL* easy);

  // Transfers in flight right now.
  int in_flight() const;
  // Loop threads (one multi handle each).
  int loops() const { return static_cast<int>(loops_.size()); }

 private:
  struct Transfer {
    explicit Transfer(CURL* handle) : easy(handle) {}
    CURL* easy;
    CURLcode result = CURLE_OK;
    // Each caller waits on its own transfer: one shared condition would make every
    // finished transfer re-check all waiters.
    absl::Notification done;
  };
  struct Loop {
    CURLM* multi = nullptr;
    int limit = 1;
    mutable absl::Mutex mu;
    std::deque<Transfer*> queued ABSL_GUARDED_BY(mu);
    int active ABSL_GUARDED_BY(mu) = 0;
    bool stopping ABSL_GUARDED_BY(mu) = false;
    // The loop is (about to be) blocked in curl_multi_poll: a new transfer must wake it.
    bool polling ABSL_GUARDED_BY(mu) = false;
    std::thread thread;
  };
  void Run(Loop& loop);
  Loop& Pick() ABSL_EXCLUSIVE_LOCKS_REQUIRED(pick_mu_);

  // Held while a caller picks a loop and queues on it (see Perform).
  absl::Mutex pick_mu_;
  std::vector<std::unique_ptr<Loop>> loops_;
};

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_CURL_MULTI_RUNNER_H_
