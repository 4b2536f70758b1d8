#include "services/probe-agent/curl_multi_runner.h"

#include <algorithm>

namespace meshproof::agent {

CurlMultiRunner::CurlMultiRunner(int max_concurrency, int loops) {
  const int budget = std::max(max_concurrency, 1);
  if (loops <= 0) loops = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  loops = std::clamp(loops, 1, budget);
  for (int i = 0; i < loops; ++i) {
    auto loop = std::make_unique<Loop>();
    loop->multi = curl_multi_init();
    // Split the budget so that the loops together never exceed max_concurrency.
    loop->limit = budget / loops + (i < budget % loops ? 1 : 0);
    loops_.push_back(std::move(loop));
  }
  for (auto& loop : loops_) {
    Loop* raw = loop.get();
    raw->thread = std::thread([this, raw] { Run(*raw); });
  }
}

CurlMultiRunner::~CurlMultiRunner() {
  for (auto& loop : loops_) {
    {
      absl::MutexLock lock(&loop->mu);
      loop->stopping = true;
    }
    curl_multi_wakeup(loop->multi);
  }
  for (auto& loop : loops_) {
    loop->thread.join();
    curl_multi_cleanup(loop->multi);
  }
}

int CurlMultiRunner::in_flight() const {
  int total = 0;
  for (const auto& loop : loops_) {
    absl::MutexLock lock(&loop->mu);
    total += loop->active;
  }
  return total;
}

CurlMultiRunner::Loop& CurlMultiRunner::Pick() {
  // The loop with the most free room, so that the loops share the work evenly.
  Loop* best = loops_.front().get();
  int best_room = 0;
  bool first = true;
  for (auto& loop : loops_) {
    absl::MutexLock lock(&loop->mu);
    const int room = loop->limit - loop->active - static_cast<int>(loop->queued.size());
    if (first || room > best_room) {
      best = loop.get();
      best_room = room;
      first = false;
    }
  }
  return *best;
}

CURLcode CurlMultiRunner::Perform(CURL* easy) {
  Transfer transfer(easy);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, &transfer);
  bool wake;
  Loop* chosen;
  {
    // Choosing a loop and queueing on it are one step: two callers that both saw the
    // same free room would otherwise both take it, and one would wait behind the other
    // while the budget of another loop went unused.
    absl::MutexLock pick(&pick_mu_);
    chosen = loops_.size() == 1 ? loops_.front().get() : &Pick();
    absl::MutexLock lock(&chosen->mu);
    if (chosen->stopping) return CURLE_ABORTED_BY_CALLBACK;
    chosen->queued.push_back(&transfer);
    wake = chosen->polling;
    chosen->polling = false;
  }
  Loop& loop = *chosen;
  // A busy loop looks at the queue before it polls again; waking it anyway cost a
  // write to its wakeup socket and a context switch per probe.
  if (wake) curl_multi_wakeup(loop.multi);
  transfer.done.WaitForNotification();
  return transfer.result;
}

void CurlMultiRunner::Run(Loop& loop) {
  std::vector<Transfer*> to_add;
  std::vector<Transfer*> finished;
  while (true) {
    to_add.clear();
    bool stopping;
    {
      absl::MutexLock lock(&loop.mu);
      stopping = loop.stopping;
      while (!loop.queued.empty() && (loop.active < loop.limit || stopping)) {
        to_add.push_back(loop.queued.front());
        loop.queued.pop_front();
        ++loop.active;
      }
    }
    for (Transfer* transfer : to_add) {
      if (stopping) {
        // Never started: finish at once so its caller wakes.
        {
          absl::MutexLock lock(&loop.mu);
          --loop.active;
        }
        transfer->result = CURLE_ABORTED_BY_CALLBACK;
        transfer->done.Notify();
        continue;
      }
      curl_multi_add_handle(loop.multi, transfer->easy);
    }
    int running = 0;
    curl_multi_perform(loop.multi, &running);
    int left = 0;
    finished.clear();
    while (CURLMsg* message = curl_multi_info_read(loop.multi, &left)) {
      if (message->msg != CURLMSG_DONE) continue;
      Transfer* transfer = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE,
                        reinterpret_cast<char**>(&transfer));
      transfer->result = message->data.result;
      curl_multi_remove_handle(loop.multi, message->easy_handle);
      finished.push_back(transfer);
    }
    bool startable = false;
    {
      absl::MutexLock lock(&loop.mu);
      // Before the callers wake: once Perform returned, its transfer is no longer
      // counted in flight.
      loop.active -= static_cast<int>(finished.size());
      // Queued transfers with room to start them: start them now rather than after a
      // poll. Otherwise announce the poll, so that Perform wakes it.
      startable = !loop.queued.empty() && loop.active < loop.limit;
      loop.polling = !startable && !(stopping && loop.active == 0 && loop.queued.empty());
    }
    // A caller may destroy its transfer as soon as it is notified.
    for (Transfer* transfer : finished) transfer->done.Notify();
    if (stopping) {
      absl::MutexLock lock(&loop.mu);
      if (loop.active == 0 && loop.queued.empty()) return;
    }
    if (startable) continue;
    curl_multi_poll(loop.multi, nullptr, 0, stopping ? 10 : 200, nullptr);
    absl::MutexLock lock(&loop.mu);
    loop.polling = false;
  }
}

}  // namespace meshproof::agent
