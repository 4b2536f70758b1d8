#include "services/scheduler/run_queue.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/status_macros.h"

namespace meshproof::scheduler {
namespace {

constexpr char kColumns[] =
    "id, run, scenario, COALESCE(request_id, ''), assignment_id, lease_expiry_us, deadline_us,"
    " acked_seq, store_begun";
// The same with an empty blob in place of the scenario (ScenarioColumn::kSkip): SQLite
// then does not read the scenario's overflow pages either.
constexpr char kColumnsWithoutScenario[] =
    "id, run, X'', COALESCE(request_id, ''), assignment_id, lease_expiry_us, deadline_us,"
    " acked_seq, store_begun";

const char* Columns(ScenarioColumn scenario) {
  return scenario == ScenarioColumn::kRead ? kColumns : kColumnsWithoutScenario;
}

int64_t TimeToMicros(absl::Time t) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return 0;
  return absl::ToUnixMicros(t);
}

std::string StateList(const std::vector<v1::RunState>& states) {
  return absl::StrJoin(states, ",", [](std::string* out, v1::RunState s) {
    absl::StrAppend(out, static_cast<int>(s));
  });
}

}  // namespace

const char kRenewLeaseSql[] =
    "UPDATE runs SET lease_expiry_us = ?3 WHERE assignment_id = ?1 AND agent_id = ?2"
    " AND state = ?4";

bool IsTerminal(v1::RunState state) {
  switch (state) {
    case v1::RUN_STATE_PASSED:
    case v1::RUN_STATE_FAILED:
    case v1::RUN_STATE_INCONCLUSIVE:
    case v1::RUN_STATE_ERROR:
    case v1::RUN_STATE_CANCELLED:
    case v1::RUN_STATE_TIMED_OUT: return true;
    default: return false;
  }
}

absl::StatusOr<std::vector<RunRow>> RunQueue::ReadAll(Statement& stmt) {
  std::vector<RunRow> rows;
  while (true) {
    MP_ASSIGN_OR_RETURN(bool has, stmt.Step());
    if (!has) break;
    RunRow row;
    row.id = stmt.Int(0);
    if (!row.run.ParseFromString(std::string(stmt.Blob(1))) ||
        !row.scenario.ParseFromString(std::string(stmt.Blob(2)))) {
      return absl::InternalError("a stored run cannot be read");
    }
    row.request_id = stmt.Text(3);
    row.assignment_id = stmt.Text(4);
    row.lease_expiry = stmt.Int(5) == 0 ? absl::InfinitePast() : absl::FromUnixMicros(stmt.Int(5));
    row.deadline = stmt.Int(6) == 0 ? absl::InfiniteFuture() : absl::FromUnixMicros(stmt.Int(6));
    row.acked_seq = static_cast<uint64_t>(stmt.Int(7));
    row.store_begun = stmt.Int(8) != 0;
    rows.push_back(std::move(row));
  }
  return rows;
}

absl::Status RunQueue::Insert(RunRow* row) {
  if (!row->request_id.empty()) {
    MP_ASSIGN_OR_RETURN(std::optional<RunRow> existing, FindByRequestId(row->request_id));
    if (existing) {
      return absl::AlreadyExistsError(absl::StrCat(
          "request_id: \"", row->request_id, "\" already started run ", existing->run.run_id()));
    }
  }
  MP_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare("INSERT INTO runs (run_id, request_id, scenario_name, schedule_id, state,"
                   " attempt, agent_id, assignment_id, lease_expiry_us, deadline_us, acked_seq,"
                   " store_begun, run, scenario, created_us, team)"
                   " VALUES (?1, NULLIF(?2, ''), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
                   " ?14, ?15, ?16)"));
  std::string run_blob, scenario_blob;
  row->run.SerializeToString(&run_blob);
  row->scenario.SerializeToString(&scenario_blob);
  MP_RETURN_IF_ERROR(stmt.BindText(1, row->run.run_id())
                         .BindText(2, row->request_id)
                         .BindText(3, row->run.scenario())
                         .BindText(4, row->run.schedule_id())
                         .Bind(5, row->run.state())
                         .Bind(6, row->run.attempt())
                         .BindText(7, row->run.agent_id())
                         .BindText(8, row->assignment_id)
                         .Bind(9, TimeToMicros(row->lease_expiry))
                         .Bind(10, TimeToMicros(row->deadline))
                         .Bind(11, static_cast<int64_t>(row->acked_seq))
                         .Bind(12, row->store_begun ? 1 : 0)
                         .BindBlob(13, run_blob)
                         .BindBlob(14, scenario_blob)
                         .Bind(15, row->run.created_at().seconds() * 1000000 +
                                       row->run.created_at().nanos() / 1000)
                         .BindText(16, row->run.team())
                         .Run());
  row->id = db_->LastInsertRowId();
  return absl::OkStatus();
}

absl::Status RunQueue::Update(const RunRow& row) {
  MP_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare("UPDATE runs SET state = ?2, attempt = ?3, agent_id = ?4, assignment_id = ?5,"
                   " lease_expiry_us = ?6, deadline_us = ?7, acked_seq = ?8, store_begun = ?9,"
                   " run = ?10 WHERE run_id = ?1"));
  std::string run_blob;
  row.run.SerializeToString(&run_blob);
  MP_RETURN_IF_ERROR(stmt.BindText(1, row.run.run_id())
                         .Bind(2, row.run.state())
                         .Bind(3, row.run.attempt())
                         .BindText(4, row.run.agent_id())
                         .BindText(5, row.assignment_id)
                         .Bind(6, TimeToMicros(row.lease_expiry))
                         .Bind(7, TimeToMicros(row.deadline))
                         .Bind(8, static_cast<int64_t>(row.acked_seq))
                         .Bind(9, row.store_begun ? 1 : 0)
                         .BindBlob(10, run_blob)
                         .Run());
  if (db_->Changes() != 1) return absl::InternalError("updated a run that is not stored");
  return absl::OkStatus();
}

