// Labels: parsing of "k=v,k2=v2" lists given on command lines, and the one rule every
// service applies to a label map (the scheduler at submit, the store on write), so a
// label the store would refuse is refused where the user gave it.
#ifndef MESHPROOF_SERVICES_COMMON_LABELS_H_
#define MESHPROOF_SERVICES_COMMON_LABELS_H_

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace meshproof {

// Parses "k=v,k2=v2" (empty input gives no labels). Keys must be non-empty
// [A-Za-z0-9._/-]; a repeated key is an error. Returns INVALID_ARGUMENT naming
// `flag_name` and the bad item otherwise.
absl::StatusOr<std::map<std::string, std::string>> ParseLabels(absl::string_view text,
                                                               absl::string_view flag_name);

inline constexpr size_t kMaxLabels = 64;
inline constexpr size_t kMaxLabelKeyLength = 128;
inline constexpr size_t kMaxLabelValueLength = 512;

// Checks a label map: at most kMaxLabels entries, keys non-empty and at most
// kMaxLabelKeyLength bytes, values at most kMaxLabelValueLength bytes. Returns
// INVALID_ARGUMENT naming `field` (and the key) otherwise.
absl::Status ValidateLabelEntries(const std::vector<std::pair<std::string, std::string>>& labels,
                                  absl::string_view field);

// The same for any map of strings (std::map, google::protobuf::Map).
template <typename Map>
absl::Status ValidateLabels(const Map& labels, absl::string_view field) {
  std::vector<std::pair<std::string, std::string>> entries;
  if (labels.size() > kMaxLabels) {
    // Enough to report the count without copying an oversized map.
    entries.resize(labels.size());
    return ValidateLabelEntries(entries, field);
  }
  for (const auto& [key, value] : labels) entries.emplace_back(key, value);
  return ValidateLabelEntries(entries, field);
}

}  // namespace meshproof

#endif  // MESHPROOF_SERVICES_COMMON_LABELS_H_
