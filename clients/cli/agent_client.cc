#include "clients/cli/agent_client.h"

#include <optional>

#include "absl/strings/str_cat.h"

namespace meshproof::cli {

namespace av1 = ::meshproof::agent::v1;
namespace rv1 = ::meshproof::result::v1;

absl::StatusOr<rv1::ScenarioOutcome> AgentClient::Execute(
    const meshproof::scenario::v1::Scenario& scenario, const std::vector<std::string>& only_tests,
    absl::Duration timeout, const std::function<void(const rv1::TestResult&)>& on_result) const {
  grpc::ClientContext context;
  caller_.Prepare(&context, timeout);
  av1::ExecuteRequest request;
  *request.mutable_scenario() = scenario;
  for (const std::string& name : only_tests) request.add_only_tests(name);
  request.set_batch_results(true);
  std::unique_ptr<grpc::ClientReader<av1::ExecuteEvent>> reader = stub_->Execute(&context, request);
  const std::string who = absl::StrCat("the agent at ", caller_.peer().address);
  av1::ExecuteEvent event;
  uint64_t expected = 1;
  std::optional<rv1::ScenarioOutcome> outcome;
  absl::Status broken;
  while (reader->Read(&event)) {
    if (!broken.ok()) continue;  // drain, then report
    if (event.sequence() != expected) {
      broken = absl::DataLossError(absl::StrCat(who, " skipped event ", expected, " (got ",
                                                event.sequence(), "): results are missing"));
      context.TryCancel();
      continue;
    }
    ++expected;
    if (event.has_result()) {
      if (on_result) on_result(event.result());
    } else if (event.has_results()) {
      if (on_result) {
        for (const rv1::TestResult& result : event.results().results()) on_result(result);
      }
    } else if (event.has_outcome()) {
      outcome = event.outcome();
    }
  }
  const grpc::Status status = reader->Finish();
  if (!broken.ok()) return broken;
  if (!status.ok()) return DescribeRpcError(status, caller_.peer(), timeout);
  if (!outcome.has_value()) {
    return absl::DataLossError(absl::StrCat(who, " ended the stream without an outcome"));
  }
  return *std::move(outcome);
}

absl::StatusOr<av1::AgentInfo> AgentClient::GetInfo() const {
  return caller_.Call(stub_.get(), &av1::ProbeAgentService::Stub::GetInfo, av1::GetInfoRequest());
}

}  // namespace meshproof::cli
