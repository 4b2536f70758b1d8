// `meshproof probe` prints the claims ledger of the agent's outcome; GetClaimsLedger
// computes it in the store from the stored results. Both must give the same ledger for
// the same run: each case runs a scenario on the real executor (fake prober), stores
// what it emitted the way the scheduler forwards it, and compares the two ledgers.
#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/probe-agent/scenario_executor.h"
#include "services/results-store/results_store.h"
#include "services/scenario/scenario_parser.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace meshproof {
namespace {

namespace rv1 = ::meshproof::result::v1;
namespace sv1 = ::meshproof::scenario::v1;
namespace stv1 = ::meshproof::store::v1;

// Answers by URL: ".../fail" 503, ".../error" cannot be executed, anything else 200.
// Probing ".../cancel" cancels the call.
class FakeProber : public agent::Prober {
 public:
  std::atomic<bool> cancelled{false};
  absl::StatusOr<rv1::ProbeOutcome> Run(const sv1::Probe& probe, const sv1::Defaults&,
                                        const agent::CancelledFn&) override {
    const std::string& url = probe.http().url();
    if (absl::EndsWith(url, "/error")) return absl::UnavailableError("admin endpoint refused");
    if (absl::EndsWith(url, "/cancel")) cancelled = true;
    rv1::ProbeOutcome outcome;
    outcome.mutable_http()->set_status_code(absl::EndsWith(url, "/fail") ? 503 : 200);
    return outcome;
  }
  absl::StatusOr<std::string> Fetch(const sv1::HttpProbe&, size_t) override {
    return absl::UnavailableError("no admin");
  }
};

struct Ledgers {
  rv1::ScenarioOutcome outcome;           // what `meshproof probe` prints
  std::vector<rv1::ClaimResult> store;    // GetClaimsLedger
  std::vector<rv1::ClaimResult> get_run;  // GetRun's claims (what reports show)
};

class ClaimsAgreementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::ResultsStore::Open(dir_.File("store.db"), {}, &clock_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
  }

  // Runs `body` on the executor and stores its results, in reverse order when
  // `reverse` (the store keeps append order; the ledger must not depend on it).
  Ledgers RunAndStore(const std::string& body, bool reverse = false) {
    Ledgers out;
    auto parsed = scenario::ParseScenario(
        "apiVersion: meshproof/v1\nkind: Scenario\nname: s\n" + body, scenario::ParseOptions());
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    if (!parsed.ok()) return out;
    agent::ScenarioExecutor executor(
        &prober_, &clock_, [this](absl::Duration d) { clock_.Advance(d); },
        [](const sv1::LogSource&) -> absl::StatusOr<std::unique_ptr<agent::LogSource>> {
          return absl::UnimplementedError("no logs here");
        });
    std::vector<rv1::TestResult> emitted;
    absl::Mutex mu;
    out.outcome = executor.Execute(
        *parsed, {},
        [&](const rv1::TestResult& r) {
          absl::MutexLock lock(&mu);
          emitted.push_back(r);
        },
        [this] { return prober_.cancelled.load(); });
    if (reverse) std::reverse(emitted.begin(), emitted.end());

    const std::string run_id = absl::StrCat("run-", ++runs_);
    stv1::BeginRunRequest begin;
    begin.mutable_run()->set_run_id(run_id);
    begin.mutable_run()->set_scenario(parsed->name());
    begin.mutable_run()->set_scenario_version("v1");
    begin.mutable_run()->set_cluster("lab");
    for (const sv1::Claim& claim : parsed->claims()) *begin.mutable_run()->add_claims() = claim;
    MP_EXPECT_OK(store_->BeginRun(begin));
    stv1::AppendResultsRequest append;
    append.set_run_id(run_id);
    append.set_attempt(1);
    for (const rv1::TestResult& r : emitted) *append.add_results() = r;
    MP_EXPECT_OK(store_->AppendResults(append));
    stv1::FinishRunRequest finish;
    finish.set_run_id(run_id);
    finish.set_verdict(out.outcome.verdict());
    *finish.mutable_counts() = out.outcome.counts();
    finish.set_reason(out.outcome.reason());
    for (const rv1::ClaimResult& claim : out.outcome.claims()) *finish.add_claims() = claim;
    MP_EXPECT_OK(store_->FinishRun(finish));

    stv1::GetClaimsLedgerRequest ledger_request;
    ledger_request.set_run_id(run_id);
    auto ledger = store_->GetClaimsLedger(ledger_request);
    EXPECT_TRUE(ledger.ok()) << ledger.status();
    if (ledger.ok()) out.store.assign(ledger->claims().begin(), ledger->claims().end());
    stv1::GetRunRequest get;
    get.set_run_id(run_id);
    auto run = store_->GetRun(get);
    EXPECT_TRUE(run.ok()) << run.status();
    if (run.ok()) out.get_run.assign(run->claims().begin(), run->claims().end());
    return out;
  }

  static void ExpectSame(const Ledgers& l) {
    ASSERT_EQ(l.store.size(), static_cast<size_t>(l.outcome.claims_size()));
    ASSERT_EQ(l.get_run.size(), l.store.size());
    for (size_t i = 0; i < l.store.size(); ++i) {
      const rv1::ClaimResult& agent = l.outcome.claims(static_cast<int>(i));
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(agent, l.store[i]))
          << "agent:\n"
          << agent.DebugString() << "store:\n"
          << l.store[i].DebugString();
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(agent, l.get_run[i]))
          << "agent:\n"
          << agent.DebugString() << "GetRun:\n"
          << l.get_run[i].DebugString();
    }
  }

  static std::map<std::string, rv1::ClaimResult> ById(const Ledgers& l) {
    std::map<std::string, rv1::ClaimResult> by_id;
    for (const rv1::ClaimResult& c : l.outcome.claims()) by_id[c.id()] = c;
    return by_id;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  FakeProber prober_;
  std::unique_ptr<store::ResultsStore> store_;
  int runs_ = 0;
};

