// The executor's logic with a fake prober, fake log sources and a fake clock: preflight
// blocks, setup stops, deferral and approval, retries and convergence, evidence windows,
// and the claims ledger.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <optional>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "services/probe-agent/scenario_executor.h"
#include "services/scenario/scenario_parser.h"
#include "tests/testing/fake_clock.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;
namespace rv1 = ::meshproof::result::v1;
using ::testing::HasSubstr;
using ::testing::Not;

// Answers each probe by URL with a queue of statuses (the last one repeats);
// kUnobservable answers that the probe could not be executed (an ERROR attempt).
constexpr uint32_t kUnobservable = 999;

class FakeProber : public Prober {
 public:
  std::map<std::string, std::deque<uint32_t>> statuses;
  std::map<std::string, int> calls;
  absl::StatusOr<rv1::ProbeOutcome> Run(const sv1::Probe& probe, const sv1::Defaults&,
                                        const CancelledFn&) override {
    if (!refuse.ok()) return refuse;
    const std::string& url = probe.http().url();
    rv1::ProbeOutcome outcome;
    {
      // Tests with parallelism call in from several threads.
      absl::MutexLock lock(&mu_);
      ++calls[url];
      auto& queue = statuses[url];
      outcome.mutable_http()->set_status_code(queue.empty() ? 200 : queue.front());
      if (queue.size() > 1) queue.pop_front();
    }
    if (outcome.http().status_code() == kUnobservable)
      return absl::UnavailableError("admin endpoint refused");
    if (on_probe) on_probe();
    return outcome;
  }
  absl::StatusOr<std::string> Fetch(const sv1::HttpProbe&, size_t) override {
    return absl::UnavailableError("no admin");
  }
  // With `async`, HTTP probes can be started: each runs as Run would, on a thread of its
  // own, and answers there (as the real prober answers on its loop threads).
  bool CanStart(const sv1::Probe& probe) const override {
    return async && probe.kind_case() == sv1::Probe::kHttp;
  }
  std::optional<absl::StatusOr<rv1::ProbeOutcome>> Start(const sv1::Probe& probe,
                                                         const sv1::Defaults& defaults,
                                                         const CancelledFn& cancelled,
                                                         ProbeDone done) override {
    if (!refuse.ok()) return refuse;  // answered at once, as a refused destination is
    ++starts;
    absl::MutexLock lock(&threads_mu_);
    threads_.emplace_back([this, probe, defaults, cancelled, done = std::move(done)] {
      done(Run(probe, defaults, cancelled));
    });
    return std::nullopt;
  }
  ~FakeProber() override {
    absl::MutexLock lock(&threads_mu_);
    for (std::thread& thread : threads_) thread.join();
  }
  std::function<void()> on_probe;
  absl::Status refuse;
  bool async = false;
  std::atomic<int> starts{0};

 private:
  absl::Mutex mu_;
  absl::Mutex threads_mu_;
  std::vector<std::thread> threads_;
};

// A log whose lines the test appends.
class FakeLog : public LogSource {
 public:
  std::vector<std::string> lines;
  absl::StatusOr<uint64_t> Position() override { return lines.size(); }
  absl::StatusOr<std::vector<std::string>> LinesSince(uint64_t p) override {
    return std::vector<std::string>(
        lines.begin() + static_cast<long>(std::min<uint64_t>(p, lines.size())), lines.end());
  }
  std::string Describe() const override { return "fake log"; }
};

class ExecutorTest : public ::testing::Test {
 protected:
  ExecutorTest()
      : executor_(
            &prober_, &clock_, [this](absl::Duration d) { clock_.Advance(d); },
            [this](const sv1::LogSource&) -> absl::StatusOr<std::unique_ptr<LogSource>> {
              struct Shared : LogSource {
                FakeLog* log;
                explicit Shared(FakeLog* l) : log(l) {}
                absl::StatusOr<uint64_t> Position() override { return log->Position(); }
                absl::StatusOr<std::vector<std::string>> LinesSince(uint64_t p) override {
                  return log->LinesSince(p);
                }
                std::string Describe() const override { return log->Describe(); }
              };
              return std::make_unique<Shared>(&log_);
            }) {}

