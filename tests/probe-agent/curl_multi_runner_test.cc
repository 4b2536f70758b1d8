// The multi loops: the in-flight budget holds across loops, and every transfer handed
// over finishes and wakes its caller.
#include "services/probe-agent/curl_multi_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "tests/testing/loopback_listener.h"

namespace meshproof::agent {
namespace {

using ::meshproof::testing::SilentListener;

TEST(ProberCurlMultiRunnerTest, NeverRunsMoreLoopsThanTransfersAllowed) {
  EXPECT_EQ(CurlMultiRunner(3, 8).loops(), 3);
  EXPECT_EQ(CurlMultiRunner(32, 2).loops(), 2);
  EXPECT_EQ(CurlMultiRunner(1, 0).loops(), 1);
  EXPECT_GE(CurlMultiRunner(64, 0).loops(), 1);
}

TEST(ProberCurlMultiRunnerTest, KeepsTheBudgetAcrossLoopsAndFinishesEveryTransfer) {
  SilentListener listener;
  const std::string url = "http://127.0.0.1:" + std::to_string(listener.port()) + "/";
  constexpr int kBudget = 4;
  constexpr int kTransfers = 7;
  CurlMultiRunner runner(kBudget, 2);
  ASSERT_EQ(runner.loops(), 2);
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
}

}  // namespace
}  // namespace meshproof::agent
