#include "services/probe-agent/curl_multi_runner.h"

#include <vector>

namespace meshproof::agent {

CurlMultiRunner::CurlMultiRunner(int max_concurrency)
    : max_concurrency_(max_concurrency > 0 ? max_concurrency : 1), multi_(curl_multi_init()) {
  thread_ = std::thread([this] { Loop(); });
}

CurlMultiRunner::~CurlMultiRunner() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  curl_multi_wakeup(multi_);
  thread_.join();
  curl_multi_cleanup(multi_);
}

int CurlMultiRunner::in_flight() const {
  absl::MutexLock lock(&mu_);
  return active_;
}

CURLcode CurlMultiRunner::Perform(CURL* easy) {
  Transfer transfer{easy};
  curl_easy_setopt(easy, CURLOPT_PRIVATE, &transfer);
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return CURLE_ABORTED_BY_CALLBACK;
    queued_.push_back(&transfer);
  }
  curl_multi_wakeup(multi_);
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&transfer.done));
  return transfer.result;
}

void CurlMultiRunner::Loop() {
  while (true) {
    std::vector<Transfer*> to_add;
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      stopping = stopping_;
      while (!queued_.empty() && (active_ < max_concurrency_ || stopping)) {
        to_add.push_back(queued_.front());
        queued_.pop_front();
        ++active_;
      }
    }
    for (Transfer* transfer : to_add) {
      if (stopping) {
        // Never started: finish at once so its caller wakes.
        absl::MutexLock lock(&mu_);
        transfer->result = CURLE_ABORTED_BY_CALLBACK;
        transfer->done = true;
        --active_;
        continue;
      }
      curl_multi_add_handle(multi_, transfer->easy);
    }
    int running = 0;
    curl_multi_perform(multi_, &running);
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
      if (message->msg != CURLMSG_DONE) continue;
      Transfer* transfer = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&transfer));
      const CURLcode result = message->data.result;
      curl_multi_remove_handle(multi_, message->easy_handle);
      absl::MutexLock lock(&mu_);
      transfer->result = result;
      transfer->done = true;
      --active_;
    }
    if (stopping) {
      absl::MutexLock lock(&mu_);
      if (active_ == 0 && queued_.empty()) return;
    }
    curl_multi_poll(multi_, nullptr, 0, stopping ? 10 : 200, nullptr);
  }
}

}  // namespace meshproof::agent