  std::pair<std::vector<rv1::TestResult>, rv1::ScenarioOutcome> Run(const std::string& body,
                                                                    ExecuteOptions options = {}) {
    auto parsed = scenario::ParseScenario(
        "apiVersion: meshproof/v1\nkind: Scenario\nname: s\n" + body, scenario::ParseOptions());
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    std::vector<rv1::TestResult> results;
    rv1::ScenarioOutcome outcome = executor_.Execute(
        *parsed, options, [&](const rv1::TestResult& r) { results.push_back(r); },
        [] { return false; });
    return {results, outcome};
  }

  FakeProber prober_;
  testing::FakeClock clock_;
  FakeLog log_;
  ScenarioExecutor executor_;
};

TEST_F(ExecutorTest, FailedPreflightBlocksTestsAndIsInconclusive) {
  prober_.statuses["http://mesh/ready"] = {503};
  auto [results, outcome] =
      Run("preflight:\n  - {name: ready, http: {url: \"http://mesh/ready\"}}\n"
          "tests:\n  - {name: a, http: {url: \"http://x/a\"}}\n");
  EXPECT_EQ(outcome.verdict(), rv1::RUN_VERDICT_INCONCLUSIVE);
  EXPECT_THAT(outcome.reason(), HasSubstr("preflight ready failed"));
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].verdict(), rv1::TEST_VERDICT_BLOCKED);
  EXPECT_EQ(prober_.calls["http://x/a"], 0);
  EXPECT_EQ(outcome.counts().blocked(), 1u);
}

TEST_F(ExecutorTest, FailedSetupStopsTheScenarioWithItsReason) {
  prober_.statuses["http://x/setup1"] = {500};
  auto [results, outcome] =
      Run("setup:\n  - {name: one, http: {url: \"http://x/setup1\"}}\n  - {name: two, http: {url: "
          "\"http://x/setup2\"}}\n"
          "tests:\n  - {name: a, http: {url: \"http://x/a\"}}\n");
  EXPECT_EQ(outcome.verdict(), rv1::RUN_VERDICT_ERROR);
  EXPECT_THAT(outcome.reason(), HasSubstr("setup step one failed"));
  EXPECT_EQ(prober_.calls["http://x/setup2"], 0);
  EXPECT_EQ(results.back().verdict(), rv1::TEST_VERDICT_BLOCKED);
}

TEST_F(ExecutorTest, DeferredTestsRunOnlyWhenApproved) {
  const std::string body =
      "tests:\n  - {name: a, http: {url: \"http://x/a\"}}\n"
      "deferred:\n  - {name: gated, reason: mesh-global, requires_approval: true, http: {url: "
      "\"http://x/gated\"}}\n";
  auto [skipped, outcome1] = Run(body);
  EXPECT_EQ(skipped.back().verdict(), rv1::TEST_VERDICT_SKIPPED);
  EXPECT_EQ(skipped.back().reason(), "not approved: mesh-global");
  EXPECT_EQ(prober_.calls["http://x/gated"], 0);
  ExecuteOptions approved;
  approved.approved = true;
  auto [ran, outcome2] = Run(body, approved);
  EXPECT_EQ(ran.back().verdict(), rv1::TEST_VERDICT_PASS);
  EXPECT_EQ(prober_.calls["http://x/gated"], 1);
}

TEST_F(ExecutorTest, RetryOnFailureKeepsPassedOnRetryVisible) {
  prober_.statuses["http://x/flaky"] = {503, 200};
  auto [results, outcome] =
      Run("tests:\n  - {name: a, http: {url: \"http://x/flaky\"}, retry: {attempts: 3, on_failure: "
          "true, backoff: 1s}}\n");
  EXPECT_EQ(results[0].verdict(), rv1::TEST_VERDICT_PASS);
  EXPECT_TRUE(results[0].passed_on_retry());
  EXPECT_EQ(results[0].attempts(), 2u);
  ASSERT_EQ(results[0].attempt_history_size(), 2);
  EXPECT_EQ(results[0].attempt_history(0).verdict(), rv1::TEST_VERDICT_FAIL);
  EXPECT_EQ(outcome.counts().passed_on_retry(), 1u);
}

