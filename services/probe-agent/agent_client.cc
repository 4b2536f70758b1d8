#include "services/probe-agent/agent_client.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/grpc_status.h"

namespace meshproof::agent {

namespace av1 = ::meshproof::agent::v1;
namespace rv1 = ::meshproof::result::v1;

AgentClient::AgentClient(std::shared_ptr<grpc::ChannelInterface> channel, std::string target)
    : stub_(av1::ProbeAgentService::NewStub(std::move(channel))), target_(std::move(target)) {}

AgentClient AgentClient::Insecure(const std::string& target) {
  return AgentClient(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()), target);
}

absl::Status AgentClient::Map(const grpc::Status& status) const {
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    return absl::UnavailableError(absl::StrCat("agent ", target_, " is unavailable: ", status.error_message()));
  }
  absl::Status mapped = FromGrpcStatus(status);
  return absl::Status(mapped.code(), absl::StrCat("agent ", target_, ": ", mapped.message()));
}

absl::StatusOr<rv1::ScenarioOutcome> AgentClient::Execute(
    const meshproof::scenario::v1::Scenario& scenario, const AgentCallOptions& options,
    const std::function<void(const rv1::TestResult&)>& on_result) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options.timeout));
  av1::ExecuteRequest request;
  *request.mutable_scenario() = scenario;
  for (const std::string& name : options.only_tests) request.add_only_tests(name);
  request.set_approved(options.approved);
  request.set_run_id(options.run_id);
  std::unique_ptr<grpc::ClientReaderInterface<av1::ExecuteEvent>> reader = stub_->Execute(&context, request);
  av1::ExecuteEvent event;
  uint64_t expected = 1;
  std::optional<rv1::ScenarioOutcome> outcome;
  absl::Status broken;
  while (reader->Read(&event)) {
    if (!broken.ok()) continue;  // drain, then report
    if (event.sequence() != expected) {
      broken = absl::DataLossError(absl::StrCat("agent ", target_, ": event ", expected, " missing (got ",
                                                event.sequence(), ")"));
      context.TryCancel();
      continue;
    }
    ++expected;
    if (event.has_result()) {
      if (on_result) on_result(event.result());
    } else if (event.has_outcome()) {
      outcome = event.outcome();
    }
  }
  const grpc::Status status = reader->Finish();
  if (!broken.ok()) return broken;
  if (!status.ok()) return Map(status);
  if (!outcome.has_value()) {
    return absl::DataLossError(absl::StrCat("agent ", target_, ": the stream ended without an outcome"));
  }
  return *std::move(outcome);
}

absl::StatusOr<av1::AgentInfo> AgentClient::GetInfo(absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  av1::AgentInfo info;
  const grpc::Status status = stub_->GetInfo(&context, av1::GetInfoRequest(), &info);
  if (!status.ok()) return Map(status);
  return info;
}

}  // namespace meshproof::agent
