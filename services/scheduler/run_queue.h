// The durable run queue: one row per run (the API's Run plus what the loops need: the
// substituted scenario, the lease, the deadline, the acked report sequence) and the
// results received from agents. Callers hold the database's lock and, for writes, a
// transaction.
#ifndef MESHPROOF_SERVICES_SCHEDULER_RUN_QUEUE_H_
#define MESHPROOF_SERVICES_SCHEDULER_RUN_QUEUE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "meshproof/result/v1/result.pb.h"
#include "meshproof/scenario/v1/scenario.pb.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"
#include "services/scheduler/database.h"

namespace meshproof::scheduler {

struct RunRow {
  int64_t id = 0;  // creation order; set by Insert
  v1::Run run;
  // The scenario with the run's variables substituted: what the agent executes.
  meshproof::scenario::v1::Scenario scenario;
  std::string request_id;
  std::string assignment_id;
  // InfinitePast when the run holds no lease.
  absl::Time lease_expiry = absl::InfinitePast();
  // InfiniteFuture while no deadline applies (awaiting approval).
  absl::Time deadline = absl::InfiniteFuture();
  uint64_t acked_seq = 0;
  bool store_begun = false;
};

// Whether a read of runs parses each run's substituted scenario. Only the steps that hand
// a run to an agent need it; the API's reads of runs (GetRun, ListRuns, a schedule's
// recent fires) do not, and for a scenario of 1000 tests parsing it is most of what such
// a read costs, under the scheduler's one lock.
enum class ScenarioColumn { kRead, kSkip };

// Returns whether `state` is one a run ends in.
bool IsTerminal(v1::RunState state);

// The statement RenewLease runs (tests check its query plan).
extern const char kRenewLeaseSql[];

class RunQueue {
 public:
  explicit RunQueue(Database* db) : db_(db) {}

  // Inserts a new run; sets row->id. ALREADY_EXISTS when the request_id is taken.
  absl::Status Insert(RunRow* row);
  // Writes every mutable column of an existing run.
  absl::Status Update(const RunRow& row);
  // With ScenarioColumn::kSkip the row's `scenario` is left empty.
  absl::StatusOr<std::optional<RunRow>> Find(const std::string& run_id,
                                             ScenarioColumn scenario = ScenarioColumn::kRead);
  absl::StatusOr<std::optional<RunRow>> FindByRequestId(const std::string& request_id);
  // Runs in any of `states`, oldest first.
  absl::StatusOr<std::vector<RunRow>> InStates(const std::vector<v1::RunState>& states);
  // Newest first, id < before (0: no bound); empty filters match all. For the API: the
  // rows' `scenario` is left empty (ScenarioColumn::kSkip).
  absl::StatusOr<std::vector<RunRow>> List(const std::string& team, const std::string& scenario,
                                           const std::string& schedule_id,
                                           const std::vector<v1::RunState>& states, int64_t before,
                                           int limit);
  // Runs of `schedule_id` not yet ended.
  absl::StatusOr<std::vector<RunRow>> ActiveForSchedule(const std::string& schedule_id);
  // Moves the lease of the RUNNING run whose assignment `assignment_id` agent `agent_id`
  // holds to `expiry`, by index, without reading the run. Returns false when no such run
  // is running (it ended, or moved to another agent).
  absl::StatusOr<bool> RenewLease(const std::string& assignment_id, const std::string& agent_id,
                                  absl::Time expiry);
  // Number of RUNNING runs per agent id.
  absl::StatusOr<std::map<std::string, int>> RunningPerAgent();

  // Records a result of (run_id, attempt). Returns false when one with the same
  // (test, phase) was already recorded (a resent report): nothing changes then.
  absl::StatusOr<bool> InsertResult(const std::string& run_id, uint32_t attempt,
                                    const meshproof::result::v1::TestResult& result,
                                    absl::Time now);
  // The results of (run_id, attempt) in the order received.
  absl::StatusOr<std::vector<meshproof::result::v1::TestResult>> Results(const std::string& run_id,
                                                                         uint32_t attempt);

 private:
  absl::StatusOr<std::vector<RunRow>> ReadAll(Statement& stmt);
  Database* db_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_RUN_QUEUE_H_
