#include "clients/cli/report/json_report.h"

#include <google/protobuf/util/json_util.h>

namespace meshproof::cli::report {

std::string RenderJson(const ReportInput& input) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  // Proto field names (run_id, not runId): the names docs and .proto files use.
  options.preserve_proto_field_names = true;
  std::string out;
  // Serializing a valid message to JSON cannot fail (no Any fields to resolve).
  (void)google::protobuf::util::MessageToJsonString(input.detail, &out, options);
  if (out.empty() || out.back() != '\n') out += '\n';
  return out;
}

}  // namespace meshproof::cli::report
