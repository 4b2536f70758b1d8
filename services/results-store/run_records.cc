#include "services/results-store/run_records.h"

#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"

namespace meshproof::store {

int64_t ToMicros(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1000000 + ts.nanos() / 1000;
}

google::protobuf::Timestamp FromMicros(int64_t micros) {
  google::protobuf::Timestamp ts;
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(rest * 1000));
  return ts;
}

absl::StatusOr<std::optional<int64_t>> FindRunPk(Database* db, const std::string& run_id) {
  MP_ASSIGN_OR_RETURN(Statement stmt, db->Prepare("SELECT id FROM runs WHERE run_id = ?1"));
  stmt.BindText(1, run_id);
  MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::nullopt;
  return stmt.Int(0);
}

absl::StatusOr<std::optional<int64_t>> FindNameId(Database* db, absl::string_view table,
                                                  const std::string& name) {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db->Prepare(absl::StrCat("SELECT id FROM ", table, " WHERE name = ?1")));
  stmt.BindText(1, name);
  MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::nullopt;
  return stmt.Int(0);
}

absl::Status WriteUnknownVersions(Database* db, int64_t pk, const result::v1::Environment& env,
                                  bool new_run) {
  // The DELETE opens a temporary table for its two passes (run_tags has an index of its
  // own), which costs more than the rest of a BeginRun: it runs only when there is a
  // row to delete, found by one key probe (measured: 7 % of the ingest CPU).
  bool has_old = false;
  if (!new_run) {
    MP_ASSIGN_OR_RETURN(Statement probe, db->Prepare("SELECT 1 FROM run_tags"
                                                     " WHERE run_pk = ?1 AND kind = ?2 LIMIT 1"));
    probe.Bind(1, pk).Bind(2, kTagUnknownVersion);
    MP_ASSIGN_OR_RETURN(has_old, probe.Step());
    probe.Reset();
  }
  if (has_old) {
    MP_ASSIGN_OR_RETURN(Statement clear,
                        db->Prepare("DELETE FROM run_tags WHERE run_pk = ?1 AND kind = ?2"));
    MP_RETURN_IF_ERROR(clear.Bind(1, pk).Bind(2, kTagUnknownVersion).Run());
  }
  MP_ASSIGN_OR_RETURN(Statement tag,
                      db->Prepare("INSERT OR REPLACE INTO run_tags (run_pk, kind, key, value)"
                                  " VALUES (?1, ?2, ?3, ?4)"));
  for (const result::v1::UnknownVersion& u : env.unknown_versions()) {
    MP_RETURN_IF_ERROR(tag.Bind(1, pk)
                           .Bind(2, kTagUnknownVersion)
                           .BindText(3, u.component())
                           .BindText(4, u.reason())
                           .Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::RunRecord> LoadRunRecord(Database* db, int64_t pk) {
  v1::RunRecord run;
  {
    MP_ASSIGN_OR_RETURN(
        Statement stmt,
        db->Prepare(
            "SELECT u.run_id, s.name, u.scenario_version, c.name, u.namespace, u.team,"
            " u.agent_id, u.trigger, u.schedule_id, u.started_at, u.finished_at,"
            " u.verdict, u.counts, u.reason, u.env_cluster, u.env_namespace,"
            " u.istio_version, u.k8s_version, u.agent_version, u.latest_attempt, u.env_kind,"
            " u.envoy_version"
            " FROM runs u JOIN scenarios s ON s.id = u.scenario_id"
            " JOIN clusters c ON c.id = u.cluster_id WHERE u.id = ?1"));
    stmt.Bind(1, pk);
    MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return absl::NotFoundError("run not found");
    run.set_run_id(stmt.Text(0));
    run.set_scenario(stmt.Text(1));
    run.set_scenario_version(stmt.Text(2));
    run.set_cluster(stmt.Text(3));
    run.set_namespace_(stmt.Text(4));
    run.set_team(stmt.Text(5));
    run.set_agent_id(stmt.Text(6));
    run.set_trigger(static_cast<result::v1::Trigger>(stmt.Int(7)));
    run.set_schedule_id(stmt.Text(8));
    *run.mutable_started_at() = FromMicros(stmt.Int(9));
    if (!stmt.IsNull(10)) *run.mutable_finished_at() = FromMicros(stmt.Int(10));
    run.set_verdict(static_cast<result::v1::RunVerdict>(stmt.Int(11)));
    if (!stmt.IsNull(12) && !run.mutable_counts()->ParseFromString(std::string(stmt.Blob(12)))) {
      return absl::InternalError("stored run counts do not parse");
    }
    run.set_reason(stmt.Text(13));
    result::v1::Environment* env = run.mutable_environment();
    env->set_cluster(stmt.Text(14));
    env->set_namespace_(stmt.Text(15));
    env->set_istio_version(stmt.Text(16));
    env->set_kubernetes_version(stmt.Text(17));
    env->set_agent_version(stmt.Text(18));
    run.set_latest_attempt(static_cast<uint32_t>(stmt.Int(19)));
    env->set_kind(stmt.Text(20));
    env->set_envoy_version(stmt.Text(21));
  }
  {
    MP_ASSIGN_OR_RETURN(Statement stmt,
                        db->Prepare("SELECT kind, key, value FROM run_tags WHERE run_pk = ?1"));
    stmt.Bind(1, pk);
    while (true) {
      MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      if (stmt.Int(0) == kTagNotSelected) {
        run.add_not_selected_tests(stmt.Text(1));
        continue;
      }
      if (stmt.Int(0) == kTagUnknownVersion) {
        result::v1::UnknownVersion* u = run.mutable_environment()->add_unknown_versions();
        u->set_component(stmt.Text(1));
        u->set_reason(stmt.Text(2));
        continue;
      }
      auto* map = stmt.Int(0) == kTagLabel ? run.mutable_labels()
                                           : run.mutable_environment()->mutable_tags();
      (*map)[stmt.Text(1)] = stmt.Text(2);
    }
  }
  {
    MP_ASSIGN_OR_RETURN(Statement stmt,
                        db->Prepare("SELECT claim_id, text, reference, note FROM run_claims"
                                    " WHERE run_pk = ?1 ORDER BY ord"));
    stmt.Bind(1, pk);
    while (true) {
      MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      scenario::v1::Claim* claim = run.add_claims();
      claim->set_id(stmt.Text(0));
      claim->set_text(stmt.Text(1));
      claim->set_reference(stmt.Text(2));
      claim->set_note(stmt.Text(3));
    }
  }
  return run;
}

absl::StatusOr<std::vector<StoredResult>> LoadResults(Database* db, int64_t pk, int64_t attempt,
                                                      int64_t phase, bool with_detail) {
  // Four statement texts so each stays a cached prepared statement.
  const std::string sql = absl::StrCat(
      "SELECT r.test_id, t.name, r.phase, r.verdict, r.status_code, r.failure_class,"
      " r.latency_us, r.flags, r.attempts, r.reason",
      with_detail ? ", d.detail" : "", " FROM results r JOIN tests t ON t.id = r.test_id",
      with_detail ? " LEFT JOIN result_details d ON d.run_pk = r.run_pk AND"
                    " d.test_id = r.test_id AND d.phase = r.phase AND d.attempt = r.attempt"
                  : "",
      " WHERE r.run_pk = ?1 AND r.attempt = ?2", phase != 0 ? " AND r.phase = ?3" : "",
      " ORDER BY r.seq");
  MP_ASSIGN_OR_RETURN(Statement stmt, db->Prepare(sql));
  stmt.Bind(1, pk).Bind(2, attempt);
  if (phase != 0) stmt.Bind(3, phase);
  std::vector<StoredResult> results;
  while (true) {
    MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    StoredResult r;
    r.test_id = stmt.Int(0);
    r.test = stmt.Text(1);
    r.phase = stmt.Int(2);
    r.row.verdict = stmt.Int(3);
    r.row.status_code = stmt.Int(4);
    r.row.failure_class = stmt.Int(5);
    r.row.latency_us = stmt.Int(6);
    r.row.flags = stmt.Int(7);
    r.row.attempts = stmt.Int(8);
    r.row.reason = stmt.Text(9);
    if (with_detail && !stmt.IsNull(10)) r.row.detail = std::string(stmt.Blob(10));
    if (!with_detail) r.row.flags &= ~kFlagHasDetail;
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace meshproof::store
