// The API's reads of runs (GetRun, ListRuns) leave the run's substituted scenario unread:
// under the scheduler's one lock, parsing a large scenario for every listed run made
// ListRuns cost milliseconds per call and queued every other call behind it. The steps
// that hand a run to an agent still read it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/scheduler/run_queue.h"
#include "tests/scheduler/scheduler_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::scheduler::testing {
namespace {

using ::meshproof::testing::StatusIs;

TEST(RunReadsTest, ApiReadsSkipTheScenarioAndTheQueueStillReadsIt) {
  SchedulerHarness h;
  MP_ASSERT_OK(h.Open());
  MP_ASSERT_OK(h.Submit(kPlainScenario).status());
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("plain", {{"PORT", "8080"}}));

  // A second connection to the same file, as the scheduler's own reads see it.
  MP_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(h.dir.File("scheduler.db"), {}));
  RunQueue queue(db.get());
  MP_ASSERT_OK_AND_ASSIGN(std::optional<RunRow> full, queue.Find(run.run_id()));
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(full->scenario.tests_size(), 2);
  MP_ASSERT_OK_AND_ASSIGN(std::optional<RunRow> slim,
                          queue.Find(run.run_id(), ScenarioColumn::kSkip));
  ASSERT_TRUE(slim.has_value());
  EXPECT_EQ(slim->run.run_id(), run.run_id());
  EXPECT_EQ(slim->scenario.tests_size(), 0);

  // An unreadable scenario: only a read that parses it can fail.
  MP_ASSERT_OK(db->Exec("UPDATE runs SET scenario = X'FF'"));
  EXPECT_THAT(queue.Find(run.run_id()), StatusIs(absl::StatusCode::kInternal));
  MP_ASSERT_OK(queue.Find(run.run_id(), ScenarioColumn::kSkip).status());

  EXPECT_EQ(h.Get(run.run_id()).state(), run.state());
  v1::ListRunsRequest list;
  MP_ASSERT_OK_AND_ASSIGN(v1::ListRunsResponse listed, h.scheduler->ListRuns(list));
  ASSERT_EQ(listed.runs_size(), 1);
  EXPECT_EQ(listed.runs(0).run_id(), run.run_id());
  EXPECT_EQ(listed.runs(0).scenario(), "plain");
}

}  // namespace
}  // namespace meshproof::scheduler::testing
