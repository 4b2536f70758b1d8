// The JSON report: the RunDetail message in the protobuf JSON mapping (field names as in
// the .proto files), stable for scripts.
#ifndef MESHPROOF_CLIENTS_CLI_REPORT_JSON_REPORT_H_
#define MESHPROOF_CLIENTS_CLI_REPORT_JSON_REPORT_H_

#include <string>

#include "clients/cli/report/report_input.h"

namespace meshproof::cli::report {

// Returns the run detail of `input` as indented JSON, ending with a newline.
std::string RenderJson(const ReportInput& input);

}  // namespace meshproof::cli::report

#endif  // MESHPROOF_CLIENTS_CLI_REPORT_JSON_REPORT_H_
