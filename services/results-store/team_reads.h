// The store's read queries as a caller scoped to one team sees them (auth/team_scope.h):
// a run of another team is NOT_FOUND, exactly as one never stored; ListRuns lists only
// the caller's team and refuses a `team` naming another (PERMISSION_DENIED); the
// scenario-wide queries (history, trend, latest per cluster, flaky tests) answer empty
// for a scenario with runs of another team, as for a scenario never stored. Unscoped
// callers (no tokens, admin) get the plain queries.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_TEAM_READS_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_TEAM_READS_H_

#include "absl/status/statusor.h"
#include "meshproof/store/v1/store.pb.h"
#include "services/common/auth/team_scope.h"
#include "services/results-store/results_store.h"

namespace meshproof::store {

absl::StatusOr<v1::RunDetail> ScopedGetRun(ResultsStore* store, const auth::TeamScope& scope,
                                           const v1::GetRunRequest& request);
absl::StatusOr<v1::ListRunsResponse> ScopedListRuns(ResultsStore* store,
                                                    const auth::TeamScope& scope,
                                                    const v1::ListRunsRequest& request);
absl::StatusOr<v1::CompareRunsResponse> ScopedCompareRuns(ResultsStore* store,
                                                          const auth::TeamScope& scope,
                                                          const v1::CompareRunsRequest& request);
absl::StatusOr<v1::GetTestHistoryResponse> ScopedGetTestHistory(
    ResultsStore* store, const auth::TeamScope& scope, const v1::GetTestHistoryRequest& request);
absl::StatusOr<v1::ListFlakyTestsResponse> ScopedListFlakyTests(
    ResultsStore* store, const auth::TeamScope& scope, const v1::ListFlakyTestsRequest& request);
absl::StatusOr<v1::GetLatestPerClusterResponse> ScopedGetLatestPerCluster(
    ResultsStore* store, const auth::TeamScope& scope,
    const v1::GetLatestPerClusterRequest& request);
absl::StatusOr<v1::GetClaimsLedgerResponse> ScopedGetClaimsLedger(
    ResultsStore* store, const auth::TeamScope& scope, const v1::GetClaimsLedgerRequest& request);
absl::StatusOr<v1::GetLatencyTrendResponse> ScopedGetLatencyTrend(
    ResultsStore* store, const auth::TeamScope& scope, const v1::GetLatencyTrendRequest& request);

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_TEAM_READS_H_
