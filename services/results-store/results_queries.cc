// The queries: each runs in one read transaction on a pooled read-only connection, so it
// sees one snapshot and never waits for the writer.
#include "services/results-store/results_queries.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "services/common/results/claims_ledger.h"
#include "services/common/results/environment_versions.h"
#include "services/common/status_macros.h"
#include "services/results-store/comparison.h"
#include "services/results-store/flakiness.h"
#include "services/results-store/page_token.h"
#include "services/results-store/request_validation.h"
#include "services/results-store/result_codec.h"
#include "services/results-store/run_records.h"

namespace meshproof::store {
namespace {

constexpr int64_t kPhaseTest = result::v1::PHASE_TEST;

absl::StatusOr<uint32_t> PageSize(uint32_t requested, absl::string_view field) {
  if (requested == 0) return kDefaultPageSize;
  if (requested > kMaxPageSize) {
    return absl::ResourceExhaustedError(
        absl::StrCat(field, ": must be at most ", kMaxPageSize, ", got ", requested));
  }
  return requested;
}

google::protobuf::Duration MicrosToDuration(int64_t micros) {
  google::protobuf::Duration d;
  d.set_seconds(micros / 1000000);
  d.set_nanos(static_cast<int32_t>((micros % 1000000) * 1000));
  return d;
}

// Loads the run `run_id` names, or NOT_FOUND naming `field`.
absl::StatusOr<int64_t> RequireRun(Database* db, const std::string& run_id,
                                   absl::string_view field) {
  MP_RETURN_IF_ERROR(ValidateRunId(run_id, field));
  MP_ASSIGN_OR_RETURN(std::optional<int64_t> pk, FindRunPk(db, run_id));
  if (!pk) return absl::NotFoundError(absl::StrCat(field, ": no run \"", run_id, "\""));
  return *pk;
}

absl::StatusOr<std::vector<result::v1::ClaimResult>> Ledger(Database* db, const v1::RunRecord& run,
                                                            int64_t pk) {
  if (run.claims().empty()) return std::vector<result::v1::ClaimResult>();
  MP_ASSIGN_OR_RETURN(std::vector<StoredResult> stored,
                      LoadResults(db, pk, run.latest_attempt(), kPhaseTest, /*with_detail=*/true));
  std::vector<result::v1::TestResult> linked;
  for (const StoredResult& r : stored) {
    if (!(r.row.flags & kFlagHasDetail)) continue;  // claims live in the detail
    MP_ASSIGN_OR_RETURN(result::v1::TestResult decoded, DecodeResult(r.row));
    if (decoded.claims().empty()) continue;
    decoded.set_test(r.test);
    decoded.set_phase(result::v1::PHASE_TEST);
    linked.push_back(std::move(decoded));
  }
  // The agent's outcome is the same function of the same results (`meshproof probe`).
  return results::ClaimsLedger(run.claims(), linked);
}

// The (name → satisfied, matched) of a result's evidence.
std::map<std::string, std::pair<bool, uint32_t>> EvidenceState(const result::v1::TestResult& r) {
  std::map<std::string, std::pair<bool, uint32_t>> state;
  for (const auto& e : r.evidence()) state[e.name()] = {e.satisfied(), e.matched()};
  return state;
}

// The ids a one-test query (history, trend) works with. nullopt when the scenario, the
// cluster (if one was asked for) or the test was never stored: the answer is then
// empty, not an error.
struct TestKey {
  int64_t scenario_id = 0;
  std::optional<int64_t> cluster_id;
  int64_t test_id = 0;
};
// True when a caller scoped to `scoped_team` may not see `scenario`'s scenario-wide
// answers: a stored run of it belongs to another team. Never for an unscoped caller.
absl::StatusOr<bool> HiddenFrom(Database* db, const std::string& scenario,
                                const std::string& scoped_team) {
  if (scoped_team.empty()) return false;
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db->Prepare("SELECT 1 FROM runs u JOIN scenarios s ON s.id = u.scenario_id"
                                  " WHERE s.name = ?1 AND u.team != ?2 LIMIT 1"));
  stmt.BindText(1, scenario).BindText(2, scoped_team);
  return stmt.Step();
}
// The same for a scenario known by id.
absl::StatusOr<bool> HiddenFrom(Database* db, int64_t scenario_id, const std::string& scoped_team) {
  if (scoped_team.empty()) return false;
  MP_ASSIGN_OR_RETURN(
      Statement stmt,
      db->Prepare("SELECT 1 FROM runs WHERE scenario_id = ?1 AND team != ?2 LIMIT 1"));
  stmt.Bind(1, scenario_id).BindText(2, scoped_team);
  return stmt.Step();
}

absl::StatusOr<std::optional<TestKey>> FindTestKey(Database* db, const std::string& scenario,
                                                   const std::string& cluster,
                                                   const std::string& test) {
  TestKey key;
  MP_ASSIGN_OR_RETURN(std::optional<int64_t> scenario_id, FindNameId(db, "scenarios", scenario));
  if (!scenario_id) return std::nullopt;
  key.scenario_id = *scenario_id;
  if (!cluster.empty()) {
    MP_ASSIGN_OR_RETURN(key.cluster_id, FindNameId(db, "clusters", cluster));
    if (!key.cluster_id) return std::nullopt;
  }
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db->Prepare("SELECT id FROM tests WHERE scenario_id = ?1 AND name = ?2"));
  stmt.Bind(1, key.scenario_id).BindText(2, test);
  MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::nullopt;
  key.test_id = stmt.Int(0);
  return key;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ResultsQueries>> ResultsQueries::Open(
    const std::string& path, const ResultsStoreOptions& options, const Clock* clock) {
  MP_ASSIGN_OR_RETURN(std::unique_ptr<ReaderPool> readers,
                      ReaderPool::Open(path, options.readers, options.database));
  std::unique_ptr<ResultsQueries> queries(new ResultsQueries(std::move(readers), clock));
  struct stat info;
  if (options.warm_limit_bytes > 0 && stat(path.c_str(), &info) == 0 &&
      info.st_size <= options.warm_limit_bytes) {
    MP_RETURN_IF_ERROR(queries->WarmReaders(options.readers));
  }
  return queries;
}

absl::Status ResultsQueries::WarmReaders(int readers) {
  // Every reader maps the file on its own, and a history query touches one leaf of the
  // results table per point, mostly leaves no query touched before: walking the table and
  // the index once per reader takes those page faults at start-up instead of in the
  // first queries (the tail of the history latency).
  std::vector<ReaderPool::Lease> leases;
  leases.reserve(readers);
  for (int i = 0; i < readers; ++i) leases.push_back(readers_->Acquire());
  for (const ReaderPool::Lease& db : leases) {
    for (const char* sql : {"SELECT count(*) FROM results",
                            "SELECT count(*) FROM runs INDEXED BY runs_by_scenario_cluster"}) {
      MP_ASSIGN_OR_RETURN(Statement stmt, db->Prepare(sql));
      MP_RETURN_IF_ERROR(stmt.Step().status());
    }
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------------------ GetRun

absl::StatusOr<v1::RunDetail> ResultsQueries::GetRun(const v1::GetRunRequest& request) {
  ReaderPool::Lease db = readers_->Acquire();
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db.get(), /*immediate=*/false));
  MP_ASSIGN_OR_RETURN(int64_t pk, RequireRun(db.get(), request.run_id(), "run_id"));
  v1::RunDetail detail;
  MP_ASSIGN_OR_RETURN(*detail.mutable_run(), LoadRunRecord(db.get(), pk));
  MP_ASSIGN_OR_RETURN(std::vector<StoredResult> results,
                      LoadResults(db.get(), pk, detail.run().latest_attempt(), 0, true));
  for (const StoredResult& r : results) {
    MP_ASSIGN_OR_RETURN(result::v1::TestResult decoded, DecodeResult(r.row));
    decoded.set_scenario(detail.run().scenario());
    decoded.set_test(r.test);
    decoded.set_phase(static_cast<result::v1::Phase>(r.phase));
    if (!request.include_evidence()) StripEvidence(&decoded);
    *detail.add_results() = std::move(decoded);
  }
  MP_ASSIGN_OR_RETURN(std::vector<result::v1::ClaimResult> ledger,
                      Ledger(db.get(), detail.run(), pk));
  for (auto& claim : ledger) *detail.add_claims() = std::move(claim);
  return detail;
}

absl::StatusOr<v1::GetClaimsLedgerResponse> ResultsQueries::GetClaimsLedger(
    const v1::GetClaimsLedgerRequest& request) {
  ReaderPool::Lease db = readers_->Acquire();
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db.get(), /*immediate=*/false));
  MP_ASSIGN_OR_RETURN(int64_t pk, RequireRun(db.get(), request.run_id(), "run_id"));
  MP_ASSIGN_OR_RETURN(v1::RunRecord run, LoadRunRecord(db.get(), pk));
  MP_ASSIGN_OR_RETURN(std::vector<result::v1::ClaimResult> ledger, Ledger(db.get(), run, pk));
  v1::GetClaimsLedgerResponse response;
  for (auto& claim : ledger) *response.add_claims() = std::move(claim);
  return response;
}

