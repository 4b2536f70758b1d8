// Runs every libcurl transfer of the agent under one in-flight budget, two ways:
//  - Perform drives a transfer on the calling thread (an executor thread, never a gRPC
//    thread) through a multi handle borrowed from a pool, and blocks until it finished;
//  - Start hands a transfer to one of a few loop threads, each driving many transfers
//    through its own multi handle, and calls back on that thread when it finished.
// Start is what a scenario of many simple tests uses: one loop thread probes, evaluates
// and starts the next test without a thread hand-off per probe. Perform is for the rest.
// Either way a reused connection stays in the multi handle's cache for the next transfer
// driven there.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_CURL_MULTI_RUNNER_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_CURL_MULTI_RUNNER_H_

#include <curl/curl.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace meshproof::agent {

class CurlMultiRunner {
 public:
  // Called once with the finished transfer's result, on a loop thread.
  using Done = std::function<void(CURLcode)>;

  // At most `max_concurrency` transfers are in flight, however they were asked for;
  // callers beyond that wait (Perform) or are queued (Start), first come first served.
  // `loops` threads serve Start (0: one per CPU the process may use, its cgroup's CPU
  // quota included); they start with the first Start.
  explicit CurlMultiRunner(int max_concurrency, int loops = 0);
  // Aborts the transfers in flight and queued (CURLE_ABORTED_BY_CALLBACK) and waits for
  // them.
  ~CurlMultiRunner();
  CurlMultiRunner(const CurlMultiRunner&) = delete;
  CurlMultiRunner& operator=(const CurlMultiRunner&) = delete;

  // Runs `easy` to completion on the calling thread and returns its result. Blocks.
  // Returns CURLE_ABORTED_BY_CALLBACK when the runner is stopping.
  CURLcode Perform(CURL* easy);

  // Queues `easy` for a loop thread and returns true; `done` then runs once on a loop
  // thread when it finished (and may call Start again). Returns false, and never calls
  // `done`, when the runner is stopping. `easy` must outlive the call of `done`.
  bool Start(CURL* easy, Done done);

  // Transfers in flight right now (queued ones not counted).
  int in_flight() const;
  // Multi handles lent to Perform so far (never more than max_concurrency).
  int handles() const;

 private:
  // A multi handle and, between transfers, the connections it keeps for reuse.
  struct Lane {
    CURLM* multi = nullptr;
  };
  // A caller of Perform waiting for the budget, or a started transfer not yet admitted.
  struct Waiter {
    CURL* easy = nullptr;
    Done done;              // set for Start
    bool admitted = false;  // Perform: its turn came
    bool aborted = false;   // Perform: the runner stopped first
  };
  struct Loop {
    CURLM* multi = nullptr;
    std::vector<Waiter*> incoming;  // admitted, not yet added (guarded by mu_)
    int running = 0;                // added to multi (guarded by mu_)
    bool polling = false;           // in or about to enter curl_multi_poll (mu_)
    std::thread thread;
  };

  void StartLoops() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Admits queued waiters while the budget allows; returns the loops to wake.
  std::vector<Loop*> Admit() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Hand(Waiter* waiter, std::vector<Loop*>* wake) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Release(int finished);
  CURLcode Drive(Lane& lane, CURL* easy);
  void Run(Loop& loop);

  const int limit_;
  const int loop_count_;
  // Read by transfers between polls; set (under mu_ too) when the runner stops.
  std::atomic<bool> stopping_{false};
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Lane>> lanes_ ABSL_GUARDED_BY(mu_);
  // Lanes not in use, the most recently used last: its connections are the warmest.
  std::vector<Lane*> idle_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Loop>> loops_ ABSL_GUARDED_BY(mu_);
  std::deque<Waiter*> queue_ ABSL_GUARDED_BY(mu_);
  int active_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_CURL_MULTI_RUNNER_H_
