// Team scope on the store's reads. Runs carry their team (RunRecord.team, written by the
// scheduler's forwarder from the run's owner), so a run is checked after it is loaded and
// answered with the very NOT_FOUND an unknown id gets. Scenario names belong to one team
// in the scheduler; a scenario with a run of another team (a name deleted and taken by
// another team) is shown to neither, only to admins.
#include "services/results-store/team_reads.h"

#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"

namespace meshproof::store {
namespace {

absl::Status NoRun(absl::string_view field, const std::string& run_id) {
  // The same words as an id never stored (results_queries.cc RequireRun).
  return absl::NotFoundError(absl::StrCat(field, ": no run \"", run_id, "\""));
}

// True when the scope may read the scenario-wide answers of `scenario`.
absl::StatusOr<bool> SeesScenario(ResultsStore* store, const auth::TeamScope& scope,
                                  const std::string& scenario) {
  if (!scope.scoped()) {
    scope.Sees("", absl::StrCat("the results of scenario ", scenario));
    return true;
  }
  MP_ASSIGN_OR_RETURN(bool outside, store->ScenarioHasRunsOutside(scenario, scope.team()));
  return !outside;
}

}  // namespace

absl::StatusOr<v1::RunDetail> ScopedGetRun(ResultsStore* store, const auth::TeamScope& scope,
                                           const v1::GetRunRequest& request) {
  MP_ASSIGN_OR_RETURN(v1::RunDetail detail, store->GetRun(request));
  if (!scope.Sees(detail.run().team(), absl::StrCat("run ", request.run_id()))) {
    return NoRun("run_id", request.run_id());
  }
  return detail;
}

absl::StatusOr<v1::ListRunsResponse> ScopedListRuns(ResultsStore* store,
                                                    const auth::TeamScope& scope,
                                                    const v1::ListRunsRequest& request) {
  MP_RETURN_IF_ERROR(scope.CheckNamedTeam(request.team(), "team"));
  if (!scope.scoped()) {
    if (request.team().empty()) scope.AuditList("runs");
    return store->ListRuns(request);
  }
  v1::ListRunsRequest own = request;
  own.set_team(scope.team());
  return store->ListRuns(own);
}

absl::StatusOr<v1::CompareRunsResponse> ScopedCompareRuns(ResultsStore* store,
                                                          const auth::TeamScope& scope,
                                                          const v1::CompareRunsRequest& request) {
  MP_ASSIGN_OR_RETURN(v1::CompareRunsResponse response, store->CompareRuns(request));
  if (!scope.Sees(response.base().team(), absl::StrCat("run ", request.base_run_id()))) {
    return NoRun("base_run_id", request.base_run_id());
  }
  if (!scope.Sees(response.head().team(), absl::StrCat("run ", request.head_run_id()))) {
    return NoRun("head_run_id", request.head_run_id());
  }
  return response;
}

absl::StatusOr<v1::GetTestHistoryResponse> ScopedGetTestHistory(
    ResultsStore* store, const auth::TeamScope& scope, const v1::GetTestHistoryRequest& request) {
  MP_ASSIGN_OR_RETURN(v1::GetTestHistoryResponse response, store->GetTestHistory(request));
  MP_ASSIGN_OR_RETURN(bool sees, SeesScenario(store, scope, request.scenario()));
  if (!sees) return v1::GetTestHistoryResponse();
  return response;
}

absl::StatusOr<v1::ListFlakyTestsResponse> ScopedListFlakyTests(
    ResultsStore* store, const auth::TeamScope& scope, const v1::ListFlakyTestsRequest& request) {
  MP_ASSIGN_OR_RETURN(v1::ListFlakyTestsResponse all, store->ListFlakyTests(request));
  if (!scope.scoped()) {
    if (request.scenario().empty()) scope.AuditList("flaky tests");
    return all;
  }
  // Filtered after the query: a scoped caller may get fewer than `limit` entries. Each
  // scenario is checked once: the entries of one scenario are many (a test per cluster),
  // and every check is a query that waits for a reader of its own.
  v1::ListFlakyTestsResponse mine;
  std::map<std::string, bool> seen;
  for (v1::FlakyTest& test : *all.mutable_tests()) {
    auto it = seen.find(test.scenario());
    if (it == seen.end()) {
      MP_ASSIGN_OR_RETURN(bool sees, SeesScenario(store, scope, test.scenario()));
      it = seen.emplace(test.scenario(), sees).first;
    }
    if (it->second) *mine.add_tests() = std::move(test);
  }
  return mine;
}

absl::StatusOr<v1::GetLatestPerClusterResponse> ScopedGetLatestPerCluster(
    ResultsStore* store, const auth::TeamScope& scope,
    const v1::GetLatestPerClusterRequest& request) {
  MP_ASSIGN_OR_RETURN(v1::GetLatestPerClusterResponse response,
                      store->GetLatestPerCluster(request));
  MP_ASSIGN_OR_RETURN(bool sees, SeesScenario(store, scope, request.scenario()));
  if (!sees) return v1::GetLatestPerClusterResponse();
  return response;
}

absl::StatusOr<v1::GetClaimsLedgerResponse> ScopedGetClaimsLedger(
    ResultsStore* store, const auth::TeamScope& scope, const v1::GetClaimsLedgerRequest& request) {
  if (scope.scoped()) {
    v1::GetRunRequest get;
    get.set_run_id(request.run_id());
    MP_RETURN_IF_ERROR(ScopedGetRun(store, scope, get).status());
  }
  return store->GetClaimsLedger(request);
}

absl::StatusOr<v1::GetLatencyTrendResponse> ScopedGetLatencyTrend(
    ResultsStore* store, const auth::TeamScope& scope, const v1::GetLatencyTrendRequest& request) {
  MP_ASSIGN_OR_RETURN(v1::GetLatencyTrendResponse response, store->GetLatencyTrend(request));
  MP_ASSIGN_OR_RETURN(bool sees, SeesScenario(store, scope, request.scenario()));
  if (!sees) return v1::GetLatencyTrendResponse();
  return response;
}

}  // namespace meshproof::store
