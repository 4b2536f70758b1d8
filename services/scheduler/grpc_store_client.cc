// The gRPC implementation of StoreClient.
#include <grpcpp/grpcpp.h>

#include "meshproof/store/v1/store.grpc.pb.h"
#include "services/common/client_channel.h"
#include "services/common/grpc_status.h"
#include "services/scheduler/store_client.h"

namespace meshproof::scheduler {
namespace {

namespace sv1 = meshproof::store::v1;

class GrpcStoreClient final : public StoreClient {
 public:
  GrpcStoreClient(const std::shared_ptr<grpc::Channel>& channel, absl::Duration deadline)
      : deadline_(deadline), stub_(sv1::ResultsStoreService::NewStub(channel)) {}

  absl::Status BeginRun(const sv1::BeginRunRequest& request) override {
    grpc::ClientContext context;
    Prepare(&context);
    sv1::BeginRunResponse response;
    return FromGrpcStatus(stub_->BeginRun(&context, request, &response));
  }
  absl::Status AppendResults(const sv1::AppendResultsRequest& request) override {
    grpc::ClientContext context;
    Prepare(&context);
    sv1::AppendResultsResponse response;
    return FromGrpcStatus(stub_->AppendResults(&context, request, &response));
  }
  absl::Status FinishRun(const sv1::FinishRunRequest& request) override {
    grpc::ClientContext context;
    Prepare(&context);
    sv1::FinishRunResponse response;
    return FromGrpcStatus(stub_->FinishRun(&context, request, &response));
  }

 private:
  // Every call gets the deadline (the channel adds the token).
  void Prepare(grpc::ClientContext* context) {
    context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline_));
  }
  absl::Duration deadline_;
  std::unique_ptr<sv1::ResultsStoreService::Stub> stub_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<StoreClient>> NewGrpcStoreClient(ClientChannelOptions channel,
                                                                absl::Duration deadline) {
  // Reconnect quickly once the store is back (the forwarder has its own backoff).
  channel.initial_reconnect_backoff = absl::Milliseconds(200);
  channel.max_reconnect_backoff = absl::Seconds(2);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> made = MakeClientChannel(channel);
  if (!made.ok()) return made.status();
  return std::unique_ptr<StoreClient>(std::make_unique<GrpcStoreClient>(*made, deadline));
}

}  // namespace meshproof::scheduler
