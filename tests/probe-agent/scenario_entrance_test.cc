// The agent's one entrance, over both ways in: a direct call (what the gRPC adapter
// passes) and a scheduler assignment (what the link passes). Both validate the scenario,
// share one cap on running scenarios, refuse work while shutting down, and stamp the
// agent's environment; only an assignment carries approval. A fake prober answers 200
// and can hold a probe until the test lets it go.
#include "services/probe-agent/scenario_entrance.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "services/scenario/scenario_parser.h"
#include "tests/testing/fake_clock.h"

namespace meshproof::agent {
namespace {

namespace av1 = ::meshproof::agent::v1;
namespace rv1 = ::meshproof::result::v1;
namespace sv1 = ::meshproof::scenario::v1;
namespace schedv1 = ::meshproof::scheduler::v1;
using ::testing::HasSubstr;

// Answers every probe 200 and counts them by URL; with `hold` set, a probe waits until
// the test calls Release().
class GateProber : public Prober {
 public:
  absl::StatusOr<rv1::ProbeOutcome> Run(const sv1::Probe& probe, const sv1::Defaults&,
                                        const CancelledFn&) override {
    absl::MutexLock lock(&mu_);
    ++calls_[probe.http().url()];
    ++in_flight_;
    mu_.Await(absl::Condition(
        +[](GateProber* p) { return !p->hold_; }, this));
    --in_flight_;
    rv1::ProbeOutcome outcome;
    outcome.mutable_http()->set_status_code(200);
    return outcome;
  }
  absl::StatusOr<std::string> Fetch(const sv1::HttpProbe&, size_t) override {
    return absl::UnavailableError("no fetches here");
  }
  void Hold() {
    absl::MutexLock lock(&mu_);
    hold_ = true;
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    hold_ = false;
  }
  // Waits (bounded) until `n` probes are held.
  bool WaitInFlight(int n) {
    absl::MutexLock lock(&mu_);
    auto ready = [this, n] { return in_flight_ >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Seconds(10));
  }
  int calls(const std::string& url) {
    absl::MutexLock lock(&mu_);
    return calls_[url];
  }

 private:
  absl::Mutex mu_;
  bool hold_ ABSL_GUARDED_BY(mu_) = false;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, int> calls_ ABSL_GUARDED_BY(mu_);
};

constexpr char kScenario[] = R"yaml(apiVersion: meshproof/v1
kind: Scenario
name: entrance
tests:
  - name: plain
    http: {url: "http://127.0.0.1:9/plain"}
    expect: {status: 200}
deferred:
  - name: gated
    reason: changes mesh-global state
    requires_approval: true
    http: {url: "http://127.0.0.1:9/gated"}
    expect: {status: 200}
)yaml";

sv1::Scenario Valid() {
  auto parsed = scenario::ParseScenario(kScenario, {});
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : sv1::Scenario();
}

// A scenario the parser would never produce: a test with no probe.
sv1::Scenario Invalid() {
  sv1::Scenario bad;
  bad.set_name("bad");
  bad.add_tests()->set_name("t");
  return bad;
}

schedv1::Assignment AssignmentOf(const sv1::Scenario& scenario, bool approved) {
  schedv1::Assignment a;
  a.set_assignment_id("a-1");
  a.set_run_id("run-1");
  a.set_attempt(1);
  *a.mutable_scenario() = scenario;
  a.set_approved(approved);
  return a;
}

class ScenarioEntranceTest : public ::testing::Test {
 protected:
  ScenarioEntranceTest()
      : executor_(
            &prober_, &clock_, [this](absl::Duration d) { clock_.Advance(d); },
            [](const sv1::LogSource&) -> absl::StatusOr<std::unique_ptr<LogSource>> {
              return absl::UnimplementedError("no log sources here");
            }),
        entrance_(&executor_, &clock_, Info(), /*max_scenarios=*/1) {}

  static av1::AgentInfo Info() {
    av1::AgentInfo info;
    info.set_agent_id("agent-1");
    info.set_cluster("east");
    info.set_namespace_("meshproof");
    info.set_version("9.9.9");
    info.set_environment_kind("cluster");
    return info;
  }

  std::map<std::string, rv1::TestResult> Collect(const schedv1::Assignment& a,
                                                 rv1::ScenarioOutcome* outcome) {
    std::map<std::string, rv1::TestResult> results;
    *outcome = entrance_.ExecuteAssignment(
        a, [&](const rv1::TestResult& r) { results[r.test()] = r; }, [] { return false; });
    return results;
  }

  static void ExpectEnvironment(const rv1::ScenarioOutcome& outcome) {
    EXPECT_EQ(outcome.environment().cluster(), "east");
    EXPECT_EQ(outcome.environment().namespace_(), "meshproof");
    EXPECT_EQ(outcome.environment().agent_version(), "9.9.9");
    EXPECT_EQ(outcome.environment().kind(), "cluster");
  }