// ---------------------------------------------------------------------- ListRuns

absl::StatusOr<v1::ListRunsResponse> ResultsQueries::ListRuns(const v1::ListRunsRequest& request) {
  MP_ASSIGN_OR_RETURN(uint32_t page_size, PageSize(request.page_size(), "page_size"));
  std::optional<PagePosition> after;
  if (!request.page_token().empty()) {
    MP_ASSIGN_OR_RETURN(after, DecodePageToken("runs", request.page_token()));
  }
  std::vector<std::pair<std::string, std::string>> labels;
  for (int i = 0; i < request.labels_size(); ++i) {
    const std::string& label = request.labels(i);
    const size_t eq = label.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("labels[", i, "]: expected key=value, got \"", label, "\""));
    }
    labels.emplace_back(label.substr(0, eq), label.substr(eq + 1));
  }
  for (int i = 0; i < request.verdicts_size(); ++i) {
    if (!result::v1::RunVerdict_IsValid(request.verdicts(i))) {
      return absl::InvalidArgumentError(absl::StrCat("verdicts[", i, "]: unknown value"));
    }
  }

  ReaderPool::Lease db = readers_->Acquire();
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db.get(), /*immediate=*/false));
  v1::ListRunsResponse response;
  // Names are resolved first: an unknown scenario or cluster simply matches nothing.
  std::optional<int64_t> scenario_id, cluster_id;
  if (!request.scenario().empty()) {
    MP_ASSIGN_OR_RETURN(scenario_id, FindNameId(db.get(), "scenarios", request.scenario()));
    if (!scenario_id) return response;
  }
  if (!request.cluster().empty()) {
    MP_ASSIGN_OR_RETURN(cluster_id, FindNameId(db.get(), "clusters", request.cluster()));
    if (!cluster_id) return response;
  }
  std::string sql = "SELECT u.id, u.started_at FROM runs u WHERE 1";
  int next = 1;
  std::vector<std::function<void(Statement&)>> binds;
  auto param = [&]() { return absl::StrCat("?", next++); };
  if (scenario_id) {
    absl::StrAppend(&sql, " AND u.scenario_id = ", param());
    binds.push_back([v = *scenario_id, i = next - 1](Statement& s) { s.Bind(i, v); });
  }
  if (cluster_id) {
    absl::StrAppend(&sql, " AND u.cluster_id = ", param());
    binds.push_back([v = *cluster_id, i = next - 1](Statement& s) { s.Bind(i, v); });
  }
  if (!request.team().empty()) {
    absl::StrAppend(&sql, " AND u.team = ", param());
    binds.push_back([v = request.team(), i = next - 1](Statement& s) { s.BindText(i, v); });
  }
  if (!request.verdicts().empty()) {
    std::vector<std::string> placeholders;
    for (int v : request.verdicts()) {
      placeholders.push_back(param());
      binds.push_back([v, i = next - 1](Statement& s) { s.Bind(i, v); });
    }
    absl::StrAppend(&sql, " AND u.verdict IN (", absl::StrJoin(placeholders, ", "), ")");
  }
  if (request.has_since()) {
    absl::StrAppend(&sql, " AND u.started_at >= ", param());
    binds.push_back([v = ToMicros(request.since()), i = next - 1](Statement& s) { s.Bind(i, v); });
  }
  if (request.has_until()) {
    absl::StrAppend(&sql, " AND u.started_at < ", param());
    binds.push_back([v = ToMicros(request.until()), i = next - 1](Statement& s) { s.Bind(i, v); });
  }
  for (const auto& [key, value] : labels) {
    const std::string k = param(), v = param();
    absl::StrAppend(&sql,
                    " AND EXISTS (SELECT 1 FROM run_tags g WHERE g.run_pk = u.id AND g.kind = ",
                    kTagLabel, " AND g.key = ", k, " AND g.value = ", v, ")");
    binds.push_back([key = key, value = value, i = next - 2](Statement& s) {
      s.BindText(i, key).BindText(i + 1, value);
    });
  }
  if (after) {
    const std::string t = param(), id = param();
    absl::StrAppend(&sql, " AND (u.started_at < ", t, " OR (u.started_at = ", t, " AND u.id < ", id,
                    "))");
    binds.push_back([p = *after, i = next - 2](Statement& s) {
      s.Bind(i, p.started_at_us).Bind(i + 1, p.run_pk);
    });
  }
  absl::StrAppend(&sql, " ORDER BY u.started_at DESC, u.id DESC LIMIT ", param());
  binds.push_back([n = page_size + 1, i = next - 1](Statement& s) { s.Bind(i, n); });

  std::vector<PagePosition> page;
  {
    MP_ASSIGN_OR_RETURN(Statement stmt, db->Prepare(sql));
    for (auto& bind : binds) bind(stmt);
    while (true) {
      MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      page.push_back({stmt.Int(1), stmt.Int(0)});
    }
  }
  const bool more = page.size() > page_size;
  if (more) page.resize(page_size);
  for (const PagePosition& p : page) {
    MP_ASSIGN_OR_RETURN(*response.add_runs(), LoadRunRecord(db.get(), p.run_pk));
  }
  if (more) response.set_next_page_token(EncodePageToken("runs", page.back()));
  return response;
}

