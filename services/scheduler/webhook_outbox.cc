#include "services/scheduler/webhook_outbox.h"

#include "services/common/status_macros.h"

namespace meshproof::scheduler {

absl::StatusOr<int> WebhookOutbox::Enqueue(const WebhookEvent& event,
                                           const std::vector<WebhookConfig>& hooks,
                                           absl::Time now) {
  int added = 0;
  for (const WebhookConfig& hook : hooks) {
    if (!hook.Matches(event.kind, event.team, event.schedule_id)) continue;
    MP_ASSIGN_OR_RETURN(Statement stmt,
                        db_->Prepare("INSERT OR IGNORE INTO webhook_outbox"
                                     " (event_id, webhook, kind, body, created_us, next_attempt_us)"
                                     " VALUES (?1, ?2, ?3, ?4, ?5, ?5)"));
    MP_RETURN_IF_ERROR(stmt.BindText(1, event.event_id)
                           .BindText(2, hook.name)
                           .BindText(3, event.kind)
                           .BindText(4, RenderPayload(event, hook.format))
                           .Bind(5, absl::ToUnixMicros(now))
                           .Run());
    added += static_cast<int>(db_->Changes());
  }
  return added;
}

absl::StatusOr<std::vector<WebhookDelivery>> WebhookOutbox::Due(absl::Time now, int limit) {
  MP_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare("SELECT id, event_id, webhook, kind, body, created_us, tries FROM webhook_outbox"
                   " WHERE state = 0 AND next_attempt_us <= ?1 ORDER BY id LIMIT ?2"));
  stmt.Bind(1, absl::ToUnixMicros(now)).Bind(2, limit);
  std::vector<WebhookDelivery> out;
  while (true) {
    MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    WebhookDelivery d;
    d.id = stmt.Int(0);
    d.event_id = stmt.Text(1);
    d.webhook = stmt.Text(2);
    d.kind = stmt.Text(3);
    d.body = stmt.Text(4);
    d.created = absl::FromUnixMicros(stmt.Int(5));
    d.tries = static_cast<int>(stmt.Int(6));
    out.push_back(std::move(d));
  }
  return out;
}

absl::StatusOr<absl::Time> WebhookOutbox::NextDue() {
  MP_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("SELECT MIN(next_attempt_us) FROM webhook_outbox"
                                                   " WHERE state = 0"));
  MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row || stmt.IsNull(0)) return absl::InfiniteFuture();
  return absl::FromUnixMicros(stmt.Int(0));
}

absl::StatusOr<bool> WebhookOutbox::MarkDelivered(int64_t id, absl::Time now) {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare("UPDATE webhook_outbox SET state = 1, tries = tries + 1,"
                                   " done_us = ?2, last_error = '' WHERE id = ?1 AND state = 0"));
  MP_RETURN_IF_ERROR(stmt.Bind(1, id).Bind(2, absl::ToUnixMicros(now)).Run());
  return db_->Changes() == 1;
}

absl::Status WebhookOutbox::NoteFailure(int64_t id, const std::string& error,
                                        absl::Time next_attempt) {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare("UPDATE webhook_outbox SET tries = tries + 1, last_error = ?2,"
                                   " next_attempt_us = ?3 WHERE id = ?1 AND state = 0"));
  return stmt.Bind(1, id).BindText(2, error).Bind(3, absl::ToUnixMicros(next_attempt)).Run();
}

absl::Status WebhookOutbox::GiveUp(int64_t id, const std::string& error, absl::Time now) {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare("UPDATE webhook_outbox SET state = 2, last_error = ?2,"
                                   " done_us = ?3 WHERE id = ?1 AND state = 0"));
  return stmt.Bind(1, id).BindText(2, error).Bind(3, absl::ToUnixMicros(now)).Run();
}

absl::Status WebhookOutbox::PruneDone(absl::Time before) {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare("DELETE FROM webhook_outbox WHERE state != 0 AND done_us < ?1"));
  return stmt.Bind(1, absl::ToUnixMicros(before)).Run();
}

absl::StatusOr<int64_t> WebhookOutbox::PendingCount() {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare("SELECT COUNT(*) FROM webhook_outbox WHERE state = 0"));
  MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.Int(0) : 0;
}

}  // namespace meshproof::scheduler
