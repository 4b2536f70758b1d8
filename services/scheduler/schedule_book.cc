#include "services/scheduler/schedule_book.h"

#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"
#include "services/common/time_util.h"

namespace meshproof::scheduler {
namespace {

constexpr char kColumns[] =
    "schedule, paused, next_fire_us, fire_error, fire_error_us, fire_error_fire_time_us";

}  // namespace

absl::StatusOr<std::vector<ScheduleRow>> ScheduleBook::ReadAll(Statement& stmt) {
  std::vector<ScheduleRow> rows;
  while (true) {
    MP_ASSIGN_OR_RETURN(bool has, stmt.Step());
    if (!has) break;
    ScheduleRow row;
    if (!row.schedule.ParseFromString(std::string(stmt.Blob(0)))) {
      return absl::InternalError("a stored schedule cannot be read");
    }
    row.paused = stmt.Int(1) != 0;
    row.next_fire = absl::FromUnixMicros(stmt.Int(2));
    row.fire_error = stmt.Text(3);
    row.fire_error_at = absl::FromUnixMicros(stmt.Int(4));
    row.fire_error_fire_time = absl::FromUnixMicros(stmt.Int(5));
    rows.push_back(std::move(row));
  }
  return rows;
}

absl::Status ScheduleBook::Insert(const ScheduleRow& row) {
  MP_ASSIGN_OR_RETURN(std::optional<ScheduleRow> existing, Find(row.schedule.schedule_id()));
  if (existing) {
    return absl::AlreadyExistsError(
        absl::StrCat("schedule_id: \"", row.schedule.schedule_id(), "\" already exists"));
  }
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare("INSERT INTO schedules (schedule_id, scenario_name, paused,"
                                   " next_fire_us, schedule, created_us)"
                                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  std::string blob;
  row.schedule.SerializeToString(&blob);
  return stmt.BindText(1, row.schedule.schedule_id())
      .BindText(2, row.schedule.scenario())
      .Bind(3, row.paused ? 1 : 0)
      .Bind(4, absl::ToUnixMicros(row.next_fire))
      .BindBlob(5, blob)
      .Bind(6, absl::ToUnixMicros(FromProtoTimestamp(row.schedule.created_at())))
      .Run();
}

absl::StatusOr<std::optional<ScheduleRow>> ScheduleBook::Find(const std::string& schedule_id) {
  MP_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare(absl::StrCat("SELECT ", kColumns, " FROM schedules WHERE schedule_id = ?1")));
  stmt.BindText(1, schedule_id);
  MP_ASSIGN_OR_RETURN(std::vector<ScheduleRow> rows, ReadAll(stmt));
  if (rows.empty()) return std::nullopt;
  return std::move(rows[0]);
}

absl::StatusOr<std::vector<ScheduleRow>> ScheduleBook::List(const std::string& team,
                                                            const std::string& scenario,
                                                            const std::string& after, int limit) {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare(absl::StrCat("SELECT ", kColumns,
                                                " FROM schedules WHERE schedule_id > ?1 AND"
                                                " (?2 = '' OR scenario_name = ?2)"
                                                // A schedule belongs to its scenario's team
                                                // (deleted together, owner never changes).
                                                " AND (?4 = '' OR scenario_name IN"
                                                " (SELECT name FROM scenarios WHERE team = ?4))"
                                                " ORDER BY schedule_id LIMIT ?3")));
  stmt.BindText(1, after).BindText(2, scenario).Bind(3, limit);
  stmt.BindText(4, team);
  return ReadAll(stmt);
}

absl::StatusOr<std::vector<ScheduleRow>> ScheduleBook::Due(absl::Time now) {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare(absl::StrCat("SELECT ", kColumns,
                                                " FROM schedules WHERE paused = 0 AND"
                                                " next_fire_us <= ?1 ORDER BY next_fire_us")));
  stmt.Bind(1, absl::ToUnixMicros(now));
  return ReadAll(stmt);
}