// ------------------------------------------------------------------- CompareRuns

absl::StatusOr<v1::CompareRunsResponse> ResultsQueries::CompareRuns(
    const v1::CompareRunsRequest& request) {
  ReaderPool::Lease db = readers_->Acquire();
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db.get(), /*immediate=*/false));
  MP_ASSIGN_OR_RETURN(int64_t base_pk, RequireRun(db.get(), request.base_run_id(), "base_run_id"));
  MP_ASSIGN_OR_RETURN(int64_t head_pk, RequireRun(db.get(), request.head_run_id(), "head_run_id"));
  v1::CompareRunsResponse response;
  MP_ASSIGN_OR_RETURN(*response.mutable_base(), LoadRunRecord(db.get(), base_pk));
  MP_ASSIGN_OR_RETURN(*response.mutable_head(), LoadRunRecord(db.get(), head_pk));
  for (v1::VersionChange& change :
       results::VersionChanges(response.base().environment(), response.head().environment())) {
    *response.add_version_changes() = std::move(change);
  }
  MP_ASSIGN_OR_RETURN(std::vector<StoredResult> base,
                      LoadResults(db.get(), base_pk, response.base().latest_attempt(), kPhaseTest,
                                  /*with_detail=*/true));
  MP_ASSIGN_OR_RETURN(std::vector<StoredResult> head,
                      LoadResults(db.get(), head_pk, response.head().latest_attempt(), kPhaseTest,
                                  /*with_detail=*/true));
  // Tests match by name, so variants stored under another scenario name still compare.
  absl::flat_hash_map<std::string, const StoredResult*> base_by_name;
  for (const StoredResult& r : base) base_by_name[r.test] = &r;
  std::vector<v1::TestComparison> tests;
  auto fill_side = [](const StoredResult& r, bool is_base, v1::TestComparison* c) {
    const std::string outcome =
        OutcomeString(r.row.flags, r.row.status_code, r.row.failure_class, r.row.verdict);
    const auto verdict = static_cast<result::v1::TestVerdict>(r.row.verdict);
    if (is_base) {
      c->set_base_verdict(verdict);
      c->set_base_outcome(outcome);
      if (r.row.flags & kFlagTimings)
        *c->mutable_base_latency() = MicrosToDuration(r.row.latency_us);
    } else {
      c->set_head_verdict(verdict);
      c->set_head_outcome(outcome);
      if (r.row.flags & kFlagTimings)
        *c->mutable_head_latency() = MicrosToDuration(r.row.latency_us);
    }
  };
  for (const StoredResult& h : head) {
    v1::TestComparison c;
    c.set_scenario(response.head().scenario());
    c.set_test(h.test);
    fill_side(h, false, &c);
    auto it = base_by_name.find(h.test);
    if (it == base_by_name.end()) {
      c.set_change(ClassifyChange(std::nullopt, c.head_verdict()));
      tests.push_back(std::move(c));
      continue;
    }
    const StoredResult& b = *it->second;
    base_by_name.erase(it);
    fill_side(b, true, &c);
    c.set_change(ClassifyChange(c.base_verdict(), c.head_verdict()));
    if ((b.row.flags & kFlagTimings) && (h.row.flags & kFlagTimings)) {
      *c.mutable_latency_delta() = MicrosToDuration(h.row.latency_us - b.row.latency_us);
    }
    if ((b.row.flags & kFlagHasDetail) || (h.row.flags & kFlagHasDetail)) {
      MP_ASSIGN_OR_RETURN(result::v1::TestResult bd, DecodeResult(b.row));
      MP_ASSIGN_OR_RETURN(result::v1::TestResult hd, DecodeResult(h.row));
      auto bs = EvidenceState(bd), hs = EvidenceState(hd);
      std::set<std::string> names;
      for (const auto& [name, state] : bs) names.insert(name);
      for (const auto& [name, state] : hs) names.insert(name);
      for (const std::string& name : names) {
        auto bi = bs.find(name), hi = hs.find(name);
        if (bi == bs.end() || hi == hs.end() || bi->second != hi->second) {
          c.add_changed_evidence(name);
        }
      }
    }
    tests.push_back(std::move(c));
  }
  for (const StoredResult& b : base) {
    if (!base_by_name.contains(b.test)) continue;
    v1::TestComparison c;
    c.set_scenario(response.base().scenario());
    c.set_test(b.test);
    fill_side(b, true, &c);
    c.set_change(ClassifyChange(c.base_verdict(), std::nullopt));
    tests.push_back(std::move(c));
  }
  SortComparisons(&tests);
  for (auto& c : tests) *response.add_tests() = std::move(c);
  return response;
}

