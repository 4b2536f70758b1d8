#include "services/probe-agent/curl_multi_runner.h"

#include <algorithm>
#include <utility>

#include "services/common/usable_cpus.h"

namespace meshproof::agent {
namespace {

// How long one poll may sleep before a transfer looks at stopping_ again without being
// woken (stopping wakes every multi handle; this bounds a missed wake-up).
constexpr int kPollMillis = 200;

// The loop this thread drives, if it is a loop thread: a transfer started from a
// completion goes to the same loop, which needs no wake-up to see it.
thread_local const void* current_loop = nullptr;

}  // namespace

CurlMultiRunner::CurlMultiRunner(int max_concurrency, int loops)
    : limit_(std::max(max_concurrency, 1)),
      loop_count_(std::clamp(loops > 0 ? loops : UsableCpus(), 1, limit_)) {}

CurlMultiRunner::~CurlMultiRunner() {
  std::vector<Waiter*> unstarted;
  {
    absl::MutexLock lock(&mu_);
    stopping_.store(true, std::memory_order_release);
    for (Waiter* waiter : queue_) {
      if (waiter->done) {
        unstarted.push_back(waiter);
      } else {
        waiter->aborted = true;  // its Perform returns at once
      }
    }
    queue_.clear();
    // curl_multi_wakeup may be called from any thread; an idle handle just returns from
    // its next poll early.
    for (const auto& lane : lanes_) curl_multi_wakeup(lane->multi);
    for (const auto& loop : loops_) curl_multi_wakeup(loop->multi);
  }
  for (Waiter* waiter : unstarted) {
    waiter->done(CURLE_ABORTED_BY_CALLBACK);
    delete waiter;
  }
  std::vector<std::unique_ptr<Loop>> loops;
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* active) { return *active == 0; }, &active_));
    loops.swap(loops_);
  }
  for (auto& loop : loops) {
    loop->thread.join();
    curl_multi_cleanup(loop->multi);
  }
  absl::MutexLock lock(&mu_);
  for (const auto& lane : lanes_) curl_multi_cleanup(lane->multi);
}

int CurlMultiRunner::in_flight() const {
  absl::MutexLock lock(&mu_);
  return active_;
}

int CurlMultiRunner::handles() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(lanes_.size());
}

void CurlMultiRunner::StartLoops() {
  if (!loops_.empty()) return;
  for (int i = 0; i < loop_count_; ++i) {
    auto loop = std::make_unique<Loop>();
    loop->multi = curl_multi_init();
    loops_.push_back(std::move(loop));
  }
  // The threads wait for mu_, held here, before they look at their loop.
  for (auto& loop : loops_) {
    Loop* raw = loop.get();
    raw->thread = std::thread([this, raw] { Run(*raw); });
  }
}

void CurlMultiRunner::Hand(Waiter* waiter, std::vector<Loop*>* wake) {
  if (!waiter->done) {
    waiter->admitted = true;  // wakes its Perform
    return;
  }
  // The loop this thread drives (a completion starting the next test), else the one with
  // the least work.
  Loop* chosen = nullptr;
  for (auto& loop : loops_) {
    if (loop.get() == current_loop) chosen = loop.get();
  }
  if (chosen == nullptr) {
    chosen = loops_.front().get();
    for (auto& loop : loops_) {
      const size_t load = loop->running + loop->incoming.size();
      if (load < chosen->running + chosen->incoming.size()) chosen = loop.get();
    }
  }
  chosen->incoming.push_back(waiter);
  if (chosen->polling && chosen != current_loop) {
    chosen->polling = false;
    wake->push_back(chosen);
  }
}

std::vector<CurlMultiRunner::Loop*> CurlMultiRunner::Admit() {
  std::vector<Loop*> wake;
  while (!queue_.empty() && active_ < limit_) {
    Waiter* waiter = queue_.front();
    queue_.pop_front();
    ++active_;
    Hand(waiter, &wake);
  }
  return wake;
}

void CurlMultiRunner::Release(int finished) {
  std::vector<Loop*> wake;
  {
    absl::MutexLock lock(&mu_);
    active_ -= finished;
    wake = Admit();
  }
  for (Loop* loop : wake) curl_multi_wakeup(loop->multi);
}

bool CurlMultiRunner::Start(CURL* easy, Done done) {
  std::vector<Loop*> wake;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_.load(std::memory_order_relaxed)) return false;
    StartLoops();
    auto* waiter = new Waiter{easy, std::move(done)};
    if (queue_.empty() && active_ < limit_) {
      ++active_;
      Hand(waiter, &wake);
    } else {
      queue_.push_back(waiter);
    }
  }
  for (Loop* loop : wake) curl_multi_wakeup(loop->multi);
  return true;
}

