#include "services/results-store/page_token.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace meshproof::store {

std::string EncodePageToken(absl::string_view kind, const PagePosition& last) {
  return absl::WebSafeBase64Escape(
      absl::StrCat("v1:", kind, ":", last.started_at_us, ":", last.run_pk));
}

absl::StatusOr<PagePosition> DecodePageToken(absl::string_view kind, absl::string_view token) {
  const absl::Status bad = absl::InvalidArgumentError(
      "page_token: not a token returned by this listing (pass next_page_token unchanged)");
  std::string plain;
  if (!absl::WebSafeBase64Unescape(token, &plain)) return bad;
  std::vector<absl::string_view> parts = absl::StrSplit(plain, ':');
  PagePosition position;
  if (parts.size() != 4 || parts[0] != "v1" || parts[1] != kind ||
      !absl::SimpleAtoi(parts[2], &position.started_at_us) ||
      !absl::SimpleAtoi(parts[3], &position.run_pk)) {
    return bad;
  }
  return position;
}

}  // namespace meshproof::store
