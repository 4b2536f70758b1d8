// The scheduler's view of the results store: the three idempotent writes. The gRPC
// implementation sits beside the interface; tests use a fake.
#ifndef MESHPROOF_SERVICES_SCHEDULER_STORE_CLIENT_H_
#define MESHPROOF_SERVICES_SCHEDULER_STORE_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "meshproof/store/v1/store.pb.h"
#include "services/common/client_channel.h"

namespace meshproof::scheduler {

class StoreClient {
 public:
  virtual ~StoreClient() = default;
  // Each returns the store's status (UNAVAILABLE / DEADLINE_EXCEEDED when unreachable).
  virtual absl::Status BeginRun(const meshproof::store::v1::BeginRunRequest& request) = 0;
  virtual absl::Status AppendResults(const meshproof::store::v1::AppendResultsRequest& request) = 0;
  virtual absl::Status FinishRun(const meshproof::store::v1::FinishRunRequest& request) = 0;
};

// Returns a client of the store over one channel made by MakeClientChannel (keepalive,
// TLS, and the token: a store running with --tokens needs the role writer); every call
// has `deadline`. Errors as MakeClientChannel.
absl::StatusOr<std::unique_ptr<StoreClient>> NewGrpcStoreClient(ClientChannelOptions channel,
                                                                absl::Duration deadline);

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_STORE_CLIENT_H_