TEST_F(ExecutorTest, ConvergeNeedsConsecutivePasses) {
  prober_.statuses["http://x/c"] = {200, 503, 200, 200};
  auto [results, outcome] = Run(
      "tests:\n  - {name: a, http: {url: \"http://x/c\"}, retry: {attempts: 5, converge: 2}}\n");
  EXPECT_EQ(results[0].verdict(), rv1::TEST_VERDICT_PASS);
  EXPECT_EQ(results[0].attempts(), 4u);
  prober_.statuses["http://x/d"] = {200, 503};
  auto [results2, outcome2] = Run(
      "tests:\n  - {name: a, http: {url: \"http://x/d\"}, retry: {attempts: 3, converge: 2}}\n");
  EXPECT_EQ(results2[0].verdict(), rv1::TEST_VERDICT_FAIL);
}

TEST_F(ExecutorTest, LogEvidenceCountsOnlyNewLinesWithinTheWindow) {
  log_.lines = {"old outbound|443||external.test"};
  // The gateway writes its line while the probe runs.
  prober_.on_probe = [this] { log_.lines.push_back("new outbound|443||external.test"); };
  auto [results, outcome] =
      Run("tests:\n  - name: a\n    http: {url: \"https://x/\"}\n    evidence:\n"
          "      - {name: gw, log: {file: /l, pattern: 'outbound\\|443', min_lines: 1, max_lines: "
          "1, window: 2s,\n"
          "               time: {format: none}}}\n");
  ASSERT_EQ(results[0].evidence_size(), 1);
  EXPECT_TRUE(results[0].evidence(0).satisfied());
  EXPECT_EQ(results[0].evidence(0).lines(0), "new outbound|443||external.test");

  prober_.on_probe = nullptr;
  const absl::Time before = clock_.Now();
  auto [missing, outcome2] =
      Run("tests:\n  - name: a\n    http: {url: \"https://x/\"}\n    evidence:\n"
          "      - {name: gw, log: {file: /l, pattern: 'outbound', window: 2s, time: {format: "
          "none}}}\n");
  EXPECT_EQ(missing[0].verdict(), rv1::TEST_VERDICT_FAIL);
  EXPECT_THAT(missing[0].reason(),
              HasSubstr("no new line for this call matching /outbound/ in fake log within 2s"));
  EXPECT_GE(clock_.Now() - before, absl::Seconds(2));  // it waited the whole window
}

TEST_F(ExecutorTest, ClaimsLedgerFollowsLinkedTests) {
  prober_.statuses["http://x/bad"] = {500};
  auto [results, outcome] =
      Run("tests:\n  - {name: a, http: {url: \"http://x/a\"}, claims: [C1]}\n"
          "  - {name: b, http: {url: \"http://x/bad\"}, claims: [C2]}\n"
          "claims:\n  - {id: C1, text: one}\n  - {id: C2, text: two}\n  - {id: C3, text: three}\n");
  ASSERT_EQ(outcome.claims_size(), 3);
  EXPECT_EQ(outcome.claims(0).verdict(), rv1::CLAIM_VERDICT_CONFIRMED);
  EXPECT_EQ(outcome.claims(1).verdict(), rv1::CLAIM_VERDICT_REFUTED);
  EXPECT_EQ(outcome.claims(2).verdict(), rv1::CLAIM_VERDICT_UNTESTED);
  EXPECT_EQ(outcome.verdict(), rv1::RUN_VERDICT_FAILED);
}

TEST_F(ExecutorTest, OnlyTestsLeavesTheRestOutOfResultsAndCounts) {
  ExecuteOptions options;
  options.only_tests = {"b"};
  auto [results, outcome] =
      Run("tests:\n  - {name: a, http: {url: \"http://x/a\"}}\n  - {name: b, http: {url: "
          "\"http://x/b\"}}\n",
          options);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].test(), "b");
  EXPECT_EQ(results[0].verdict(), rv1::TEST_VERDICT_PASS);
  EXPECT_EQ(outcome.counts().total(), 1u);
  EXPECT_EQ(outcome.counts().skipped(), 0u);
}

