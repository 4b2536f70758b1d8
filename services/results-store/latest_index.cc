#include "services/results-store/latest_index.h"

#include <algorithm>
#include <iterator>
#include <optional>

#include "meshproof/result/v1/result.pb.h"
#include "services/common/status_macros.h"

namespace meshproof::store {
namespace {

constexpr int64_t kPhaseTest = result::v1::PHASE_TEST;

// Makes `test` an exception of (scenario, cluster) pointing at the given run, unless
// the exception it has already points at a later-started run.
constexpr char kUpsertException[] =
    "INSERT INTO latest_results (scenario_id, cluster_id, test_id, run_pk, started_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT (scenario_id, cluster_id, test_id) DO UPDATE SET"
    " run_pk = excluded.run_pk, started_at = excluded.started_at"
    " WHERE excluded.started_at > latest_results.started_at OR"
    " (excluded.started_at = latest_results.started_at AND"
    " excluded.run_pk > latest_results.run_pk)";

}  // namespace

absl::StatusOr<std::vector<int64_t>> LatestIndex::ReadTestIds(Database* db, int64_t run_pk,
                                                              int64_t attempt) {
  // One walk of the run's key range in `results`, already in test id order.
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db->Prepare("SELECT test_id FROM results"
                                  " WHERE run_pk = ?1 AND phase = ?2 AND attempt = ?3"));
  stmt.Bind(1, run_pk).Bind(2, kPhaseTest).Bind(3, attempt);
  std::vector<int64_t> ids;
  while (true) {
    MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    ids.push_back(stmt.Int(0));
  }
  // The order is the key's, but the set operations below must not depend on a plan.
  if (!std::is_sorted(ids.begin(), ids.end())) std::sort(ids.begin(), ids.end());
  return ids;
}

absl::StatusOr<std::vector<int64_t>> LatestIndex::TestIdsOfLatest(Database* db, int64_t scenario_id,
                                                                  int64_t cluster_id,
                                                                  int64_t run_pk) {
  const auto key = std::make_pair(scenario_id, cluster_id);
  if (auto it = latest_tests_.find(key); it != latest_tests_.end() && it->second.first == run_pk) {
    return it->second.second;
  }
  MP_ASSIGN_OR_RETURN(Statement stmt, db->Prepare("SELECT latest_attempt FROM runs WHERE id = ?1"));
  stmt.Bind(1, run_pk);
  MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::vector<int64_t>();
  const int64_t attempt = stmt.Int(0);
  stmt.Reset();
  MP_ASSIGN_OR_RETURN(std::vector<int64_t> ids, ReadTestIds(db, run_pk, attempt));
  latest_tests_[key] = {run_pk, ids};
  return ids;
}