// ---------------------------------------------------------------- GetTestHistory

absl::StatusOr<v1::GetTestHistoryResponse> ResultsQueries::GetTestHistory(
    const v1::GetTestHistoryRequest& request, const std::string& scoped_team) {
  if (request.scenario().empty()) return absl::InvalidArgumentError("scenario: must not be empty");
  if (request.test().empty()) return absl::InvalidArgumentError("test: must not be empty");
  MP_ASSIGN_OR_RETURN(uint32_t page_size, PageSize(request.page_size(), "page_size"));
  std::optional<PagePosition> after;
  if (!request.page_token().empty()) {
    MP_ASSIGN_OR_RETURN(after, DecodePageToken("history", request.page_token()));
  }
  ReaderPool::Lease db = readers_->Acquire();
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db.get(), /*immediate=*/false));
  v1::GetTestHistoryResponse response;
  MP_ASSIGN_OR_RETURN(bool hidden, HiddenFrom(db.get(), request.scenario(), scoped_team));
  if (hidden) return response;
  MP_ASSIGN_OR_RETURN(std::optional<TestKey> key,
                      FindTestKey(db.get(), request.scenario(), request.cluster(), request.test()));
  if (!key) return response;
  const std::optional<int64_t>& cluster_id = key->cluster_id;
  // Walks the scenario's runs newest first (an index range) and looks the test up in
  // each by primary key, so a page costs one probe per run, not a sort of all history.
  const std::string sql = absl::StrCat(
      "SELECT u.id, u.run_id, c.name, u.started_at, u.scenario_version, r.verdict, r.flags,"
      " r.status_code, r.failure_class, r.latency_us, r.reason,"
      " u.istio_version, u.k8s_version, u.envoy_version, u.agent_version"
      " FROM runs u ",
      cluster_id ? "INDEXED BY runs_by_scenario_cluster" : "INDEXED BY runs_by_scenario",
      " JOIN results r ON r.run_pk = u.id AND r.test_id = ?1 AND r.phase = ?2"
      " AND r.attempt = u.latest_attempt"
      " JOIN clusters c ON c.id = u.cluster_id"
      " WHERE u.scenario_id = ?3",
      cluster_id ? " AND u.cluster_id = ?4" : "",
      after ? " AND (u.started_at < ?5 OR (u.started_at = ?5 AND u.id < ?6))" : "",
      " ORDER BY u.started_at DESC, u.id DESC LIMIT ?7");
  MP_ASSIGN_OR_RETURN(Statement stmt, db->Prepare(sql));
  stmt.Bind(1, key->test_id).Bind(2, kPhaseTest).Bind(3, key->scenario_id).Bind(7, page_size + 1);
  if (cluster_id) stmt.Bind(4, *cluster_id);
  if (after) stmt.Bind(5, after->started_at_us).Bind(6, after->run_pk);
  PagePosition last;
  while (true) {
    MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    if (static_cast<uint32_t>(response.points_size()) == page_size) {
      response.set_next_page_token(EncodePageToken("history", last));
      break;
    }
    last = {stmt.Int(3), stmt.Int(0)};
    v1::HistoryPoint* p = response.add_points();
    p->set_run_id(stmt.Text(1));
    p->set_cluster(stmt.Text(2));
    *p->mutable_started_at() = FromMicros(stmt.Int(3));
    p->set_scenario_version(stmt.Text(4));
    p->set_verdict(static_cast<result::v1::TestVerdict>(stmt.Int(5)));
    const int64_t flags = stmt.Int(6);
    p->set_passed_on_retry(flags & kFlagPassedOnRetry);
    p->set_outcome(OutcomeString(flags, stmt.Int(7), stmt.Int(8), stmt.Int(5)));
    if (flags & kFlagTimings) *p->mutable_latency() = MicrosToDuration(stmt.Int(9));
    p->set_reason(stmt.Text(10));
    result::v1::Environment* env = p->mutable_environment();
    env->set_istio_version(stmt.Text(11));
    env->set_kubernetes_version(stmt.Text(12));
    env->set_envoy_version(stmt.Text(13));
    env->set_agent_version(stmt.Text(14));
  }
  return response;
}