// After a hand-back, the tests another agent already decided are neither probed nor
// emitted again, and still count in the verdict, the counts and the claims.
TEST_F(ExecutorTest, RecordedTestsAreNotRunAgainButCount) {
  for (int parallelism : {1, 4}) {
    SCOPED_TRACE(parallelism);
    prober_.calls.clear();
    ExecuteOptions options;
    rv1::TestResult earlier;
    earlier.set_test("a");
    earlier.set_phase(rv1::PHASE_TEST);
    earlier.set_verdict(rv1::TEST_VERDICT_FAIL);
    earlier.add_claims("C1");  // as the first agent reported it
    options.recorded = {earlier};
    auto [results, outcome] =
        Run(absl::StrCat("defaults: {parallelism: ", parallelism,
                         "}\ntests:\n  - {name: a, http: {url: \"http://x/a\"}, claims: [C1]}\n"
                         "  - {name: b, http: {url: \"http://x/b\"}}\n"
                         "claims:\n  - {id: C1, text: one}\n"),
            options);
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].test(), "b");
    EXPECT_EQ(prober_.calls.count("http://x/a"), 0u);
    EXPECT_EQ(prober_.calls["http://x/b"], 1);
    EXPECT_EQ(outcome.counts().total(), 2u);
    EXPECT_EQ(outcome.counts().failed(), 1u);
    EXPECT_EQ(outcome.verdict(), rv1::RUN_VERDICT_FAILED);
    ASSERT_EQ(outcome.claims_size(), 1);
    EXPECT_EQ(outcome.claims(0).verdict(), rv1::CLAIM_VERDICT_REFUTED);
  }
}

TEST_F(ExecutorTest, ParallelismRunsTestsAtOnceOnThreadsOrStartedByTheProber) {
  for (bool async : {false, true}) {
    SCOPED_TRACE(async ? "started by the prober" : "on threads");
    prober_.async = async;
    prober_.starts = 0;
    absl::Mutex mu;
    int in_flight = 0, most = 0;
    prober_.on_probe = [&] {
      absl::MutexLock lock(&mu);
      most = std::max(most, ++in_flight);
      // Wait (bounded) until all four probes overlap; sequential execution never gets there.
      mu.AwaitWithTimeout(absl::Condition(
                              +[](int* n) { return *n >= 4; }, &in_flight),
                          absl::Seconds(5));
    };
    auto [results, outcome] = Run(
        "defaults: {parallelism: 4}\ntests:\n"
        "  - {name: a, http: {url: \"http://x/a\"}}\n  - {name: b, http: {url: \"http://x/b\"}}\n"
        "  - {name: c, http: {url: \"http://x/c\"}}\n  - {name: d, http: {url: \"http://x/d\"}}\n");
    EXPECT_EQ(most, 4);
    EXPECT_EQ(results.size(), 4u);
    EXPECT_EQ(outcome.counts().passed(), 4u);
    EXPECT_EQ(prober_.starts, async ? 4 : 0);
  }
}

