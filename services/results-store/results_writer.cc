// The writer: opening the writing connection, the idempotent writes (BeginRun,
// AppendResults, FinishRun) and retention.
#include "services/results-store/results_writer.h"

#include <google/protobuf/util/message_differencer.h>

#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"
#include "services/results-store/migrations.h"
#include "services/results-store/request_validation.h"
#include "services/results-store/run_records.h"
#include "services/results-store/wal_batch_vfs.h"

namespace meshproof::store {
namespace {

// A run record as BeginRun defines it: what a retry must repeat to be "the same run".
v1::RunRecord BeginPart(v1::RunRecord run) {
  run.clear_finished_at();
  run.clear_verdict();
  run.clear_counts();
  run.clear_reason();
  run.clear_latest_attempt();
  return run;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ResultsWriter>> ResultsWriter::Open(
    const std::string& path, const ResultsStoreOptions& options, const Clock* clock) {
  std::unique_ptr<ResultsWriter> store(new ResultsWriter(options, clock));
  // The writer reads little but the pages it is about to change, and they stay in its
  // page cache: through a mapping, every page a new transaction changes would first be
  // copied out of the map (measured: 10 % of the ingest CPU). Only readers map the file.
  DatabaseOptions writer_options = options.database;
  writer_options.mmap_bytes = 0;
  // A commit's WAL frames go to the file in one write (wal_batch_vfs.h).
  MP_ASSIGN_OR_RETURN(writer_options.vfs, WalBatchVfsName());
  MP_ASSIGN_OR_RETURN(std::unique_ptr<Database> writer, Database::Open(path, writer_options));
  MP_RETURN_IF_ERROR(ApplyMigrations(writer.get(), ResultsMigrations()).status());
  ResultsWriter* self = store.get();
  absl::MutexLock lock(&store->write_mu_);
  store->writer_ = std::move(writer);
  store->writes_ = std::make_unique<GroupCommit>(
      store->writer_.get(), &store->write_mu_,
      // Ids created in a rolled-back savepoint or group are gone.
      [self]() ABSL_NO_THREAD_SAFETY_ANALYSIS { self->ForgetIds(); }, options.group_commit);
  return store;
}

void ResultsWriter::ForgetIds() {
  scenario_ids_.clear();
  cluster_ids_.clear();
  test_ids_.clear();
  open_runs_.clear();
  appended_tests_.clear();
  latest_.Forget();
}

absl::StatusOr<std::optional<ResultsWriter::RunState>> ResultsWriter::FindRunForWrite(
    const std::string& run_id) {
  if (auto it = open_runs_.find(run_id); it != open_runs_.end()) return it->second;
  MP_ASSIGN_OR_RETURN(std::optional<RunState> run, FindRun(writer_.get(), run_id));
  if (run && !run->finished) RememberOpenRun(run_id, *run);
  return run;
}

void ResultsWriter::RememberOpenRun(const std::string& run_id, const RunState& state) {
  // Open runs are few (those in flight); a writer that leaves many unfinished, or a
  // caller sending many unknown ones, only costs the lookups this saves.
  if (open_runs_.size() >= kMaxRememberedOpenRuns && !open_runs_.contains(run_id)) {
    open_runs_.clear();
    appended_tests_.clear();
  }
  open_runs_[run_id] = state;
}

absl::StatusOr<std::optional<ResultsWriter::RunState>> ResultsWriter::FindRun(
    Database* db, const std::string& run_id) {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db->Prepare("SELECT u.id, u.scenario_id, u.cluster_id, s.name,"
                                  " u.started_at, u.finished_at IS NOT NULL, u.verdict,"
                                  " u.latest_attempt, u.next_seq"
                                  " FROM runs u JOIN scenarios s ON s.id = u.scenario_id"
                                  " WHERE u.run_id = ?1"));
  stmt.BindText(1, run_id);
  MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::nullopt;
  RunState state;
  state.pk = stmt.Int(0);
  state.scenario_id = stmt.Int(1);
  state.cluster_id = stmt.Int(2);
  state.scenario = stmt.Text(3);
  state.started_at_us = stmt.Int(4);
  state.finished = stmt.Int(5) != 0;
  state.verdict = stmt.Int(6);
  state.latest_attempt = stmt.Int(7);
  state.next_seq = stmt.Int(8);
  return state;
}

absl::StatusOr<int64_t> ResultsWriter::InternName(absl::string_view table,
                                                  const std::string& name) {
  auto& cache = table == "scenarios" ? scenario_ids_ : cluster_ids_;
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  MP_ASSIGN_OR_RETURN(std::optional<int64_t> id, FindNameId(writer_.get(), table, name));
  if (!id) {
    MP_ASSIGN_OR_RETURN(Statement insert, writer_->Prepare(absl::StrCat("INSERT INTO ", table,
                                                                        " (name) VALUES (?1)")));
    MP_RETURN_IF_ERROR(insert.BindText(1, name).Run());
    id = writer_->LastInsertRowId();
  }
  cache.emplace(name, *id);
  return *id;
}

absl::StatusOr<int64_t> ResultsWriter::InternTest(int64_t scenario_id, const std::string& name) {
  absl::flat_hash_map<std::string, int64_t>& tests = test_ids_[scenario_id];
  if (auto it = tests.find(name); it != tests.end()) return it->second;
  MP_ASSIGN_OR_RETURN(
      Statement find,
      writer_->Prepare("SELECT id FROM tests WHERE scenario_id = ?1 AND name = ?2"));
  find.Bind(1, scenario_id).BindText(2, name);
  MP_ASSIGN_OR_RETURN(bool found, find.Step());
  int64_t id;
  if (found) {
    id = find.Int(0);
  } else {
    MP_ASSIGN_OR_RETURN(Statement insert,
                        writer_->Prepare("INSERT INTO tests (scenario_id, name) VALUES (?1, ?2)"));
    MP_RETURN_IF_ERROR(insert.Bind(1, scenario_id).BindText(2, name).Run());
    id = writer_->LastInsertRowId();
  }
  tests.emplace(name, id);
  return id;
}

// ---------------------------------------------------------------------- BeginRun

absl::StatusOr<v1::BeginRunResponse> ResultsWriter::BeginRun(const v1::BeginRunRequest& request) {
  MP_RETURN_IF_ERROR(ValidateBeginRun(request));
  v1::BeginRunResponse response;
  MP_RETURN_IF_ERROR(writes_->Run([&]() -> absl::Status {
    write_mu_.AssertHeld();
    MP_ASSIGN_OR_RETURN(response, BeginRunLocked(request));
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<v1::BeginRunResponse> ResultsWriter::BeginRunLocked(
    const v1::BeginRunRequest& request) {
  v1::RunRecord run = request.run();
  run.clear_latest_attempt();
  if (!run.has_started_at())
    *run.mutable_started_at() = FromMicros(absl::ToUnixMicros(clock_->Now()));
  MP_ASSIGN_OR_RETURN(std::optional<RunState> existing, FindRunForWrite(run.run_id()));
  if (existing) {
    MP_ASSIGN_OR_RETURN(v1::RunRecord stored, LoadRunRecord(writer_.get(), existing->pk));
    v1::RunRecord wanted = BeginPart(run);
    // A retry that did not set started_at takes the stored one.
    if (!request.run().has_started_at()) *wanted.mutable_started_at() = stored.started_at();
    if (!google::protobuf::util::MessageDifferencer::Equals(BeginPart(stored), wanted)) {
      return absl::AlreadyExistsError(absl::StrCat("run.run_id: run \"", run.run_id(),
                                                   "\" already exists with different content"));
    }
    v1::BeginRunResponse response;
    response.set_created(false);
    return response;
  }
  MP_ASSIGN_OR_RETURN(int64_t scenario_id, InternName("scenarios", run.scenario()));
  MP_ASSIGN_OR_RETURN(int64_t cluster_id, InternName("clusters", run.cluster()));
  {
    MP_ASSIGN_OR_RETURN(
        Statement insert,
        writer_->Prepare("INSERT INTO runs (run_id, scenario_id, cluster_id, scenario_version,"
                         " namespace, team, agent_id, trigger, schedule_id, started_at, reason,"
                         " env_cluster, env_namespace, istio_version, k8s_version, agent_version,"
                         " env_kind, envoy_version)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
                         " ?15, ?16, ?17, ?18)"));
    const result::v1::Environment& env = run.environment();
    insert.BindText(1, run.run_id())
        .Bind(2, scenario_id)
        .Bind(3, cluster_id)
        .BindText(4, run.scenario_version())
        .BindText(5, run.namespace_())
        .BindText(6, run.team())
        .BindText(7, run.agent_id())
        .Bind(8, run.trigger())
        .BindText(9, run.schedule_id())
        .Bind(10, ToMicros(run.started_at()))
        .BindText(11, run.reason())
        .BindText(12, env.cluster())
        .BindText(13, env.namespace_())
        .BindText(14, env.istio_version())
        .BindText(15, env.kubernetes_version())
        .BindText(16, env.agent_version())
        .BindText(17, env.kind())
        .BindText(18, env.envoy_version());
    MP_RETURN_IF_ERROR(insert.Run());
  }
  const int64_t pk = writer_->LastInsertRowId();
  RememberOpenRun(run.run_id(), RunState{.pk = pk,
                                         .scenario_id = scenario_id,
                                         .cluster_id = cluster_id,
                                         .scenario = run.scenario(),
                                         .started_at_us = ToMicros(run.started_at())});
  if (appended_tests_.size() >= kMaxRememberedOpenRuns) appended_tests_.clear();
  appended_tests_[pk] = AppendedTests{};
  {
    MP_ASSIGN_OR_RETURN(
        Statement tag,
        writer_->Prepare(
            "INSERT INTO run_tags (run_pk, kind, key, value) VALUES (?1, ?2, ?3, ?4)"));
    for (const auto& [key, value] : run.labels()) {
      MP_RETURN_IF_ERROR(
          tag.Bind(1, pk).Bind(2, kTagLabel).BindText(3, key).BindText(4, value).Run());
    }
  }
  {
    MP_ASSIGN_OR_RETURN(
        Statement tag,
        writer_->Prepare(
            "INSERT INTO run_tags (run_pk, kind, key, value) VALUES (?1, ?2, ?3, ?4)"));
    for (const auto& [key, value] : run.environment().tags()) {
      MP_RETURN_IF_ERROR(
          tag.Bind(1, pk).Bind(2, kTagEnvironment).BindText(3, key).BindText(4, value).Run());
    }
    // OR IGNORE: a name given twice is one test left out.
    MP_ASSIGN_OR_RETURN(Statement not_selected,
                        writer_->Prepare("INSERT OR IGNORE INTO run_tags (run_pk, kind, key, value)"
                                         " VALUES (?1, ?2, ?3, '')"));
    for (const std::string& test : run.not_selected_tests()) {
      MP_RETURN_IF_ERROR(not_selected.Bind(1, pk).Bind(2, kTagNotSelected).BindText(3, test).Run());
    }
  }
  MP_RETURN_IF_ERROR(WriteUnknownVersions(writer_.get(), pk, run.environment(), /*new_run=*/true));
  {
    MP_ASSIGN_OR_RETURN(Statement claim,
                        writer_->Prepare("INSERT INTO run_claims (run_pk, ord, claim_id, text,"
                                         " reference, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    for (int i = 0; i < run.claims_size(); ++i) {
      const scenario::v1::Claim& c = run.claims(i);
      MP_RETURN_IF_ERROR(claim.Bind(1, pk)
                             .Bind(2, i)
                             .BindText(3, c.id())
                             .BindText(4, c.text())
                             .BindText(5, c.reference())
                             .BindText(6, c.note())
                             .Run());
    }
  }
  v1::BeginRunResponse response;
  response.set_created(true);
  return response;
}

// ----------------------------------------------------------------- AppendResults

absl::StatusOr<v1::AppendResultsResponse> ResultsWriter::AppendResults(
    const v1::AppendResultsRequest& request) {
  MP_RETURN_IF_ERROR(ValidateAppendResults(request, options_.max_batch));
  // Encoding (and compression) happens before the write lock is taken.
  std::vector<ResultRow> rows;
  rows.reserve(request.results_size());
  for (int i = 0; i < request.results_size(); ++i) {
    rows.push_back(EncodeResult(request.results(i)));
    if (rows.back().detail.size() > kMaxResultDetailBytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "results[", i, "]: evidence, bodies and summaries take ", rows.back().detail.size(),
          " bytes stored, more than the limit of ", kMaxResultDetailBytes));
    }
  }
  v1::AppendResultsResponse response;
  MP_RETURN_IF_ERROR(writes_->Run([&]() -> absl::Status {
    write_mu_.AssertHeld();
    MP_ASSIGN_OR_RETURN(response, AppendResultsLocked(request, rows));
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<v1::AppendResultsResponse> ResultsWriter::AppendResultsLocked(
    const v1::AppendResultsRequest& request, const std::vector<ResultRow>& rows) {
  MP_ASSIGN_OR_RETURN(std::optional<RunState> run, FindRunForWrite(request.run_id()));
  if (!run) {
    return absl::NotFoundError(absl::StrCat("run_id: no run \"", request.run_id(), "\""));
  }
  if (run->finished) {
    return absl::FailedPreconditionError(absl::StrCat(
        "run_id: run \"", request.run_id(), "\" is finished; results can no longer be appended"));
  }
  for (int i = 0; i < request.results_size(); ++i) {
    const std::string& scenario = request.results(i).scenario();
    if (!scenario.empty() && scenario != run->scenario) {
      return absl::InvalidArgumentError(absl::StrCat("results[", i, "].scenario: \"", scenario,
                                                     "\" is not the run's scenario \"",
                                                     run->scenario, "\""));
    }
  }
  MP_ASSIGN_OR_RETURN(
      Statement insert,
      writer_->Prepare("INSERT INTO results (run_pk, test_id, phase, attempt, seq, verdict,"
                       " status_code, failure_class, latency_us, flags, attempts, reason)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
                       " ON CONFLICT DO NOTHING"));
  MP_ASSIGN_OR_RETURN(
      Statement detail,
      writer_->Prepare("INSERT INTO result_details (run_pk, test_id, phase, attempt, detail)"
                       " VALUES (?1, ?2, ?3, ?4, ?5)"));
  int64_t seq = run->next_seq;
  uint32_t inserted = 0, duplicates = 0;
  auto appended_it = appended_tests_.find(run->pk);
  AppendedTests* appended = appended_it == appended_tests_.end() ? nullptr : &appended_it->second;
  for (int i = 0; i < request.results_size(); ++i) {
    const result::v1::TestResult& result = request.results(i);
    const ResultRow& row = rows[i];
    MP_ASSIGN_OR_RETURN(int64_t test_id, InternTest(run->scenario_id, result.test()));
    insert.Bind(1, run->pk)
        .Bind(2, test_id)
        .Bind(3, result.phase())
        .Bind(4, request.attempt())
        .Bind(5, seq)
        .Bind(6, row.verdict)
        .Bind(7, row.status_code)
        .Bind(8, row.failure_class)
        .Bind(9, row.latency_us)
        .Bind(10, row.flags)
        .Bind(11, row.attempts)
        .BindText(12, row.reason);
    MP_RETURN_IF_ERROR(insert.Run());
    if (writer_->Changes() == 0) {
      ++duplicates;
      continue;
    }
    ++inserted;
    ++seq;
    if (appended != nullptr && request.attempt() >= appended->attempt) {
      // A higher attempt becomes the run's latest: the older attempt's tests no longer
      // count (the same rule as latest_attempt below).
      if (request.attempt() > appended->attempt) {
        appended->attempt = request.attempt();
        appended->ids.clear();
      }
      if (result.phase() == result::v1::PHASE_TEST) appended->ids.push_back(test_id);
    }
    if (!row.detail.empty()) {
      detail.Bind(1, run->pk)
          .Bind(2, test_id)
          .Bind(3, result.phase())
          .Bind(4, request.attempt())
          .BindBlob(5, row.detail);
      MP_RETURN_IF_ERROR(detail.Run());
    }
  }
  if (inserted > 0 && request.attempt() > run->latest_attempt) {
    // latest_attempt is in the runs_by_scenario_cluster index: set it only when it
    // grows (once per attempt), so later appends leave the index alone.
    MP_ASSIGN_OR_RETURN(Statement update,
                        writer_->Prepare("UPDATE runs SET next_seq = ?2, latest_attempt = ?3"
                                         " WHERE id = ?1"));
    MP_RETURN_IF_ERROR(update.Bind(1, run->pk).Bind(2, seq).Bind(3, request.attempt()).Run());
  } else if (inserted > 0) {
    MP_ASSIGN_OR_RETURN(Statement update,
                        writer_->Prepare("UPDATE runs SET next_seq = ?2 WHERE id = ?1"));
    MP_RETURN_IF_ERROR(update.Bind(1, run->pk).Bind(2, seq).Run());
  }
  if (inserted > 0) {
    run->next_seq = seq;
    run->latest_attempt = std::max<int64_t>(run->latest_attempt, request.attempt());
    RememberOpenRun(request.run_id(), *run);
  }
  v1::AppendResultsResponse response;
  response.set_inserted(inserted);
  response.set_duplicates(duplicates);
  return response;
}

// --------------------------------------------------------------------- FinishRun

absl::StatusOr<v1::FinishRunResponse> ResultsWriter::FinishRun(
    const v1::FinishRunRequest& request) {
  MP_RETURN_IF_ERROR(ValidateFinishRun(request));
  v1::FinishRunResponse response;
  MP_RETURN_IF_ERROR(writes_->Run([&]() -> absl::Status {
    write_mu_.AssertHeld();
    MP_ASSIGN_OR_RETURN(response, FinishRunLocked(request));
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<v1::FinishRunResponse> ResultsWriter::FinishRunLocked(
    const v1::FinishRunRequest& request) {
  MP_ASSIGN_OR_RETURN(std::optional<RunState> run, FindRunForWrite(request.run_id()));
  if (!run) {
    return absl::NotFoundError(absl::StrCat("run_id: no run \"", request.run_id(), "\""));
  }
  v1::FinishRunResponse response;
  if (run->finished) {
    if (run->verdict != request.verdict()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "verdict: run \"", request.run_id(), "\" already finished as ",
          result::v1::RunVerdict_Name(static_cast<result::v1::RunVerdict>(run->verdict))));
    }
    response.set_finished(false);
    return response;
  }
  const int64_t finished_at = request.has_finished_at() ? ToMicros(request.finished_at())
                                                        : absl::ToUnixMicros(clock_->Now());
  {
    MP_ASSIGN_OR_RETURN(Statement update,
                        writer_->Prepare("UPDATE runs SET finished_at = ?2, verdict = ?3,"
                                         " counts = ?4, reason = ?5 WHERE id = ?1"));
    MP_RETURN_IF_ERROR(update.Bind(1, run->pk)
                           .Bind(2, finished_at)
                           .Bind(3, request.verdict())
                           .BindBlob(4, request.counts().SerializeAsString())
                           .BindText(5, request.reason())
                           .Run());
  }
  if (request.has_environment()) {
    // The agent reads the versions once the run is under way, after BeginRun.
    const result::v1::Environment& env = request.environment();
    MP_ASSIGN_OR_RETURN(
        Statement update,
        writer_->Prepare("UPDATE runs SET istio_version = ?2, k8s_version = ?3,"
                         " envoy_version = ?4, agent_version = coalesce(nullif(?5, ''),"
                         " agent_version) WHERE id = ?1"));
    MP_RETURN_IF_ERROR(update.Bind(1, run->pk)
                           .BindText(2, env.istio_version())
                           .BindText(3, env.kubernetes_version())
                           .BindText(4, env.envoy_version())
                           .BindText(5, env.agent_version())
                           .Run());
    MP_RETURN_IF_ERROR(WriteUnknownVersions(writer_.get(), run->pk, env, /*new_run=*/false));
  }
  if (request.claims_size() > 0) {
    // Claims first named here (an agent-computed ledger) join the run's definitions.
    MP_ASSIGN_OR_RETURN(
        Statement claim,
        writer_->Prepare("INSERT INTO run_claims (run_pk, ord, claim_id, text, reference, note)"
                         " SELECT ?1, coalesce(max(ord) + 1, 0), ?2, ?3, ?4, ?5 FROM run_claims"
                         " WHERE run_pk = ?1 HAVING NOT EXISTS (SELECT 1 FROM run_claims"
                         " WHERE run_pk = ?1 AND claim_id = ?2)"));
    for (const result::v1::ClaimResult& c : request.claims()) {
      MP_RETURN_IF_ERROR(claim.Bind(1, run->pk)
                             .BindText(2, c.id())
                             .BindText(3, c.text())
                             .BindText(4, c.reference())
                             .BindText(5, c.note())
                             .Run());
    }
  }
  // The latest-per-cluster index: this run becomes the latest of its scenario in its
  // cluster unless a later-started run already finished there.
  std::optional<std::vector<int64_t>> test_ids;
  if (auto it = appended_tests_.find(run->pk);
      it != appended_tests_.end() && it->second.attempt == run->latest_attempt) {
    test_ids = std::move(it->second.ids);
  }
  MP_RETURN_IF_ERROR(latest_.OnRunFinished(
      writer_.get(), LatestIndex::FinishedRun{.pk = run->pk,
                                              .scenario_id = run->scenario_id,
                                              .cluster_id = run->cluster_id,
                                              .started_at_us = run->started_at_us,
                                              .latest_attempt = run->latest_attempt,
                                              .test_ids = std::move(test_ids)}));
  open_runs_.erase(request.run_id());
  appended_tests_.erase(run->pk);
  response.set_finished(true);
  return response;
}

// ---------------------------------------------------------------- ApplyRetention

absl::StatusOr<v1::ApplyRetentionResponse> ResultsWriter::ApplyRetention(
    const v1::ApplyRetentionRequest& request) {
  if (!request.has_cutoff()) return absl::InvalidArgumentError("cutoff: is required");
  if (request.batch_size() > kMaxRetentionBatch) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_size: must be at most ", kMaxRetentionBatch));
  }
  const int64_t batch = request.batch_size() == 0 ? kDefaultRetentionBatch : request.batch_size();
  const int64_t cutoff = ToMicros(request.cutoff());
  v1::ApplyRetentionResponse response;
  while (true) {
    // One short transaction per batch; the lock is released in between so appends
    // interleave with a long retention pass.
    absl::MutexLock lock(&write_mu_);
    MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(writer_.get(), /*immediate=*/true));
    struct Doomed {
      int64_t pk, scenario_id, cluster_id;
    };
    std::vector<Doomed> runs;
    {
      MP_ASSIGN_OR_RETURN(Statement select,
                          writer_->Prepare("SELECT id, scenario_id, cluster_id FROM runs"
                                           " WHERE started_at < ?1 ORDER BY started_at, id"
                                           " LIMIT ?2"));
      select.Bind(1, cutoff).Bind(2, batch);
      while (true) {
        MP_ASSIGN_OR_RETURN(bool row, select.Step());
        if (!row) break;
        runs.push_back({select.Int(0), select.Int(1), select.Int(2)});
      }
    }
    if (runs.empty()) break;
    // An open run may be among them: appends to it must find it gone.
    open_runs_.clear();
    appended_tests_.clear();
    MP_ASSIGN_OR_RETURN(Statement count,
                        writer_->Prepare("SELECT count(*) FROM results WHERE run_pk = ?1"));
    MP_ASSIGN_OR_RETURN(Statement remove, writer_->Prepare("DELETE FROM runs WHERE id = ?1"));
    for (const Doomed& run : runs) {
      count.Bind(1, run.pk);
      MP_ASSIGN_OR_RETURN(bool row, count.Step());
      if (row) response.set_results_deleted(response.results_deleted() + count.Int(0));
      MP_RETURN_IF_ERROR(count.Run());
      // The latest index has no foreign key to runs (migrations 0004, 0005).
      MP_RETURN_IF_ERROR(
          latest_.OnRunDeleted(writer_.get(), run.pk, run.scenario_id, run.cluster_id));
      MP_RETURN_IF_ERROR(remove.Bind(1, run.pk).Run());
    }
    MP_RETURN_IF_ERROR(tx.Commit());
    response.set_runs_deleted(response.runs_deleted() + runs.size());
  }
  if (response.runs_deleted() > 0) {
    LogInfo("retention deleted ", response.runs_deleted(), " runs and ", response.results_deleted(),
            " results");
  }
  return response;
}

}  // namespace meshproof::store
