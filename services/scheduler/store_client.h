// The scheduler's view of the results store: the three idempotent writes. The gRPC
// implementation sits beside the interface; tests use a fake.
#ifndef MESHPROOF_SERVICES_SCHEDULER_STORE_CLIENT_H_
#define MESHPROOF_SERVICES_SCHEDULER_STORE_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "meshproof/store/v1/store.pb.h"

namespace meshproof::scheduler {

class StoreClient {
 public:
  virtual ~StoreClient() = default;
  // Each returns the store's status (UNAVAILABLE / DEADLINE_EXCEEDED when unreachable).
  virtual absl::Status BeginRun(const meshproof::store::v1::BeginRunRequest& request) = 0;
  virtual absl::Status AppendResults(const meshproof::store::v1::AppendResultsRequest& request) = 0;
  virtual absl::Status FinishRun(const meshproof::store::v1::FinishRunRequest& request) = 0;
};

// Returns a client of the store at "HOST:PORT" over one insecure channel with keepalive;
// every call has `deadline` and, when `token` is not empty, "authorization: Bearer
// TOKEN" (a store running with --tokens needs the role writer).
std::unique_ptr<StoreClient> NewGrpcStoreClient(const std::string& address,
                                                absl::Duration deadline,
                                                const std::string& token = "");

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_STORE_CLIENT_H_
