// Team scope on the store's reads. Runs carry their team (RunRecord.team, written by the
// scheduler's forwarder from the run's owner), so a run is checked after it is loaded and
// answered with the very NOT_FOUND an unknown id gets. Scenario names belong to one team
// in the scheduler; a scenario with a run of another team (a name deleted and taken by
// another team) is shown to neither, only to admins.
#include "services/results-store/team_reads.h"

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

// The team a scenario-wide query is scoped to: empty for an unscoped caller, whose read
// of all teams' answers is audited here.
std::string ScopedTeam(const auth::TeamScope& scope, const std::string& scenario) {
  if (!scope.scoped()) {
    scope.Sees("", absl::StrCat("the results of scenario ", scenario));
    return "";
  }
  return scope.team();
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
  return store->GetTestHistory(request, ScopedTeam(scope, request.scenario()));
}

absl::StatusOr<v1::ListFlakyTestsResponse> ScopedListFlakyTests(
    ResultsStore* store, const auth::TeamScope& scope, const v1::ListFlakyTestsRequest& request) {
  if (!scope.scoped()) {
    if (request.scenario().empty()) scope.AuditList("flaky tests");
    return store->ListFlakyTests(request);
  }
  // Scenarios with runs of another team are left out inside the query, before its limit.
  return store->ListFlakyTests(request, scope.team());
}

absl::StatusOr<v1::GetLatestPerClusterResponse> ScopedGetLatestPerCluster(
    ResultsStore* store, const auth::TeamScope& scope,
    const v1::GetLatestPerClusterRequest& request) {
  return store->GetLatestPerCluster(request, ScopedTeam(scope, request.scenario()));
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
  return store->GetLatencyTrend(request, ScopedTeam(scope, request.scenario()));
}

}  // namespace meshproof::store
