// gRPC helpers for tests that drive real service processes: per-call deadlines, and
// waiting for the results store to hold a run the scheduler forwards asynchronously
// (through its outbox), which can only be polled across processes.
#ifndef MESHPROOF_TESTS_TESTING_GRPC_POLLING_H_
#define MESHPROOF_TESTS_TESTING_GRPC_POLLING_H_

#include <grpcpp/grpcpp.h>

#include <optional>
#include <string>

#include "absl/time/time.h"
#include "meshproof/store/v1/store.grpc.pb.h"

namespace meshproof::testing {

// Sets the call's deadline `d` from now.
void Deadline(grpc::ClientContext* context, absl::Duration d = absl::Seconds(10));

// Reads the store's view of `run_id` until the run is finished with at least
// `min_results` results, for at most `timeout`. nullopt when it never got there;
// `last_seen` (if given) then holds the last answer, for the failure message.
std::optional<store::v1::RunDetail> WaitForFinishedRun(store::v1::ResultsStoreService::Stub& store,
                                                       const std::string& run_id, int min_results,
                                                       bool include_evidence = false,
                                                       absl::Duration timeout = absl::Seconds(30),
                                                       store::v1::RunDetail* last_seen = nullptr);

}  // namespace meshproof::testing

#endif  // MESHPROOF_TESTS_TESTING_GRPC_POLLING_H_