// Many simple tests started by the prober: never more than `parallelism` at once, each
// result emitted exactly once with its own verdict, the counts and verdict those of the
// threaded path.
TEST_F(ExecutorTest, StartedTestsKeepTheParallelismAndEachResultOnce) {
  prober_.async = true;
  constexpr int kTests = 60;
  std::string body = "defaults: {parallelism: 5}\ntests:\n";
  for (int i = 0; i < kTests; ++i) {
    absl::StrAppend(&body, "  - {name: t", i, ", http: {url: \"http://x/", i, "\"}}\n");
    if (i % 7 == 3) prober_.statuses[absl::StrCat("http://x/", i)] = {503};
  }
  absl::Mutex mu;
  int in_flight = 0, most = 0;
  prober_.on_probe = [&] {
    {
      absl::MutexLock lock(&mu);
      most = std::max(most, ++in_flight);
    }
    absl::SleepFor(absl::Milliseconds(2));  // let the others catch up
    absl::MutexLock lock(&mu);
    --in_flight;
  };
  auto [results, outcome] = Run(body);
  EXPECT_EQ(prober_.starts, kTests);
  EXPECT_LE(most, 5);
  EXPECT_GE(most, 2);
  ASSERT_EQ(results.size(), static_cast<size_t>(kTests));
  std::set<std::string> seen;
  int failed = 0;
  for (const rv1::TestResult& result : results) {
    EXPECT_TRUE(seen.insert(result.test()).second) << result.test() << " emitted twice";
    const int i = std::stoi(result.test().substr(1));
    const bool fails = i % 7 == 3;
    EXPECT_EQ(result.verdict(), fails ? rv1::TEST_VERDICT_FAIL : rv1::TEST_VERDICT_PASS)
        << result.test();
    EXPECT_EQ(result.attempts(), 1u);
    EXPECT_EQ(result.outcome().http().status_code(), fails ? 503u : 200u);
    EXPECT_TRUE(result.has_started_at() && result.has_finished_at());
    failed += fails ? 1 : 0;
  }
  EXPECT_EQ(outcome.counts().total(), static_cast<uint32_t>(kTests));
  EXPECT_EQ(outcome.counts().failed(), static_cast<uint32_t>(failed));
  EXPECT_EQ(outcome.verdict(), rv1::RUN_VERDICT_FAILED);
}

// A test that would wait after its probe (a retry's backoff, evidence polling) must not
// block a prober thread: its scenario runs on threads, every test through Run.
TEST_F(ExecutorTest, RetriesOrEvidenceKeepAScenarioOnThreads) {
  prober_.async = true;
  prober_.statuses["http://x/b"] = {503, 200};
  auto [results, outcome] =
      Run("defaults: {parallelism: 4}\ntests:\n"
          "  - {name: a, http: {url: \"http://x/a\"}}\n"
          "  - {name: b, http: {url: \"http://x/b\"}, retry: {attempts: 2, on_failure: true}}\n");
  EXPECT_EQ(prober_.starts, 0);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(outcome.counts().passed(), 2u);
  EXPECT_EQ(prober_.calls["http://x/b"], 2);
}

// Cancelled while started tests run: what was in flight and everything after it is
// NOT_RUN, nothing more is started, and the run is CANCELLED.
TEST_F(ExecutorTest, CancellingStopsStartingTests) {
  prober_.async = true;
  std::atomic<int> probed{0};
  std::atomic<bool> cancelled{false};
  prober_.on_probe = [&] {
    if (++probed == 10) cancelled = true;
  };
  std::string body =
      "apiVersion: meshproof/v1\nkind: Scenario\nname: s\n"
      "defaults: {parallelism: 2}\ntests:\n";
  for (int i = 0; i < 100; ++i)
    absl::StrAppend(&body, "  - {name: t", i, ", http: {url: \"http://x/", i, "\"}}\n");
  auto parsed = scenario::ParseScenario(body, scenario::ParseOptions());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  std::vector<rv1::TestResult> results;
  rv1::ScenarioOutcome outcome = executor_.Execute(
      *parsed, {}, [&](const rv1::TestResult& r) { results.push_back(r); },
      [&] { return cancelled.load(); });
  EXPECT_EQ(results.size(), 100u);
  EXPECT_LE(prober_.starts, 11);  // the tenth probe's neighbour may have been in flight
  EXPECT_EQ(outcome.verdict(), rv1::RUN_VERDICT_CANCELLED);
  EXPECT_GE(outcome.counts().not_run(), 89u);
  for (const rv1::TestResult& result : results) {
    EXPECT_THAT(result.verdict(),
                ::testing::AnyOf(rv1::TEST_VERDICT_PASS, rv1::TEST_VERDICT_NOT_RUN));
  }
}

