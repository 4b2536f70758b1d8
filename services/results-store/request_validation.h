// Checks of write requests that need no database: required fields, enum values, lengths,
// batch limits and uniqueness. Every error names the offending field, e.g.
// "results[3].test: must not be empty".
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_REQUEST_VALIDATION_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_REQUEST_VALIDATION_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "meshproof/store/v1/store.pb.h"

namespace meshproof::store {

// Validates a run id: [A-Za-z0-9._-]{1,64}. INVALID_ARGUMENT naming `field`.
absl::Status ValidateRunId(absl::string_view run_id, absl::string_view field);

// Validates BeginRun's run. INVALID_ARGUMENT naming the field.
absl::Status ValidateBeginRun(const v1::BeginRunRequest& request);

// Validates an append batch against `max_batch`. INVALID_ARGUMENT naming the field;
// RESOURCE_EXHAUSTED when the batch has more than `max_batch` results.
absl::Status ValidateAppendResults(const v1::AppendResultsRequest& request, int max_batch);

// Validates FinishRun. INVALID_ARGUMENT naming the field.
absl::Status ValidateFinishRun(const v1::FinishRunRequest& request);

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_REQUEST_VALIDATION_H_
