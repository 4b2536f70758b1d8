// One thread drives every libcurl transfer of the agent through a multi handle, so many
// probes run at once without a thread each. Callers (executor threads, never gRPC
// threads) hand over an easy handle and block until it finished.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_CURL_MULTI_RUNNER_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_CURL_MULTI_RUNNER_H_

#include <curl/curl.h>

#include <deque>
#include <thread>

#include "absl/synchronization/mutex.h"

namespace meshproof::agent {

class CurlMultiRunner {
 public:
  // At most `max_concurrency` transfers are in flight; more wait in a queue.
  explicit CurlMultiRunner(int max_concurrency);
  ~CurlMultiRunner();
  CurlMultiRunner(const CurlMultiRunner&) = delete;
  CurlMultiRunner& operator=(const CurlMultiRunner&) = delete;

  // Runs `easy` to completion on the loop thread and returns its result. Blocks.
  // Returns CURLE_ABORTED_BY_CALLBACK when the runner is stopping.
  CURLcode Perform(CURL* easy);

  // Transfers in flight right now.
  int in_flight() const;

 private:
  struct Transfer {
    CURL* easy;
    CURLcode result = CURLE_OK;
    bool done = false;
  };
  void Loop();

  const int max_concurrency_;
  CURLM* const multi_;
  mutable absl::Mutex mu_;
  std::deque<Transfer*> queued_ ABSL_GUARDED_BY(mu_);
  int active_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_CURL_MULTI_RUNNER_H_
