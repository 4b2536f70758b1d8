#include "clients/cli/report/json_report.h"

#include "clients/cli/proto_json.h"

namespace meshproof::cli::report {

std::string RenderJson(const ReportInput& input) {
  // Proto field names (run_id, not runId): the names docs and .proto files use.
  std::string out;
  // Serializing a valid message to JSON cannot fail (no Any fields to resolve).
  (void)AppendProtoJsonIndented(input.detail, &out);
  if (out.empty() || out.back() != '\n') out += '\n';
  return out;
}

}  // namespace meshproof::cli::report
