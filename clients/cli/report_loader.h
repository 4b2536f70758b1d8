// Gathering a report's input from the results store: the run with its evidence, the run
// to compare with ("previous" = the same scenario's run before it in the same cluster),
// and each test's recent history (for the HTML pictures).
#ifndef MESHPROOF_CLIENTS_CLI_REPORT_LOADER_H_
#define MESHPROOF_CLIENTS_CLI_REPORT_LOADER_H_

#include <string>

#include "absl/status/statusor.h"
#include "clients/cli/report/report_input.h"
#include "clients/cli/store_client.h"

namespace meshproof::cli {

struct LoadOptions {
  // Empty: no comparison. "previous": the run before. Otherwise a run id.
  std::string against;
  // Points of history per test; 0 fetches none.
  uint32_t history_runs = 0;
};

// Returns the id of the run of the same scenario and cluster that started just before
// `run_id`. NOT_FOUND when there is none.
absl::StatusOr<std::string> PreviousRunId(const StoreClient& client, const std::string& run_id);

// Returns everything the renderers need for `run_id`. Errors are the store's, described.
absl::StatusOr<report::ReportInput> LoadReportInput(const StoreClient& client,
                                                    const std::string& run_id,
                                                    const LoadOptions& options);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_REPORT_LOADER_H_