absl::StatusOr<absl::Time> ScheduleBook::EarliestNextFire() {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare("SELECT MIN(next_fire_us) FROM schedules WHERE paused = 0"));
  MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row || stmt.IsNull(0)) return absl::InfiniteFuture();
  return absl::FromUnixMicros(stmt.Int(0));
}

absl::Status ScheduleBook::SetNextFire(const std::string& schedule_id, absl::Time next_fire) {
  // Handling a fire time is what clears an earlier failure to handle one.
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare("UPDATE schedules SET next_fire_us = ?2, fire_error = '',"
                                   " fire_error_us = 0, fire_error_fire_time_us = 0"
                                   " WHERE schedule_id = ?1"));
  return stmt.BindText(1, schedule_id).Bind(2, absl::ToUnixMicros(next_fire)).Run();
}

absl::Status ScheduleBook::SetPaused(const std::string& schedule_id, bool paused,
                                     absl::Time next_fire) {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare("UPDATE schedules SET paused = ?2, next_fire_us = ?3"
                                   " WHERE schedule_id = ?1"));
  return stmt.BindText(1, schedule_id)
      .Bind(2, paused ? 1 : 0)
      .Bind(3, absl::ToUnixMicros(next_fire))
      .Run();
}

absl::Status ScheduleBook::SetFireError(const std::string& schedule_id, absl::Time fire_time,
                                        const std::string& message, absl::Time now) {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare("UPDATE schedules SET fire_error = ?2, fire_error_us = ?3,"
                                   " fire_error_fire_time_us = ?4 WHERE schedule_id = ?1"));
  return stmt.BindText(1, schedule_id)
      .BindText(2, message)
      .Bind(3, absl::ToUnixMicros(now))
      .Bind(4, absl::ToUnixMicros(fire_time))
      .Run();
}

absl::StatusOr<bool> ScheduleBook::Delete(const std::string& schedule_id) {
  MP_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("DELETE FROM schedules WHERE schedule_id = ?1"));
  MP_RETURN_IF_ERROR(stmt.BindText(1, schedule_id).Run());
  return db_->Changes() > 0;
}

absl::Status ScheduleBook::DeleteForScenario(const std::string& scenario) {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare("DELETE FROM schedules WHERE scenario_name = ?1"));
  return stmt.BindText(1, scenario).Run();
}

absl::StatusOr<bool> ScheduleBook::RecordFire(const std::string& schedule_id, absl::Time fire_time,
                                              v1::FireRecord::Outcome outcome,
                                              const std::string& run_id, const std::string& message,
                                              absl::Time now) {
  MP_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare("INSERT OR IGNORE INTO fire_records (schedule_id, fire_time_us, outcome, run_id,"
                   " message, recorded_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  MP_RETURN_IF_ERROR(stmt.BindText(1, schedule_id)
                         .Bind(2, absl::ToUnixMicros(fire_time))
                         .Bind(3, outcome)
                         .BindText(4, run_id)
                         .BindText(5, message)
                         .Bind(6, absl::ToUnixMicros(now))
                         .Run());
  return db_->Changes() > 0;
}

absl::StatusOr<std::vector<v1::FireRecord>> ScheduleBook::Recent(const std::string& schedule_id,
                                                                 int limit) {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare("SELECT fire_time_us, outcome, run_id, message FROM fire_records"
                                   " WHERE schedule_id = ?1 ORDER BY fire_time_us DESC LIMIT ?2"));
  stmt.BindText(1, schedule_id).Bind(2, limit);
  std::vector<v1::FireRecord> out;
  while (true) {
    MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    v1::FireRecord r;
    *r.mutable_fire_time() = ToProtoTimestamp(absl::FromUnixMicros(stmt.Int(0)));
    r.set_outcome(static_cast<v1::FireRecord::Outcome>(stmt.Int(1)));
    r.set_run_id(stmt.Text(2));
    r.set_message(stmt.Text(3));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace meshproof::scheduler
