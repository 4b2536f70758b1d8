#include "clients/cli/report_loader.h"

#include <set>

#include "absl/strings/str_cat.h"

namespace meshproof::cli {
namespace {

// Bounds the walk through older runs; a run further back than this is not "previous".
constexpr int kMaxPages = 20;

}  // namespace

absl::StatusOr<std::string> PreviousRunId(const StoreClient& client, const std::string& run_id) {
  storev1::GetRunRequest get;
  get.set_run_id(run_id);
  auto detail = client.GetRun(get);
  if (!detail.ok()) return detail.status();
  const storev1::RunRecord& run = detail->run();
  storev1::ListRunsRequest list;
  list.set_scenario(run.scenario());
  list.set_cluster(run.cluster());
  *list.mutable_until() = run.started_at();  // started strictly before this run
  list.set_page_size(50);
  for (int page = 0; page < kMaxPages; ++page) {
    auto response = client.ListRuns(list);
    if (!response.ok()) return response.status();
    for (const storev1::RunRecord& r : response->runs()) {
      // Newest first; an open run has nothing to compare yet.
      if (r.run_id() != run_id && r.verdict() != result::v1::RUN_VERDICT_UNSPECIFIED)
        return r.run_id();
    }
    if (response->next_page_token().empty()) break;
    list.set_page_token(response->next_page_token());
  }
  return absl::NotFoundError(absl::StrCat("no finished run of ", run.scenario(), " in cluster ",
                                          run.cluster().empty() ? "(none)" : run.cluster(),
                                          " before ", run_id, " to compare with"));
}

absl::StatusOr<report::ReportInput> LoadReportInput(const StoreClient& client,
                                                    const std::string& run_id,
                                                    const LoadOptions& options) {
  report::ReportInput input;
  storev1::GetRunRequest get;
  get.set_run_id(run_id);
  get.set_include_evidence(true);
  auto detail = client.GetRun(get);
  if (!detail.ok()) return detail.status();
  input.detail = std::move(*detail);
  if (!options.against.empty()) {
    std::string base = options.against;
    if (base == "previous") {
      auto previous = PreviousRunId(client, run_id);
      if (!previous.ok()) return previous.status();
      base = *previous;
    }
    storev1::CompareRunsRequest compare;
    compare.set_base_run_id(base);
    compare.set_head_run_id(run_id);
    auto comparison = client.CompareRuns(compare);
    if (!comparison.ok()) return comparison.status();
    input.comparison = std::move(*comparison);
  }
  if (options.history_runs > 0) {
    std::set<std::string> seen;
    for (const result::v1::TestResult& r : input.detail.results()) {
      if (r.phase() != result::v1::PHASE_TEST || !seen.insert(r.test()).second) continue;
      storev1::GetTestHistoryRequest request;
      request.set_scenario(input.detail.run().scenario());
      request.set_test(r.test());
      request.set_cluster(input.detail.run().cluster());
      request.set_page_size(options.history_runs);
      auto history = client.GetTestHistory(request);
      if (!history.ok()) return history.status();
      input.history[r.test()].assign(history->points().begin(), history->points().end());
    }
  }
  return input;
}

}  // namespace meshproof::cli