// ---------------------------------------------------------------- ListFlakyTests

absl::StatusOr<v1::ListFlakyTestsResponse> ResultsQueries::ListFlakyTests(
    const v1::ListFlakyTestsRequest& request, const std::string& scoped_team) {
  const uint32_t last_runs = request.last_runs() == 0 ? kDefaultFlakyRuns : request.last_runs();
  if (last_runs > kMaxFlakyRuns) {
    return absl::ResourceExhaustedError(
        absl::StrCat("last_runs: must be at most ", kMaxFlakyRuns, ", got ", last_runs));
  }
  MP_ASSIGN_OR_RETURN(uint32_t limit, PageSize(request.limit(), "limit"));
  if (!(request.min_flip_rate() >= 0.0 && request.min_flip_rate() <= 1.0)) {
    return absl::InvalidArgumentError("min_flip_rate: must be between 0 and 1");
  }
  ReaderPool::Lease db = readers_->Acquire();
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db.get(), /*immediate=*/false));
  v1::ListFlakyTestsResponse response;
  std::optional<int64_t> scenario_id, cluster_id;
  if (!request.scenario().empty()) {
    MP_ASSIGN_OR_RETURN(scenario_id, FindNameId(db.get(), "scenarios", request.scenario()));
    if (!scenario_id) return response;
  }
  if (!request.cluster().empty()) {
    MP_ASSIGN_OR_RETURN(cluster_id, FindNameId(db.get(), "clusters", request.cluster()));
    if (!cluster_id) return response;
  }
  // The (scenario, cluster) pairs to look at.
  std::vector<std::pair<int64_t, int64_t>> pairs;
  {
    const std::string sql = absl::StrCat(
        "SELECT DISTINCT scenario_id, cluster_id FROM runs INDEXED BY runs_by_scenario_cluster"
        " WHERE 1",
        scenario_id ? " AND scenario_id = ?1" : "", cluster_id ? " AND cluster_id = ?2" : "");
    MP_ASSIGN_OR_RETURN(Statement stmt, db->Prepare(sql));
    if (scenario_id) stmt.Bind(1, *scenario_id);
    if (cluster_id) stmt.Bind(2, *cluster_id);
    while (true) {
      MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      pairs.emplace_back(stmt.Int(0), stmt.Int(1));
    }
  }
  // A scoped caller's pairs: scenarios hidden from it are dropped before anything is
  // counted, so its `limit` is filled with what it may see. Each scenario checked once.
  if (!scoped_team.empty()) {
    absl::flat_hash_map<int64_t, bool> hidden;
    std::vector<std::pair<int64_t, int64_t>> visible;
    for (const auto& pair : pairs) {
      auto it = hidden.find(pair.first);
      if (it == hidden.end()) {
        MP_ASSIGN_OR_RETURN(bool outside, HiddenFrom(db.get(), pair.first, scoped_team));
        it = hidden.emplace(pair.first, outside).first;
      }
      if (!it->second) visible.push_back(pair);
    }
    pairs.swap(visible);
  }
  struct Found {
    int64_t scenario_id, cluster_id, test_id;
    FlipCounter counter;
  };
  std::vector<Found> found;
  for (const auto& [sid, cid] : pairs) {
    std::vector<std::pair<int64_t, int64_t>> runs;  // (pk, attempt), newest first
    {
      MP_ASSIGN_OR_RETURN(
          Statement stmt,
          db->Prepare("SELECT id, latest_attempt FROM runs INDEXED BY runs_by_scenario_cluster"
                      " WHERE scenario_id = ?1 AND cluster_id = ?2 AND finished_at IS NOT NULL"
                      " ORDER BY started_at DESC, id DESC LIMIT ?3"));
      stmt.Bind(1, sid).Bind(2, cid).Bind(3, last_runs);
      while (true) {
        MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) break;
        runs.emplace_back(stmt.Int(0), stmt.Int(1));
      }
    }
    absl::flat_hash_map<int64_t, FlipCounter> counters;
    MP_ASSIGN_OR_RETURN(Statement stmt,
                        db->Prepare("SELECT test_id, verdict, flags FROM results"
                                    " WHERE run_pk = ?1 AND phase = ?2 AND attempt = ?3"));
    for (auto it = runs.rbegin(); it != runs.rend(); ++it) {  // oldest first
      stmt.Bind(1, it->first).Bind(2, kPhaseTest).Bind(3, it->second);
      while (true) {
        MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) break;
        counters[stmt.Int(0)].Add(static_cast<result::v1::TestVerdict>(stmt.Int(1)),
                                  stmt.Int(2) & kFlagPassedOnRetry);
      }
      stmt.Reset();
    }
    for (const auto& [test_id, counter] : counters) {
      if (counter.flaky() && counter.flip_rate() >= request.min_flip_rate()) {
        found.push_back({sid, cid, test_id, counter});
      }
    }
  }
  // Names, looked up only for what is reported.
  auto name_of = [&](absl::string_view sql, int64_t id) -> absl::StatusOr<std::string> {
    MP_ASSIGN_OR_RETURN(Statement stmt, db->Prepare(sql));
    stmt.Bind(1, id);
    MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
    return row ? stmt.Text(0) : std::string();
  };
  std::vector<v1::FlakyTest> tests;
  for (const Found& f : found) {
    v1::FlakyTest t;
    MP_ASSIGN_OR_RETURN(*t.mutable_scenario(),
                        name_of("SELECT name FROM scenarios WHERE id = ?1", f.scenario_id));
    MP_ASSIGN_OR_RETURN(*t.mutable_test(),
                        name_of("SELECT name FROM tests WHERE id = ?1", f.test_id));
    MP_ASSIGN_OR_RETURN(*t.mutable_cluster(),
                        name_of("SELECT name FROM clusters WHERE id = ?1", f.cluster_id));
    t.set_flip_rate(f.counter.flip_rate());
    t.set_flips(f.counter.flips());
    t.set_runs(f.counter.runs());
    t.set_passed_on_retry(f.counter.passed_on_retry());
    t.set_failures(f.counter.failures());
    tests.push_back(std::move(t));
  }
  std::sort(tests.begin(), tests.end(), [](const v1::FlakyTest& a, const v1::FlakyTest& b) {
    if (a.flip_rate() != b.flip_rate()) return a.flip_rate() > b.flip_rate();
    if (a.passed_on_retry() != b.passed_on_retry())
      return a.passed_on_retry() > b.passed_on_retry();
    return std::tie(a.scenario(), a.test(), a.cluster()) <
           std::tie(b.scenario(), b.test(), b.cluster());
  });
  if (tests.size() > limit) tests.resize(limit);
  for (auto& t : tests) *response.add_tests() = std::move(t);
  return response;
}

