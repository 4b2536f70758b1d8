#include "clients/cli/scheduler_client.h"

namespace meshproof::cli {

absl::Status SchedulerClient::WatchRun(
    const std::string& run_id, absl::Duration timeout,
    const std::function<void(const schedv1::RunEvent&)>& on_event) const {
  grpc::ClientContext context;
  caller_.Prepare(&context, timeout);
  schedv1::WatchRunRequest request;
  request.set_run_id(run_id);
  std::unique_ptr<grpc::ClientReader<schedv1::RunEvent>> reader =
      stub_->WatchRun(&context, request);
  schedv1::RunEvent event;
  while (reader->Read(&event)) on_event(event);
  const grpc::Status status = reader->Finish();
  if (!status.ok()) return DescribeRpcError(status, caller_.peer(), timeout);
  return absl::OkStatus();
}

}  // namespace meshproof::cli
