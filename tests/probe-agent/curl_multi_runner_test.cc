// The transfer budget: it holds however many callers ask at once, every transfer
// finishes on its caller's thread, waiting callers start in turn, and stopping the
// runner aborts what is in flight.
#include "services/probe-agent/curl_multi_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "tests/testing/loopback_listener.h"

namespace meshproof::agent {
namespace {

using ::meshproof::testing::SilentListener;

TEST(ProberCurlMultiRunnerTest, KeepsTheBudgetAndFinishesEveryTransfer) {
  SilentListener listener;
  const std::string url = "http://127.0.0.1:" + std::to_string(listener.port()) + "/";
  constexpr int kBudget = 4;
  constexpr int kTransfers = 7;
  CurlMultiRunner runner(kBudget);
  std::vector<CURLcode> results(kTransfers, CURLE_OK);
  std::vector<std::thread> callers;
  for (int i = 0; i < kTransfers; ++i) {
    callers.emplace_back([&, i] {
      CURL* easy = curl_easy_init();
      curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
      curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
      curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 1500L);
      results[i] = runner.Perform(easy);
      curl_easy_cleanup(easy);
    });
  }
  // Wait (bounded) until the budget is used, watching that it is never exceeded.
  int most = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (most < kBudget && absl::Now() < deadline) {
    most = std::max(most, runner.in_flight());
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_EQ(most, kBudget);
  for (std::thread& caller : callers) {
    most = std::max(most, runner.in_flight());
    caller.join();
  }
  EXPECT_EQ(most, kBudget);
  EXPECT_EQ(runner.in_flight(), 0);
  for (CURLcode code : results) EXPECT_EQ(code, CURLE_OPERATION_TIMEDOUT);
  // One multi handle per transfer in flight at most, kept for the next ones.
  EXPECT_EQ(runner.handles(), kBudget);
}

TEST(ProberCurlMultiRunnerTest, StoppingAbortsTransfersInFlightAndWaiting) {
  SilentListener listener;
  const std::string url = "http://127.0.0.1:" + std::to_string(listener.port()) + "/";
  constexpr int kTransfers = 3;  // one in flight, two waiting for the budget
  std::vector<CURLcode> results(kTransfers, CURLE_OK);
  std::vector<std::thread> callers;
  {
    std::optional<CurlMultiRunner> runner(std::in_place, 1);
    for (int i = 0; i < kTransfers; ++i) {
      callers.emplace_back([&, i] {
        CURL* easy = curl_easy_init();
        curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        // Far longer than the test: only stopping can end these transfers in time.
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 60'000L);
        results[i] = runner->Perform(easy);
        curl_easy_cleanup(easy);
      });
    }
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (runner->in_flight() < 1 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
    EXPECT_EQ(runner->in_flight(), 1);
    absl::SleepFor(absl::Milliseconds(50));  // let the other two queue
    const absl::Time stop_started = absl::Now();
    // The destructor returns once nothing is in flight.
    runner.reset();
    EXPECT_LT(absl::Now() - stop_started, absl::Seconds(5));
  }
  for (std::thread& caller : callers) caller.join();
  for (CURLcode code : results) EXPECT_EQ(code, CURLE_ABORTED_BY_CALLBACK);
}

TEST(ProberCurlMultiRunnerTest, RunsTheTransferOnTheCallingThread) {
  SilentListener listener;
  const std::string url = "http://127.0.0.1:" + std::to_string(listener.port()) + "/";
  CurlMultiRunner runner(2);
  CURL* easy = curl_easy_init();
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 300L);
  std::thread::id progress_thread;
  curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(easy, CURLOPT_XFERINFODATA, &progress_thread);
  curl_easy_setopt(
      easy, CURLOPT_XFERINFOFUNCTION,
      +[](void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
        *static_cast<std::thread::id*>(user) = std::this_thread::get_id();
        return 0;
      });
  EXPECT_EQ(runner.Perform(easy), CURLE_OPERATION_TIMEDOUT);
  curl_easy_cleanup(easy);
  EXPECT_EQ(progress_thread, std::this_thread::get_id());
}

}  // namespace
}  // namespace meshproof::agent