// ----------------------------------------------------------- GetLatestPerCluster

absl::StatusOr<v1::GetLatestPerClusterResponse> ResultsQueries::GetLatestPerCluster(
    const v1::GetLatestPerClusterRequest& request, const std::string& scoped_team) {
  if (request.scenario().empty()) return absl::InvalidArgumentError("scenario: must not be empty");
  ReaderPool::Lease db = readers_->Acquire();
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db.get(), /*immediate=*/false));
  MP_ASSIGN_OR_RETURN(bool hidden, HiddenFrom(db.get(), request.scenario(), scoped_team));
  if (hidden) return v1::GetLatestPerClusterResponse();
  MP_ASSIGN_OR_RETURN(std::optional<int64_t> scenario_id,
                      FindNameId(db.get(), "scenarios", request.scenario()));
  if (!scenario_id) {
    return absl::NotFoundError(absl::StrCat("scenario: no runs of \"", request.scenario(), "\""));
  }
  MP_ASSIGN_OR_RETURN(
      Statement stmt,
      // Every test of the latest run of each cluster (latest_runs), and the tests that
      // run lacks with the newest older run that has them (latest_results): see
      // latest_index.h.
      db->Prepare("SELECT t.name, c.name, u.run_id, u.started_at, r.verdict, r.status_code,"
                  " r.failure_class, r.flags, r.latency_us"
                  " FROM latest_runs l JOIN runs u ON u.id = l.run_pk"
                  " JOIN clusters c ON c.id = l.cluster_id"
                  " JOIN results r ON r.run_pk = l.run_pk"
                  " AND r.phase = ?2 AND r.attempt = u.latest_attempt"
                  " JOIN tests t ON t.id = r.test_id"
                  " WHERE l.scenario_id = ?1"
                  " UNION ALL "
                  "SELECT t.name, c.name, u.run_id, u.started_at, r.verdict, r.status_code,"
                  " r.failure_class, r.flags, r.latency_us"
                  " FROM latest_results l JOIN tests t ON t.id = l.test_id"
                  " JOIN runs u ON u.id = l.run_pk JOIN clusters c ON c.id = l.cluster_id"
                  " JOIN results r ON r.run_pk = l.run_pk AND r.test_id = l.test_id"
                  " AND r.phase = ?2 AND r.attempt = u.latest_attempt"
                  " WHERE l.scenario_id = ?1"));
  stmt.Bind(1, *scenario_id).Bind(2, kPhaseTest);
  std::map<std::string, std::map<std::string, v1::ClusterCell>> rows;  // test → cluster → cell
  std::set<std::string> clusters;
  while (true) {
    MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    v1::ClusterCell cell;
    cell.set_cluster(stmt.Text(1));
    cell.set_run_id(stmt.Text(2));
    *cell.mutable_started_at() = FromMicros(stmt.Int(3));
    cell.set_verdict(static_cast<result::v1::TestVerdict>(stmt.Int(4)));
    cell.set_outcome(OutcomeString(stmt.Int(7), stmt.Int(5), stmt.Int(6), stmt.Int(4)));
    if (stmt.Int(7) & kFlagTimings) *cell.mutable_latency() = MicrosToDuration(stmt.Int(8));
    clusters.insert(cell.cluster());
    rows[stmt.Text(0)][cell.cluster()] = std::move(cell);
  }
  v1::GetLatestPerClusterResponse response;
  for (const std::string& c : clusters) response.add_clusters(c);
  for (auto& [test, cells] : rows) {
    v1::ClusterRow* row = response.add_rows();
    row->set_test(test);
    for (const std::string& c : clusters) {
      auto it = cells.find(c);
      if (it != cells.end()) {
        *row->add_cells() = std::move(it->second);
      } else {
        row->add_cells()->set_cluster(c);
      }
    }
  }
  return response;
}

