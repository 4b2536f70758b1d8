// ReportInput: everything a report renderer reads, gathered from the results store
// beforehand (the run, an optional comparison, the history of each test), so every
// renderer is a pure function of it and golden-file tests need no server.
#ifndef MESHPROOF_CLIENTS_CLI_REPORT_REPORT_INPUT_H_
#define MESHPROOF_CLIENTS_CLI_REPORT_REPORT_INPUT_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "meshproof/store/v1/store.pb.h"

namespace meshproof::cli::report {

struct ReportInput {
  // The run with results, evidence and claims ledger (GetRun with include_evidence).
  meshproof::store::v1::RunDetail detail;
  // The comparison with an earlier run (base) when the user asked for one; head is this run.
  std::optional<meshproof::store::v1::CompareRunsResponse> comparison;
  // Per test name: its history, newest first, as GetTestHistory returns it. May be empty;
  // only the HTML report draws it.
  std::map<std::string, std::vector<meshproof::store::v1::HistoryPoint>> history;
};

}  // namespace meshproof::cli::report

#endif  // MESHPROOF_CLIENTS_CLI_REPORT_REPORT_INPUT_H_