// A prober that answers a start at once (the agent's configuration refuses the probe)
// gives an ERROR with the reason; thousands of such answers in a row are handled one
// after another, not by nesting calls.
TEST_F(ExecutorTest, StartsAnsweredAtOnceAreErrorsWithTheirReason) {
  prober_.async = true;
  prober_.refuse = absl::PermissionDeniedError("x is outside the agent's destinations");
  std::string body = "defaults: {parallelism: 8}\ntests:\n";
  for (int i = 0; i < 1000; ++i)
    absl::StrAppend(&body, "  - {name: t", i, ", http: {url: \"http://x/", i, "\"}}\n");
  auto [results, outcome] = Run(body);
  ASSERT_EQ(results.size(), 1000u);
  for (const rv1::TestResult& result : results) {
    EXPECT_EQ(result.verdict(), rv1::TEST_VERDICT_ERROR);
    EXPECT_EQ(result.reason(), "x is outside the agent's destinations");
  }
  EXPECT_EQ(outcome.counts().errors(), 1000u);
}

TEST_F(ExecutorTest, CancellationDuringATestMakesItAndTheRestNotRunButTeardownRuns) {
  std::atomic<bool> cancelled{false};
  prober_.on_probe = [&] {
    if (prober_.calls["http://x/b"] > 0) cancelled = true;
  };
  auto parsed = scenario::ParseScenario(
      "apiVersion: meshproof/v1\nkind: Scenario\nname: s\ntests:\n"
      "  - {name: a, http: {url: \"http://x/a\"}}\n  - {name: b, http: {url: \"http://x/b\"}}\n"
      "  - {name: c, http: {url: \"http://x/c\"}}\n"
      "teardown:\n  - {name: restore, http: {url: \"http://x/restore\"}}\n",
      scenario::ParseOptions());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  std::vector<rv1::TestResult> results;
  rv1::ScenarioOutcome outcome = executor_.Execute(
      *parsed, {}, [&](const rv1::TestResult& r) { results.push_back(r); },
      [&] { return cancelled.load(); });
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].verdict(), rv1::TEST_VERDICT_PASS);
  EXPECT_EQ(results[1].verdict(), rv1::TEST_VERDICT_NOT_RUN);
  EXPECT_EQ(results[1].reason(), "the run was cancelled while this test ran");
  EXPECT_EQ(results[2].verdict(), rv1::TEST_VERDICT_NOT_RUN);
  EXPECT_EQ(prober_.calls["http://x/c"], 0);
  EXPECT_EQ(results[3].test(), "restore");
  EXPECT_EQ(results[3].verdict(), rv1::TEST_VERDICT_PASS);
  EXPECT_EQ(outcome.verdict(), rv1::RUN_VERDICT_CANCELLED);
  EXPECT_EQ(outcome.counts().not_run(), 2u);
}

TEST_F(ExecutorTest, AnEmptyCancellationFunctionMeansNever) {
  auto parsed = scenario::ParseScenario(
      "apiVersion: meshproof/v1\nkind: Scenario\nname: s\ntests:\n  - {name: a, http: {url: "
      "\"http://x/a\"}}\n",
      scenario::ParseOptions());
  ASSERT_TRUE(parsed.ok());
  rv1::ScenarioOutcome outcome = executor_.Execute(
      *parsed, {}, [](const rv1::TestResult&) {}, nullptr);
  EXPECT_EQ(outcome.verdict(), rv1::RUN_VERDICT_PASSED);
}

TEST_F(ExecutorTest, AProbeTheProberRefusesIsAnErrorWithItsReason) {
  prober_.refuse =
      absl::PermissionDeniedError("program kubectl is not allowlisted in the agent configuration");
  auto [results, outcome] = Run("tests:\n  - {name: a, http: {url: \"http://x/a\"}}\n");
  EXPECT_EQ(results[0].verdict(), rv1::TEST_VERDICT_ERROR);
  EXPECT_EQ(results[0].reason(), "program kubectl is not allowlisted in the agent configuration");
  EXPECT_EQ(outcome.verdict(), rv1::RUN_VERDICT_ERROR);
}