absl::Status LatestIndex::OnRunFinished(Database* db, const FinishedRun& run) {
  std::vector<int64_t> tests;
  if (run.test_ids) {
    tests = *run.test_ids;
    std::sort(tests.begin(), tests.end());
  } else {
    MP_ASSIGN_OR_RETURN(tests, ReadTestIds(db, run.pk, run.latest_attempt));
  }
  std::optional<LatestRun> latest;
  {
    MP_ASSIGN_OR_RETURN(Statement stmt, db->Prepare("SELECT run_pk, started_at FROM latest_runs"
                                                    " WHERE scenario_id = ?1 AND cluster_id = ?2"));
    stmt.Bind(1, run.scenario_id).Bind(2, run.cluster_id);
    MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) latest = LatestRun{stmt.Int(0), stmt.Int(1)};
  }
  std::vector<int64_t> latest_tests;
  if (latest) {
    MP_ASSIGN_OR_RETURN(latest_tests,
                        TestIdsOfLatest(db, run.scenario_id, run.cluster_id, latest->pk));
  }
  MP_ASSIGN_OR_RETURN(Statement upsert, db->Prepare(kUpsertException));
  auto add_exception = [&](int64_t test_id, int64_t run_pk, int64_t started_at_us) {
    return upsert.Bind(1, run.scenario_id)
        .Bind(2, run.cluster_id)
        .Bind(3, test_id)
        .Bind(4, run_pk)
        .Bind(5, started_at_us)
        .Run();
  };
  const bool newer = !latest || run.started_at_us > latest->started_at_us ||
                     (run.started_at_us == latest->started_at_us && run.pk > latest->pk);
  if (!newer) {
    // Started before the latest but finished after it: its tests the latest lacks may
    // be newer than their exceptions.
    std::vector<int64_t> extra;
    std::set_difference(tests.begin(), tests.end(), latest_tests.begin(), latest_tests.end(),
                        std::back_inserter(extra));
    for (int64_t test_id : extra) {
      MP_RETURN_IF_ERROR(add_exception(test_id, run.pk, run.started_at_us));
    }
    return absl::OkStatus();
  }
  // The new latest run covers its own tests: their exceptions go. There are usually
  // none, and then this is one key probe.
  {
    std::vector<int64_t> covered;
    {
      MP_ASSIGN_OR_RETURN(Statement stmt,
                          db->Prepare("SELECT test_id FROM latest_results"
                                      " WHERE scenario_id = ?1 AND cluster_id = ?2"));
      stmt.Bind(1, run.scenario_id).Bind(2, run.cluster_id);
      while (true) {
        MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) break;
        if (std::binary_search(tests.begin(), tests.end(), stmt.Int(0))) {
          covered.push_back(stmt.Int(0));
        }
      }
    }
    if (!covered.empty()) {
      MP_ASSIGN_OR_RETURN(Statement remove,
                          db->Prepare("DELETE FROM latest_results WHERE scenario_id = ?1"
                                      " AND cluster_id = ?2 AND test_id = ?3"));
      for (int64_t test_id : covered) {
        MP_RETURN_IF_ERROR(
            remove.Bind(1, run.scenario_id).Bind(2, run.cluster_id).Bind(3, test_id).Run());
      }
    }
  }
  // The replaced run's tests that the new one lacks keep it as their latest.
  if (latest) {
    std::vector<int64_t> dropped;
    std::set_difference(latest_tests.begin(), latest_tests.end(), tests.begin(), tests.end(),
                        std::back_inserter(dropped));
    for (int64_t test_id : dropped) {
      MP_RETURN_IF_ERROR(add_exception(test_id, latest->pk, latest->started_at_us));
    }
  }
  MP_ASSIGN_OR_RETURN(Statement set_latest,
                      db->Prepare("INSERT INTO latest_runs (scenario_id, cluster_id, run_pk,"
                                  " started_at) VALUES (?1, ?2, ?3, ?4)"
                                  " ON CONFLICT (scenario_id, cluster_id) DO UPDATE SET"
                                  " run_pk = excluded.run_pk, started_at = excluded.started_at"));
  MP_RETURN_IF_ERROR(set_latest.Bind(1, run.scenario_id)
                         .Bind(2, run.cluster_id)
                         .Bind(3, run.pk)
                         .Bind(4, run.started_at_us)
                         .Run());
  latest_tests_[{run.scenario_id, run.cluster_id}] = {run.pk, std::move(tests)};
  return absl::OkStatus();
}

absl::Status LatestIndex::OnRunDeleted(Database* db, int64_t run_pk, int64_t scenario_id,
                                       int64_t cluster_id) {
  // Both tables are keyed by (scenario, cluster) first: the run's rows are found there.
  for (const char* sql : {"DELETE FROM latest_results WHERE scenario_id = ?1"
                          " AND cluster_id = ?2 AND run_pk = ?3",
                          "DELETE FROM latest_runs WHERE scenario_id = ?1"
                          " AND cluster_id = ?2 AND run_pk = ?3"}) {
    MP_ASSIGN_OR_RETURN(Statement stmt, db->Prepare(sql));
    MP_RETURN_IF_ERROR(stmt.Bind(1, scenario_id).Bind(2, cluster_id).Bind(3, run_pk).Run());
  }
  auto it = latest_tests_.find({scenario_id, cluster_id});
  if (it != latest_tests_.end() && it->second.first == run_pk) latest_tests_.erase(it);
  return absl::OkStatus();
}

}  // namespace meshproof::store