CURLcode CurlMultiRunner::Perform(CURL* easy) {
  Lane* lane = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_.load(std::memory_order_relaxed)) return CURLE_ABORTED_BY_CALLBACK;
    if (queue_.empty() && active_ < limit_) {
      ++active_;
    } else {
      Waiter waiter{easy};
      queue_.push_back(&waiter);
      mu_.Await(absl::Condition(
          +[](Waiter* w) { return w->admitted || w->aborted; }, &waiter));
      if (waiter.aborted) return CURLE_ABORTED_BY_CALLBACK;
    }
    if (idle_.empty()) {
      auto made = std::make_unique<Lane>();
      made->multi = curl_multi_init();
      lane = made.get();
      lanes_.push_back(std::move(made));
    } else {
      lane = idle_.back();
      idle_.pop_back();
    }
  }
  const CURLcode result = lane->multi == nullptr ? CURLE_OUT_OF_MEMORY : Drive(*lane, easy);
  {
    absl::MutexLock lock(&mu_);
    idle_.push_back(lane);
  }
  Release(1);
  return result;
}

CURLcode CurlMultiRunner::Drive(Lane& lane, CURL* easy) {
  if (curl_multi_add_handle(lane.multi, easy) != CURLM_OK) return CURLE_FAILED_INIT;
  CURLcode result = CURLE_ABORTED_BY_CALLBACK;
  while (true) {
    int running = 0;
    curl_multi_perform(lane.multi, &running);
    int left = 0;
    bool finished = false;
    while (CURLMsg* message = curl_multi_info_read(lane.multi, &left)) {
      if (message->msg != CURLMSG_DONE || message->easy_handle != easy) continue;
      result = message->data.result;
      finished = true;
    }
    if (finished) break;
    if (stopping_.load(std::memory_order_acquire)) break;
    curl_multi_poll(lane.multi, nullptr, 0, kPollMillis, nullptr);
  }
  curl_multi_remove_handle(lane.multi, easy);
  return result;
}

void CurlMultiRunner::Run(Loop& loop) {
  current_loop = &loop;
  std::vector<Waiter*> added;  // in the multi handle now
  std::vector<Waiter*> to_add;
  std::vector<std::pair<Waiter*, CURLcode>> finished;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      to_add.swap(loop.incoming);
    }
    for (Waiter* waiter : to_add) {
      curl_easy_setopt(waiter->easy, CURLOPT_PRIVATE, waiter);
      if (curl_multi_add_handle(loop.multi, waiter->easy) == CURLM_OK) {
        added.push_back(waiter);
      } else {
        finished.emplace_back(waiter, CURLE_FAILED_INIT);
      }
    }
    {
      absl::MutexLock lock(&mu_);
      loop.running += static_cast<int>(to_add.size());
    }
    to_add.clear();
    const bool stopping = stopping_.load(std::memory_order_acquire);
    if (stopping) {
      for (Waiter* waiter : added) {
        curl_multi_remove_handle(loop.multi, waiter->easy);
        finished.emplace_back(waiter, CURLE_ABORTED_BY_CALLBACK);
      }
      added.clear();
    } else {
      int running = 0;
      curl_multi_perform(loop.multi, &running);
      int left = 0;
      while (CURLMsg* message = curl_multi_info_read(loop.multi, &left)) {
        if (message->msg != CURLMSG_DONE) continue;
        Waiter* waiter = nullptr;
        curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE,
                          reinterpret_cast<char**>(&waiter));
        const CURLcode code = message->data.result;
        curl_multi_remove_handle(loop.multi, message->easy_handle);
        auto it = std::find(added.begin(), added.end(), waiter);
        if (it == added.end()) continue;  // only this loop adds handles; never erase end()
        added.erase(it);
        finished.emplace_back(waiter, code);
      }
    }
    if (!finished.empty()) {
      {
        absl::MutexLock lock(&mu_);
        loop.running -= static_cast<int>(finished.size());
      }
      // Before the callbacks: a completion that starts the next transfer finds the
      // budget it just gave back.
      Release(static_cast<int>(finished.size()));
      for (auto& [waiter, code] : finished) {
        waiter->done(code);
        delete waiter;
      }
      finished.clear();
    }
    {
      absl::MutexLock lock(&mu_);
      if (!loop.incoming.empty()) continue;  // started by a completion: add it now
      if (stopping_.load(std::memory_order_relaxed) && loop.running == 0) return;
      loop.polling = true;
    }
    curl_multi_poll(loop.multi, nullptr, 0, stopping ? 10 : kPollMillis, nullptr);
    absl::MutexLock lock(&mu_);
    loop.polling = false;
  }
}

}  // namespace meshproof::agent
