// Parsing of "k=v,k2=v2" label lists given on command lines.
#ifndef MESHPROOF_SERVICES_COMMON_LABELS_H_
#define MESHPROOF_SERVICES_COMMON_LABELS_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace meshproof {

// Parses "k=v,k2=v2" (empty input gives no labels). Keys must be non-empty
// [A-Za-z0-9._/-]; a repeated key is an error. Returns INVALID_ARGUMENT naming
// `flag_name` and the bad item otherwise.
absl::StatusOr<std::map<std::string, std::string>> ParseLabels(absl::string_view text,
                                                               absl::string_view flag_name);

}  // namespace meshproof

#endif  // MESHPROOF_SERVICES_COMMON_LABELS_H_