constexpr char kClaims[] =
    "claims:\n  - {id: C1, text: passes}\n  - {id: C2, text: fails}\n  - {id: C3, text: errors}\n"
    "  - {id: C4, text: deferred}\n  - {id: C5, text: mixed}\n  - {id: C6, text: nothing linked}\n";

constexpr char kMixedTests[] =
    "tests:\n"
    "  - {name: t-pass, http: {url: \"http://x/ok\"}, claims: [C1, C5]}\n"
    "  - {name: t-fail, http: {url: \"http://x/fail\"}, claims: [C2, C5]}\n"
    "  - {name: t-error, http: {url: \"http://x/error\"}, claims: [C3, C5, C1]}\n"
    "  - {name: a-pass, http: {url: \"http://x/ok2\"}, claims: [C3]}\n"
    "deferred:\n  - {name: t-later, reason: needs approval, requires_approval: true,"
    " http: {url: \"http://x/later\"}, claims: [C4, C3]}\n";

TEST_F(ClaimsAgreementTest, PassFailErrorAndSkippedTestsGiveOneLedger) {
  const Ledgers l = RunAndStore(absl::StrCat(kMixedTests, kClaims));
  ExpectSame(l);
  // The ledger under comparison is the rule's, not an empty one.
  auto by_id = ById(l);
  ASSERT_EQ(by_id.size(), 6u);
  EXPECT_EQ(by_id["C1"].verdict(), rv1::CLAIM_VERDICT_CONFIRMED);
  EXPECT_EQ(by_id["C1"].tests_size(), 2);  // the ERROR test is listed too
  EXPECT_EQ(by_id["C2"].verdict(), rv1::CLAIM_VERDICT_REFUTED);
  EXPECT_EQ(by_id["C3"].verdict(), rv1::CLAIM_VERDICT_CONFIRMED);
  EXPECT_EQ(by_id["C3"].tests_size(), 3);
  EXPECT_EQ(by_id["C4"].verdict(), rv1::CLAIM_VERDICT_UNTESTED);
  ASSERT_EQ(by_id["C4"].tests_size(), 1);
  EXPECT_EQ(by_id["C4"].tests(0).verdict(), rv1::TEST_VERDICT_SKIPPED);
  EXPECT_EQ(by_id["C5"].verdict(), rv1::CLAIM_VERDICT_REFUTED);
  EXPECT_EQ(by_id["C6"].verdict(), rv1::CLAIM_VERDICT_UNTESTED);
  EXPECT_EQ(by_id["C6"].tests_size(), 0);
}

TEST_F(ClaimsAgreementTest, AClaimOnlyAnErrorTestNamesIsUntestedInBoth) {
  const Ledgers l = RunAndStore(
      "tests:\n  - {name: t-error, http: {url: \"http://x/error\"}, claims: [C1]}\n"
      "claims:\n  - {id: C1, text: unobservable}\n");
  ExpectSame(l);
  ASSERT_EQ(l.outcome.claims_size(), 1);
  EXPECT_EQ(l.outcome.claims(0).verdict(), rv1::CLAIM_VERDICT_UNTESTED);
  ASSERT_EQ(l.outcome.claims(0).tests_size(), 1);
  EXPECT_EQ(l.outcome.claims(0).tests(0).verdict(), rv1::TEST_VERDICT_ERROR);
}

TEST_F(ClaimsAgreementTest, ParallelTestsAndAnyStoredOrderGiveOneLedger) {
  ExpectSame(RunAndStore(absl::StrCat("defaults: {parallelism: 4}\n", kMixedTests, kClaims)));
  ExpectSame(RunAndStore(absl::StrCat(kMixedTests, kClaims), /*reverse=*/true));
}

TEST_F(ClaimsAgreementTest, BlockedTestsGiveOneLedger) {
  const Ledgers l = RunAndStore(absl::StrCat(
      "preflight:\n  - {name: ready, http: {url: \"http://x/fail\"}}\n", kMixedTests, kClaims));
  ExpectSame(l);
  EXPECT_EQ(l.outcome.verdict(), rv1::RUN_VERDICT_INCONCLUSIVE);
  for (const rv1::ClaimResult& c : l.outcome.claims())
    EXPECT_EQ(c.verdict(), rv1::CLAIM_VERDICT_UNTESTED) << c.id();
  EXPECT_EQ(ById(l)["C5"].tests(0).verdict(), rv1::TEST_VERDICT_BLOCKED);
}

TEST_F(ClaimsAgreementTest, CancelledRunsGiveOneLedger) {
  const Ledgers l = RunAndStore(
      "tests:\n  - {name: t-pass, http: {url: \"http://x/ok\"}, claims: [C1]}\n"
      "  - {name: t-cancel, http: {url: \"http://x/cancel\"}, claims: [C2]}\n"
      "  - {name: t-after, http: {url: \"http://x/fail\"}, claims: [C1, C2]}\n"
      "claims:\n  - {id: C1, text: one}\n  - {id: C2, text: two}\n");
  ExpectSame(l);
  EXPECT_EQ(l.outcome.verdict(), rv1::RUN_VERDICT_CANCELLED);
  auto by_id = ById(l);
  EXPECT_EQ(by_id["C1"].verdict(), rv1::CLAIM_VERDICT_CONFIRMED);
  EXPECT_EQ(by_id["C2"].verdict(), rv1::CLAIM_VERDICT_UNTESTED);
  EXPECT_EQ(by_id["C2"].tests_size(), 2);
}

}  // namespace
}  // namespace meshproof
