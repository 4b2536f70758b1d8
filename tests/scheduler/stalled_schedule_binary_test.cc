// A schedule whose scenario has an approval-gated test, with the real meshproof-store,
// meshproof-scheduler and meshproof-agent processes: nobody approves, yet the next fire
// still starts a run, and each timed-out run ends as its schedule's on_approval_timeout
// says — run_without_gated executes the other tests and never the gated one (the probe
// target counts what reached it), cancel ends the run CANCELLED. The store holds what
// happened. Intervals and timeouts are seconds long, so the test takes seconds.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/time_util.h"
#include "tests/scheduler/three_services.h"

namespace meshproof::scheduler::testing {
namespace {

namespace rv1 = meshproof::result::v1;
namespace sv1 = meshproof::store::v1;
using ::testing::HasSubstr;

class StalledScheduleBinaryTest : public ThreeServicesTest {};

// One plain test and one gated test, both against the counting server.
std::string GatedScenario(const std::string& name, int port) {
  return absl::StrCat("apiVersion: meshproof/v1\nkind: Scenario\nname: ", name,
                      "\nteam: platform\ntarget: {cluster: lab}\ntests:\n"
                      "  - name: plain\n    http: {url: \"http://127.0.0.1:",
                      port, "/", name,
                      "/plain\"}\n    expect: {status: 200}\n"
                      "deferred:\n  - name: gated\n    reason: changes mesh-global state\n"
                      "    requires_approval: true\n    http: {url: \"http://127.0.0.1:",
                      port, "/", name, "/gated\"}\n    expect: {status: 200}\n");
}

TEST_F(StalledScheduleBinaryTest, NobodyApprovesYetTheScheduleKeepsFiringAndRunsEndAsDeclared) {
  Submit(GatedScenario("night", http_.port()));
  Submit(GatedScenario("strict", http_.port()));
  CreateSchedule("night", "night", v1::APPROVAL_TIMEOUT_POLICY_RUN_WITHOUT_GATED);
  CreateSchedule("strict", "strict", v1::APPROVAL_TIMEOUT_POLICY_CANCEL);

  // The second fire starts a run although the first still waits for approval: it was
  // created before the first run's approval deadline, and its fire record says so.
  std::vector<v1::Run> runs =
      WaitForRuns("night", [](const std::vector<v1::Run>& r) { return r.size() >= 2; });
  ASSERT_GE(runs.size(), 2u);
  const std::string first = runs[0].run_id();
  ASSERT_TRUE(runs[0].has_approval_deadline());
  EXPECT_LT(FromProtoTimestamp(runs[1].created_at()),
            FromProtoTimestamp(runs[0].approval_deadline()));
  v1::Schedule night = GetSchedule("night");
  ASSERT_TRUE(night.has_last_fire());
  bool second_fire_seen = false;
  for (const v1::FireRecord& f : night.recent()) {
    if (f.run_id() != runs[1].run_id()) continue;
    second_fire_seen = true;
    EXPECT_EQ(f.outcome(), v1::FireRecord::OUTCOME_STARTED);
    EXPECT_THAT(f.message(), HasSubstr("fired although run " + first + " still awaits approval"));
  }
  EXPECT_TRUE(second_fire_seen);
  EXPECT_FALSE(night.waiting_for().empty());

  // run_without_gated: the first run ends when its approval deadline passes, having run
  // the plain test and not the gated one.
  runs = WaitForRuns("night", [&](const std::vector<v1::Run>& r) {
    return !r.empty() && r[0].state() == v1::RUN_STATE_PASSED;
  });
  ASSERT_FALSE(runs.empty());
  EXPECT_FALSE(runs[0].approval().approved());
  EXPECT_THAT(runs[0].approval().reason(), HasSubstr("on_approval_timeout: run_without_gated"));
  EXPECT_GE(Requests("/night/plain"), 1);
  EXPECT_EQ(Requests("/night/gated"), 0);
  std::optional<sv1::RunDetail> stored =
      ::meshproof::testing::WaitForFinishedRun(*store_stub_, first, 2);
  ASSERT_TRUE(stored.has_value());
  std::map<std::string, rv1::TestResult> by_test;
  for (const rv1::TestResult& r : stored->results()) by_test[r.test()] = r;
  EXPECT_EQ(by_test["plain"].verdict(), rv1::TEST_VERDICT_PASS);
  EXPECT_EQ(by_test["gated"].verdict(), rv1::TEST_VERDICT_SKIPPED);
  EXPECT_THAT(by_test["gated"].reason(), HasSubstr("not approved"));

  // cancel: the strict schedule's first run ends CANCELLED with the reason; nothing of
  // its scenario was probed, and its schedule fired again meanwhile.
  std::vector<v1::Run> strict = WaitForRuns("strict", [](const std::vector<v1::Run>& r) {
    return r.size() >= 2 && r[0].state() == v1::RUN_STATE_CANCELLED;
  });
  ASSERT_GE(strict.size(), 2u);
  EXPECT_THAT(strict[0].reason(), HasSubstr("on_approval_timeout: cancel"));
  EXPECT_EQ(Requests("/strict/plain"), 0);
  EXPECT_EQ(Requests("/strict/gated"), 0);
  std::optional<sv1::RunDetail> cancelled =
      ::meshproof::testing::WaitForFinishedRun(*store_stub_, strict[0].run_id(), 2);
  ASSERT_TRUE(cancelled.has_value());
  EXPECT_EQ(cancelled->run().verdict(), rv1::RUN_VERDICT_CANCELLED);
  for (const rv1::TestResult& r : cancelled->results()) {
    EXPECT_EQ(r.verdict(), rv1::TEST_VERDICT_NOT_RUN) << r.test();
  }
}

}  // namespace
}  // namespace meshproof::scheduler::testing