namespace meshproof::agent {
namespace {

// A transfer to the silent listener that ends by its own timeout.
struct SilentTransfer {
  SilentTransfer(const std::string& url, long timeout_ms) : easy(curl_easy_init()) {
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
  }
  ~SilentTransfer() { curl_easy_cleanup(easy); }
  CURL* easy;
  CURLcode result = CURLE_OK;
  int calls = 0;
  std::thread::id thread;
  absl::Notification done;
};

TEST(ProberCurlMultiRunnerTest, StartedTransfersShareTheBudgetAndFinishOnALoopThread) {
  SilentListener listener;
  const std::string url = "http://127.0.0.1:" + std::to_string(listener.port()) + "/";
  constexpr int kBudget = 3;
  CurlMultiRunner runner(kBudget, 2);
  std::vector<std::unique_ptr<SilentTransfer>> started;
  for (int i = 0; i < 5; ++i) {
    started.push_back(std::make_unique<SilentTransfer>(url, 300));
    SilentTransfer* transfer = started.back().get();
    ASSERT_TRUE(runner.Start(transfer->easy, [transfer](CURLcode code) {
      transfer->result = code;
      ++transfer->calls;
      transfer->thread = std::this_thread::get_id();
      transfer->done.Notify();
    }));
  }
  // Two callers of Perform wait their turn behind the started transfers.
  std::vector<CURLcode> performed(2, CURLE_OK);
  std::vector<std::thread> callers;
  for (int i = 0; i < 2; ++i) {
    callers.emplace_back([&, i] {
      SilentTransfer transfer(url, 300);
      performed[i] = runner.Perform(transfer.easy);
    });
  }
  int most = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    most = std::max(most, runner.in_flight());
    bool all = true;
    for (auto& transfer : started) all = all && transfer->done.HasBeenNotified();
    if (all && runner.in_flight() == 0) break;
    absl::SleepFor(absl::Milliseconds(1));
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(most, kBudget);
  for (auto& transfer : started) {
    ASSERT_TRUE(transfer->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_EQ(transfer->result, CURLE_OPERATION_TIMEDOUT);
    EXPECT_EQ(transfer->calls, 1);
    EXPECT_NE(transfer->thread, std::this_thread::get_id());
  }
  for (CURLcode code : performed) EXPECT_EQ(code, CURLE_OPERATION_TIMEDOUT);
  EXPECT_EQ(runner.in_flight(), 0);
}

TEST(ProberCurlMultiRunnerTest, ACompletionMayStartTheNextTransfer) {
  SilentListener listener;
  const std::string url = "http://127.0.0.1:" + std::to_string(listener.port()) + "/";
  CurlMultiRunner runner(1, 1);
  constexpr int kChain = 4;
  std::vector<std::unique_ptr<SilentTransfer>> chain;
  for (int i = 0; i < kChain; ++i) chain.push_back(std::make_unique<SilentTransfer>(url, 20));
  std::function<void(int)> start = [&](int i) {
    ASSERT_TRUE(runner.Start(chain[i]->easy, [&, i](CURLcode code) {
      chain[i]->result = code;
      chain[i]->done.Notify();
      if (i + 1 < kChain) start(i + 1);
    }));
  };
  start(0);
  ASSERT_TRUE(chain.back()->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  for (auto& transfer : chain) EXPECT_EQ(transfer->result, CURLE_OPERATION_TIMEDOUT);
}

TEST(ProberCurlMultiRunnerTest, StoppingAbortsStartedTransfersInFlightAndQueuedOnce) {
  SilentListener listener;
  const std::string url = "http://127.0.0.1:" + std::to_string(listener.port()) + "/";
  std::vector<std::unique_ptr<SilentTransfer>> started;
  {
    CurlMultiRunner runner(1, 1);  // one in flight, two queued
    for (int i = 0; i < 3; ++i) {
      started.push_back(std::make_unique<SilentTransfer>(url, 60'000));
      SilentTransfer* transfer = started.back().get();
      ASSERT_TRUE(runner.Start(transfer->easy, [transfer](CURLcode code) {
        transfer->result = code;
        ++transfer->calls;
        transfer->done.Notify();
      }));
    }
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (runner.in_flight() < 1 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
    EXPECT_EQ(runner.in_flight(), 1);
    // Leaving the scope stops the runner; its destructor returns once all are aborted,
    // long before their own timeouts.
  }
  for (auto& transfer : started) {
    EXPECT_TRUE(transfer->done.HasBeenNotified());
    EXPECT_EQ(transfer->result, CURLE_ABORTED_BY_CALLBACK);
    EXPECT_EQ(transfer->calls, 1);
  }
}

}  // namespace
}  // namespace meshproof::agent