absl::StatusOr<std::optional<RunRow>> RunQueue::Find(const std::string& run_id,
                                                     ScenarioColumn scenario) {
  MP_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare(absl::StrCat("SELECT ", Columns(scenario),
                                                                " FROM runs WHERE run_id = ?1")));
  stmt.BindText(1, run_id);
  MP_ASSIGN_OR_RETURN(std::vector<RunRow> rows, ReadAll(stmt));
  if (rows.empty()) return std::nullopt;
  return std::move(rows[0]);
}

absl::StatusOr<std::optional<RunRow>> RunQueue::FindByRequestId(const std::string& request_id) {
  MP_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare(absl::StrCat("SELECT ", kColumns, " FROM runs WHERE request_id = ?1")));
  stmt.BindText(1, request_id);
  MP_ASSIGN_OR_RETURN(std::vector<RunRow> rows, ReadAll(stmt));
  if (rows.empty()) return std::nullopt;
  return std::move(rows[0]);
}

absl::StatusOr<std::vector<RunRow>> RunQueue::InStates(const std::vector<v1::RunState>& states) {
  // The state list is built from enum values, never from user text.
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare(absl::StrCat("SELECT ", kColumns, " FROM runs WHERE state IN (",
                                                StateList(states), ") ORDER BY id")));
  return ReadAll(stmt);
}

absl::StatusOr<std::vector<RunRow>> RunQueue::List(const std::string& team,
                                                   const std::string& scenario,
                                                   const std::string& schedule_id,
                                                   const std::vector<v1::RunState>& states,
                                                   int64_t before, int limit) {
  std::string sql = absl::StrCat("SELECT ", kColumnsWithoutScenario,
                                 " FROM runs WHERE (?1 = '' OR scenario_name = ?1)"
                                 " AND (?2 = '' OR schedule_id = ?2) AND (?3 = 0 OR id < ?3)"
                                 " AND (?5 = '' OR team = ?5)");
  if (!states.empty()) absl::StrAppend(&sql, " AND state IN (", StateList(states), ")");
  absl::StrAppend(&sql, " ORDER BY id DESC LIMIT ?4");
  MP_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare(sql));
  stmt.BindText(1, scenario).BindText(2, schedule_id).Bind(3, before).Bind(4, limit);
  stmt.BindText(5, team);
  return ReadAll(stmt);
}

absl::StatusOr<std::vector<RunRow>> RunQueue::ActiveForSchedule(const std::string& schedule_id) {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare(absl::StrCat(
                          "SELECT ", kColumns, " FROM runs WHERE schedule_id = ?1 AND state IN (",
                          StateList({v1::RUN_STATE_PENDING, v1::RUN_STATE_AWAITING_APPROVAL,
                                     v1::RUN_STATE_QUEUED, v1::RUN_STATE_RUNNING}),
                          ") ORDER BY id")));
  stmt.BindText(1, schedule_id);
  return ReadAll(stmt);
}

absl::StatusOr<bool> RunQueue::RenewLease(const std::string& assignment_id,
                                          const std::string& agent_id, absl::Time expiry) {
  if (assignment_id.empty()) return false;
  MP_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare(kRenewLeaseSql));
  MP_RETURN_IF_ERROR(stmt.BindText(1, assignment_id)
                         .BindText(2, agent_id)
                         .Bind(3, TimeToMicros(expiry))
                         .Bind(4, static_cast<int>(v1::RUN_STATE_RUNNING))
                         .Run());
  return db_->Changes() > 0;
}

absl::StatusOr<std::map<std::string, int>> RunQueue::RunningPerAgent() {
  MP_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare(absl::StrCat("SELECT agent_id, COUNT(*) FROM runs WHERE state = ",
                                static_cast<int>(v1::RUN_STATE_RUNNING), " GROUP BY agent_id")));
  std::map<std::string, int> counts;
  while (true) {
    MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    counts[stmt.Text(0)] = static_cast<int>(stmt.Int(1));
  }
  return counts;
}

absl::StatusOr<bool> RunQueue::InsertResult(const std::string& run_id, uint32_t attempt,
                                            const meshproof::result::v1::TestResult& result,
                                            absl::Time now) {
  MP_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare("INSERT OR IGNORE INTO results_received (run_id, attempt, test, phase, verdict,"
                   " result, received_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  std::string blob;
  result.SerializeToString(&blob);
  MP_RETURN_IF_ERROR(stmt.BindText(1, run_id)
                         .Bind(2, attempt)
                         .BindText(3, result.test())
                         .Bind(4, result.phase())
                         .Bind(5, result.verdict())
                         .BindBlob(6, blob)
                         .Bind(7, absl::ToUnixMicros(now))
                         .Run());
  return db_->Changes() > 0;
}

absl::StatusOr<std::vector<meshproof::result::v1::TestResult>> RunQueue::Results(
    const std::string& run_id, uint32_t attempt) {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare("SELECT result FROM results_received WHERE run_id = ?1 AND"
                                   " attempt = ?2 ORDER BY received_us, phase, test"));
  stmt.BindText(1, run_id).Bind(2, attempt);
  std::vector<meshproof::result::v1::TestResult> results;
  while (true) {
    MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    meshproof::result::v1::TestResult r;
    if (!r.ParseFromString(std::string(stmt.Blob(0)))) {
      return absl::InternalError("a stored result cannot be read");
    }
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace meshproof::scheduler
