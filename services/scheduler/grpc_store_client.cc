// The gRPC implementation of StoreClient.
#include <grpcpp/grpcpp.h>

#include "meshproof/store/v1/store.grpc.pb.h"
#include "services/common/auth/token_file.h"
#include "services/common/grpc_status.h"
#include "services/scheduler/store_client.h"

namespace meshproof::scheduler {
namespace {

namespace sv1 = meshproof::store::v1;

class GrpcStoreClient final : public StoreClient {
 public:
  GrpcStoreClient(const std::string& address, absl::Duration deadline, std::string token)
      : deadline_(deadline), token_(std::move(token)) {
    grpc::ChannelArguments args;
    // Find a dead store connection in seconds rather than at the next call's deadline.
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
    args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    // Reconnect quickly once the store is back (the forwarder has its own backoff).
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
    stub_ = sv1::ResultsStoreService::NewStub(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  }

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
  // Every call gets the deadline and the token.
  void Prepare(grpc::ClientContext* context) {
    context->set_deadline(std::chrono::system_clock::now() +
                          absl::ToChronoMilliseconds(deadline_));
    auth::AttachToken(context, token_);
  }
  absl::Duration deadline_;
  const std::string token_;
  std::unique_ptr<sv1::ResultsStoreService::Stub> stub_;
};

}  // namespace

std::unique_ptr<StoreClient> NewGrpcStoreClient(const std::string& address,
                                                absl::Duration deadline,
                                                const std::string& token) {
  return std::make_unique<GrpcStoreClient>(address, deadline, token);
}

}  // namespace meshproof::scheduler
