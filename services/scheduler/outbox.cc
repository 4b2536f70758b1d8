#include "services/scheduler/outbox.h"

#include "services/common/status_macros.h"

namespace meshproof::scheduler {

absl::Status Outbox::Add(const std::string& run_id, OutboxKind kind, uint32_t attempt,
                         const std::string& payload, absl::Time now) {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare("INSERT INTO outbox (run_id, kind, attempt, payload, created_us)"
                                   " VALUES (?1, ?2, ?3, ?4, ?5)"));
  return stmt.BindText(1, run_id)
      .Bind(2, static_cast<int>(kind))
      .Bind(3, attempt)
      .BindBlob(4, payload)
      .Bind(5, absl::ToUnixMicros(now))
      .Run();
}

namespace {

absl::StatusOr<std::vector<OutboxEntry>> ReadEntries(Statement* stmt) {
  std::vector<OutboxEntry> out;
  while (true) {
    MP_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
    OutboxEntry e;
    e.id = stmt->Int(0);
    e.run_id = stmt->Text(1);
    e.kind = static_cast<OutboxKind>(stmt->Int(2));
    e.attempt = static_cast<uint32_t>(stmt->Int(3));
    e.payload = std::string(stmt->Blob(4));
    e.tries = static_cast<int>(stmt->Int(5));
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<OutboxEntry>> Outbox::Head(int limit) {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare("SELECT id, run_id, kind, attempt, payload, tries FROM outbox"
                                   " ORDER BY id LIMIT ?1"));
  stmt.Bind(1, limit);
  return ReadEntries(&stmt);
}

absl::StatusOr<std::vector<std::string>> Outbox::OldestRuns(int max_runs, int scan,
                                                            const std::set<std::string>& skip) {
  // A bounded walk of the oldest rows rather than a GROUP BY over the whole outbox: the
  // cost stays the same however long the backlog is.
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare("SELECT run_id FROM outbox ORDER BY id LIMIT ?1"));
  stmt.Bind(1, scan);
  std::vector<std::string> runs;
  std::set<std::string> seen;
  while (static_cast<int>(runs.size()) < max_runs) {
    MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    std::string run_id(stmt.Text(0));
    if (skip.count(run_id) > 0 || !seen.insert(run_id).second) continue;
    runs.push_back(std::move(run_id));
  }
  return runs;
}

absl::StatusOr<std::vector<OutboxEntry>> Outbox::HeadOfRun(const std::string& run_id, int limit) {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare("SELECT id, run_id, kind, attempt, payload, tries FROM outbox"
                                   " WHERE run_id = ?1 ORDER BY id LIMIT ?2"));
  stmt.BindText(1, run_id).Bind(2, limit);
  return ReadEntries(&stmt);
}

absl::Status Outbox::Remove(const std::vector<int64_t>& ids) {
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_, /*immediate=*/true));
  MP_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("DELETE FROM outbox WHERE id = ?1"));
  for (int64_t id : ids) MP_RETURN_IF_ERROR(stmt.Bind(1, id).Run());
  return tx.Commit();
}

absl::Status Outbox::NoteFailure(int64_t id, const std::string& error) {
  MP_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("UPDATE outbox SET tries = tries + 1,"
                                                   " last_error = ?2 WHERE id = ?1"));
  return stmt.Bind(1, id).BindText(2, error).Run();
}

absl::Status Outbox::MoveToDead(const OutboxEntry& entry, const std::string& error,
                                absl::Time now) {
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_, /*immediate=*/true));
  {
    MP_ASSIGN_OR_RETURN(Statement insert,
                        db_->Prepare("INSERT OR REPLACE INTO outbox_dead (id, run_id, kind,"
                                     " attempt, payload, error, failed_us)"
                                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    MP_RETURN_IF_ERROR(insert.Bind(1, entry.id)
                           .BindText(2, entry.run_id)
                           .Bind(3, static_cast<int>(entry.kind))
                           .Bind(4, entry.attempt)
                           .BindBlob(5, entry.payload)
                           .BindText(6, error)
                           .Bind(7, absl::ToUnixMicros(now))
                           .Run());
  }
  MP_ASSIGN_OR_RETURN(Statement remove, db_->Prepare("DELETE FROM outbox WHERE id = ?1"));
  MP_RETURN_IF_ERROR(remove.Bind(1, entry.id).Run());
  return tx.Commit();
}

absl::StatusOr<int64_t> Outbox::Size() {
  MP_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("SELECT COUNT(*) FROM outbox"));
  MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.Int(0) : 0;
}

absl::StatusOr<int64_t> Outbox::DeadSize() {
  MP_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("SELECT COUNT(*) FROM outbox_dead"));
  MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.Int(0) : 0;
}

}  // namespace meshproof::scheduler
