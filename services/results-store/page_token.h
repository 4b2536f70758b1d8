// Opaque page tokens for keyset pagination: the (started_at, run key) of the last row
// returned, so the next page starts strictly after it whatever was inserted meanwhile.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_PAGE_TOKEN_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_PAGE_TOKEN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace meshproof::store {

struct PagePosition {
  int64_t started_at_us = 0;
  int64_t run_pk = 0;
};

// Returns the token for the position after `last` in a listing of kind `kind` (a short
// tag such as "runs" or "history", so a token from one listing fails in another).
std::string EncodePageToken(absl::string_view kind, const PagePosition& last);

// Decodes `token`. INVALID_ARGUMENT "page_token: ..." when it is not a token of `kind`.
absl::StatusOr<PagePosition> DecodePageToken(absl::string_view kind, absl::string_view token);

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_PAGE_TOKEN_H_
