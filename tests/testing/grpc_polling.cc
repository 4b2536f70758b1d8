#include "tests/testing/grpc_polling.h"

#include <chrono>

#include "absl/time/clock.h"

namespace meshproof::testing {

void Deadline(grpc::ClientContext* context, absl::Duration d) {
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(d));
}

std::optional<store::v1::RunDetail> WaitForFinishedRun(store::v1::ResultsStoreService::Stub& store,
                                                       const std::string& run_id, int min_results,
                                                       bool include_evidence,
                                                       absl::Duration timeout,
                                                       store::v1::RunDetail* last_seen) {
  const absl::Time give_up = absl::Now() + timeout;
  store::v1::RunDetail detail;
  while (absl::Now() < give_up) {
    grpc::ClientContext context;
    Deadline(&context, absl::Seconds(2));
    store::v1::GetRunRequest request;
    request.set_run_id(run_id);
    request.set_include_evidence(include_evidence);
    if (store.GetRun(&context, request, &detail).ok() &&
        detail.run().verdict() != result::v1::RUN_VERDICT_UNSPECIFIED &&
        detail.results_size() >= min_results) {
      return detail;
    }
    // Polling a remote store: there is no notification to wait on across processes.
    absl::SleepFor(absl::Milliseconds(50));
  }
  if (last_seen != nullptr) *last_seen = std::move(detail);
  return std::nullopt;
}

}  // namespace meshproof::testing