  testing::FakeClock clock_;
  GateProber prober_;
  ScenarioExecutor executor_;
  ScenarioEntrance entrance_;
};

TEST_F(ScenarioEntranceTest, TheLinkPathStampsTheEnvironmentAndRunsGatedTestsOnlyWhenApproved) {
  rv1::ScenarioOutcome outcome;
  auto unapproved = Collect(AssignmentOf(Valid(), /*approved=*/false), &outcome);
  EXPECT_EQ(outcome.verdict(), rv1::RUN_VERDICT_PASSED) << outcome.reason();
  ExpectEnvironment(outcome);
  EXPECT_EQ(unapproved["gated"].verdict(), rv1::TEST_VERDICT_SKIPPED);
  EXPECT_EQ(prober_.calls("http://127.0.0.1:9/gated"), 0);

  auto approved = Collect(AssignmentOf(Valid(), /*approved=*/true), &outcome);
  ExpectEnvironment(outcome);
  EXPECT_EQ(approved["gated"].verdict(), rv1::TEST_VERDICT_PASS) << approved["gated"].reason();
  EXPECT_EQ(prober_.calls("http://127.0.0.1:9/gated"), 1);
}

TEST_F(ScenarioEntranceTest, TheDirectPathStampsTheEnvironmentToo) {
  const sv1::Scenario scenario = Valid();
  auto outcome = entrance_.Execute(
      &scenario, ExecuteOptions(), [](const rv1::TestResult&) {}, [] { return false; });
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ExpectEnvironment(*outcome);
}

TEST_F(ScenarioEntranceTest, TheLinkPathValidatesTheScenario) {
  rv1::ScenarioOutcome outcome;
  auto results = Collect(AssignmentOf(Invalid(), /*approved=*/false), &outcome);
  EXPECT_TRUE(results.empty());
  EXPECT_EQ(outcome.verdict(), rv1::RUN_VERDICT_ERROR);
  EXPECT_THAT(outcome.reason(), HasSubstr("the agent refused the assignment: scenario bad: "));
  EXPECT_THAT(outcome.reason(), HasSubstr("tests[0]: expected exactly one probe"));
  ExpectEnvironment(outcome);

  // The same rule, the same words, on the direct path.
  const sv1::Scenario invalid = Invalid();
  auto direct = entrance_.Execute(&invalid, ExecuteOptions(), nullptr, nullptr);
  EXPECT_EQ(direct.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(direct.status().message()),
              HasSubstr("tests[0]: expected exactly one probe"));
  EXPECT_EQ(entrance_.Execute(nullptr, ExecuteOptions(), nullptr, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ScenarioEntranceTest, BothPathsRefuseAnOnlyTestsNameThatMatchesNoTest) {
  const sv1::Scenario scenario = Valid();
  ExecuteOptions options;
  options.only_tests = {"plain", "plian"};
  auto direct = entrance_.Execute(
      &scenario, options, [](const rv1::TestResult&) {}, [] { return false; });
  EXPECT_EQ(direct.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      std::string(direct.status().message()),
      HasSubstr("only_tests[1]: scenario \"" + scenario.name() + "\" has no test \"plian\""));

  schedv1::Assignment a = AssignmentOf(scenario, /*approved=*/false);
  a.add_only_tests("missing");
  rv1::ScenarioOutcome outcome;
  auto results = Collect(a, &outcome);
  EXPECT_TRUE(results.empty());
  EXPECT_EQ(outcome.verdict(), rv1::RUN_VERDICT_ERROR);
  EXPECT_THAT(outcome.reason(), HasSubstr("has no test \"missing\""));
  EXPECT_EQ(prober_.calls("http://127.0.0.1:9/plain"), 0);

  // A name that does match still selects just that test.
  options.only_tests = {"plain"};
  std::map<std::string, rv1::TestResult> selected;
  auto ok = entrance_.Execute(
      &scenario, options, [&](const rv1::TestResult& r) { selected[r.test()] = r; },
      [] { return false; });
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(selected.size(), 1u);
  EXPECT_EQ(selected.count("plain"), 1u);
}

TEST_F(ScenarioEntranceTest, BothPathsShareOneCap) {
  prober_.Hold();
  const sv1::Scenario scenario = Valid();
  absl::StatusOr<rv1::ScenarioOutcome> first;
  std::thread running([&] {
    first = entrance_.Execute(
        &scenario, ExecuteOptions(), [](const rv1::TestResult&) {}, [] { return false; });
  });
  ASSERT_TRUE(prober_.WaitInFlight(1));
  EXPECT_EQ(entrance_.running(), 1);

  // The cap is 1: an assignment now is refused, as is a direct call.
  rv1::ScenarioOutcome outcome;
  auto results = Collect(AssignmentOf(scenario, /*approved=*/false), &outcome);
  EXPECT_TRUE(results.empty());
  EXPECT_EQ(outcome.verdict(), rv1::RUN_VERDICT_ERROR);
  EXPECT_THAT(outcome.reason(), HasSubstr("the agent already runs 1 scenarios"));
  ExpectEnvironment(outcome);
  auto direct = entrance_.Execute(&scenario, ExecuteOptions(), nullptr, nullptr);
  EXPECT_EQ(direct.status().code(), absl::StatusCode::kResourceExhausted);

  prober_.Release();
  running.join();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(entrance_.running(), 0);
  // A slot freed is a slot for the link again.
  Collect(AssignmentOf(scenario, /*approved=*/false), &outcome);
  EXPECT_EQ(outcome.verdict(), rv1::RUN_VERDICT_PASSED) << outcome.reason();
}

TEST_F(ScenarioEntranceTest, ShuttingDownRefusesBothPaths) {
  entrance_.Shutdown();
  rv1::ScenarioOutcome outcome;
  Collect(AssignmentOf(Valid(), /*approved=*/false), &outcome);
  EXPECT_EQ(outcome.verdict(), rv1::RUN_VERDICT_ERROR);
  EXPECT_THAT(outcome.reason(), HasSubstr("shutting down"));
  const sv1::Scenario scenario = Valid();
  EXPECT_EQ(entrance_.Execute(&scenario, ExecuteOptions(), nullptr, nullptr).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(prober_.calls("http://127.0.0.1:9/plain"), 0);
}

}  // namespace
}  // namespace meshproof::agent