// Convergence: the reason of a test that did not converge always says so, with the
// attempt sequence, whatever the attempt count and whichever attempt came last.
TEST_F(ExecutorTest, NotConvergingWithAsManyAttemptsAsPassesNeededSaysSo) {
  prober_.statuses["http://x/c"] = {200, 200, 503};
  auto [results, outcome] = Run(
      "tests:\n  - {name: a, http: {url: \"http://x/c\"}, retry: {attempts: 3, converge: 3}}\n");
  EXPECT_EQ(results[0].verdict(), rv1::TEST_VERDICT_FAIL);
  EXPECT_THAT(results[0].reason(),
              HasSubstr("did not converge: 3 consecutive passes needed, got P P F; attempt 3: "));
  EXPECT_EQ(results[0].attempts(), 3u);
  EXPECT_TRUE(results[0].flaky());
  EXPECT_FALSE(results[0].passed_on_retry());
  EXPECT_THAT(outcome.reason(), HasSubstr("did not converge"));
}

TEST_F(ExecutorTest, AFinalFailingAttemptAfterAConvergePolicyCarriesTheConvergeReason) {
  prober_.statuses["http://x/c"] = {200, 503, 200, 503, 200, 503};
  auto [results, outcome] = Run(
      "tests:\n  - {name: a, http: {url: \"http://x/c\"}, retry: {attempts: 6, converge: 3}}\n");
  EXPECT_EQ(results[0].verdict(), rv1::TEST_VERDICT_FAIL);
  EXPECT_THAT(
      results[0].reason(),
      HasSubstr("did not converge: 3 consecutive passes needed, got P F P F P F; attempt 6: "));
  EXPECT_EQ(results[0].attempt_history_size(), 6);
  EXPECT_TRUE(results[0].flaky());
  // The final attempt's mismatches stay: they say what the last failure was.
  EXPECT_GT(results[0].mismatches_size(), 0);
}

TEST_F(ExecutorTest, AFinalPassingAttemptThatDidNotConvergeIsAFailWithTheSequence) {
  prober_.statuses["http://x/c"] = {200, 503, 200};
  auto [results, outcome] = Run(
      "tests:\n  - {name: a, http: {url: \"http://x/c\"}, retry: {attempts: 3, converge: 2}}\n");
  EXPECT_EQ(results[0].verdict(), rv1::TEST_VERDICT_FAIL);
  EXPECT_THAT(results[0].reason(),
              HasSubstr("did not converge: 2 consecutive passes needed, got P F P; attempt 2: "));
  EXPECT_TRUE(results[0].flaky());
}

TEST_F(ExecutorTest, EveryAttemptFailingUnderConvergeStillSaysItDidNotConverge) {
  prober_.statuses["http://x/c"] = {503};
  auto [results, outcome] = Run(
      "tests:\n  - {name: a, http: {url: \"http://x/c\"}, retry: {attempts: 2, converge: 2}}\n");
  EXPECT_EQ(results[0].verdict(), rv1::TEST_VERDICT_FAIL);
  EXPECT_THAT(results[0].reason(),
              HasSubstr("did not converge: 2 consecutive passes needed, got F F; attempt 2: "));
  // Attempts that agree are not flaky, even when they all fail.
  EXPECT_FALSE(results[0].flaky());
}

TEST_F(ExecutorTest, PassesMixedWithUnobservableAttemptsDoNotConvergeAndAreAnErrorNotAFail) {
  prober_.statuses["http://x/c"] = {200, kUnobservable, 200};
  auto [results, outcome] =
      Run("tests:\n  - {name: a, http: {url: \"http://x/c\"}, retry: {attempts: 3, converge: 2}, "
          "claims: [C1]}\n"
          "claims:\n  - {id: C1, text: one}\n");
  EXPECT_EQ(results[0].verdict(), rv1::TEST_VERDICT_ERROR);
  EXPECT_EQ(results[0].reason(),
            "did not converge: 2 consecutive passes needed, got P E P; attempt 2: admin endpoint "
            "refused");
  EXPECT_TRUE(results[0].flaky());
  // Nothing wrong was observed: the claim is not refuted.
  EXPECT_EQ(outcome.claims(0).verdict(), rv1::CLAIM_VERDICT_UNTESTED);
  EXPECT_EQ(outcome.verdict(), rv1::RUN_VERDICT_ERROR);
}