// --------------------------------------------------------------- GetLatencyTrend

absl::StatusOr<v1::GetLatencyTrendResponse> ResultsQueries::GetLatencyTrend(
    const v1::GetLatencyTrendRequest& request, const std::string& scoped_team) {
  if (request.scenario().empty()) return absl::InvalidArgumentError("scenario: must not be empty");
  if (request.test().empty()) return absl::InvalidArgumentError("test: must not be empty");
  const uint32_t days = request.days() == 0 ? kDefaultTrendDays : request.days();
  if (days > kMaxTrendDays) {
    return absl::ResourceExhaustedError(
        absl::StrCat("days: must be at most ", kMaxTrendDays, ", got ", days));
  }
  constexpr int64_t kDayUs = int64_t{86400} * 1000000;
  const int64_t now_us = absl::ToUnixMicros(clock_->Now());
  const int64_t today = now_us - (now_us % kDayUs + kDayUs) % kDayUs;
  const int64_t since = today - int64_t{days - 1} * kDayUs;

  ReaderPool::Lease db = readers_->Acquire();
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db.get(), /*immediate=*/false));
  v1::GetLatencyTrendResponse response;
  MP_ASSIGN_OR_RETURN(bool hidden, HiddenFrom(db.get(), request.scenario(), scoped_team));
  if (hidden) return response;
  MP_ASSIGN_OR_RETURN(std::optional<TestKey> key,
                      FindTestKey(db.get(), request.scenario(), request.cluster(), request.test()));
  if (!key) return response;
  const std::optional<int64_t>& cluster_id = key->cluster_id;
  const std::string sql = absl::StrCat(
      "SELECT u.started_at, r.latency_us FROM runs u ",
      cluster_id ? "INDEXED BY runs_by_scenario_cluster" : "INDEXED BY runs_by_scenario",
      " JOIN results r ON r.run_pk = u.id AND r.test_id = ?1 AND r.phase = ?2"
      " AND r.attempt = u.latest_attempt"
      " WHERE u.scenario_id = ?3 AND u.started_at >= ?4 AND (r.flags & ?5) != 0",
      cluster_id ? " AND u.cluster_id = ?6" : "");
  MP_ASSIGN_OR_RETURN(Statement stmt, db->Prepare(sql));
  stmt.Bind(1, key->test_id)
      .Bind(2, kPhaseTest)
      .Bind(3, key->scenario_id)
      .Bind(4, since)
      .Bind(5, kFlagTimings);
  if (cluster_id) stmt.Bind(6, *cluster_id);
  std::map<int64_t, std::vector<int64_t>> by_day;
  while (true) {
    MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    const int64_t started = stmt.Int(0);
    by_day[(started - since) / kDayUs].push_back(stmt.Int(1));
  }
  // Nearest-rank percentiles: always a latency that was really measured.
  auto percentile = [](const std::vector<int64_t>& sorted, double q) {
    const size_t rank = static_cast<size_t>(std::ceil(q * sorted.size()));
    return sorted[rank == 0 ? 0 : rank - 1];
  };
  for (auto& [day, samples] : by_day) {
    std::sort(samples.begin(), samples.end());
    v1::LatencyDay* d = response.add_days();
    d->set_day(absl::FormatTime("%Y-%m-%d", absl::FromUnixMicros(since + day * kDayUs),
                                absl::UTCTimeZone()));
    *d->mutable_p50() = MicrosToDuration(percentile(samples, 0.50));
    *d->mutable_p95() = MicrosToDuration(percentile(samples, 0.95));
    d->set_samples(static_cast<uint32_t>(samples.size()));
  }
  return response;
}

}  // namespace meshproof::store