TEST_F(ExecutorTest, AConvergedTestWhoseAttemptsDisagreedIsAFlakyPass) {
  prober_.statuses["http://x/c"] = {503, 200, 200};
  auto [results, outcome] = Run(
      "tests:\n  - {name: a, http: {url: \"http://x/c\"}, retry: {attempts: 5, converge: 2}}\n");
  EXPECT_EQ(results[0].verdict(), rv1::TEST_VERDICT_PASS);
  EXPECT_EQ(results[0].attempts(), 3u);
  EXPECT_TRUE(results[0].passed_on_retry());
  EXPECT_TRUE(results[0].flaky());
  EXPECT_THAT(results[0].reason(), Not(HasSubstr("converge")));
}

TEST_F(ExecutorTest, AttemptsThatAgreeAreNotFlaky) {
  prober_.statuses["http://x/stable"] = {200};
  prober_.statuses["http://x/down"] = {503};
  prober_.statuses["http://x/err"] = {kUnobservable, 503};
  auto [results, outcome] = Run(
      "tests:\n  - {name: a, http: {url: \"http://x/stable\"}, retry: {attempts: 3, converge: 3}}\n"
      "  - {name: b, http: {url: \"http://x/down\"}, retry: {attempts: 3, on_failure: true}}\n"
      "  - {name: c, http: {url: \"http://x/err\"}, retry: {attempts: 3}}\n");
  EXPECT_EQ(results[0].verdict(), rv1::TEST_VERDICT_PASS);
  EXPECT_EQ(results[0].attempts(), 3u);
  EXPECT_FALSE(results[0].flaky());
  EXPECT_EQ(results[1].verdict(), rv1::TEST_VERDICT_FAIL);
  EXPECT_EQ(results[1].attempts(), 3u);
  EXPECT_FALSE(results[1].flaky());
  // An ERROR then a FAIL: neither passed, so they do not disagree about passing.
  EXPECT_EQ(results[2].verdict(), rv1::TEST_VERDICT_FAIL);
  EXPECT_FALSE(results[2].flaky());
}

TEST_F(ExecutorTest, TheLedgerListsTestsThatCouldNotDecideButOnlyAnObservationDecidesAClaim) {
  prober_.statuses["http://x/bad"] = {503};
  prober_.statuses["http://x/err"] = {kUnobservable};
  auto [results, outcome] =
      Run("tests:\n  - {name: z-pass, http: {url: \"http://x/a\"}, claims: [C1, C3]}\n"
          "  - {name: a-error, http: {url: \"http://x/err\"}, claims: [C1, C2, C3]}\n"
          "  - {name: m-fail, http: {url: \"http://x/bad\"}, claims: [C3]}\n"
          "deferred:\n  - {name: later, reason: not yet, http: {url: \"http://x/later\"}, claims: "
          "[C2]}\n"
          "claims:\n  - {id: C1, text: one}\n  - {id: C2, text: two}\n  - {id: C3, text: three}\n");
  ASSERT_EQ(outcome.claims_size(), 3);
  // C1: a pass and an error: confirmed; the error is listed, sorted by test name.
  EXPECT_EQ(outcome.claims(0).verdict(), rv1::CLAIM_VERDICT_CONFIRMED);
  ASSERT_EQ(outcome.claims(0).tests_size(), 2);
  EXPECT_EQ(outcome.claims(0).tests(0).test(), "a-error");
  EXPECT_EQ(outcome.claims(0).tests(0).verdict(), rv1::TEST_VERDICT_ERROR);
  EXPECT_EQ(outcome.claims(0).tests(1).test(), "z-pass");
  // C2: an error and a deferral: untested, both listed so a reader sees why.
  EXPECT_EQ(outcome.claims(1).verdict(), rv1::CLAIM_VERDICT_UNTESTED);
  ASSERT_EQ(outcome.claims(1).tests_size(), 2);
  EXPECT_EQ(outcome.claims(1).tests(1).test(), "later");
  EXPECT_EQ(outcome.claims(1).tests(1).verdict(), rv1::TEST_VERDICT_SKIPPED);
  // C3: a failure refutes whatever else there is.
  EXPECT_EQ(outcome.claims(2).verdict(), rv1::CLAIM_VERDICT_REFUTED);
  EXPECT_EQ(outcome.claims(2).tests_size(), 3);
}

}  // namespace
}  // namespace meshproof::agent
