// "Did you mean" suggestions for misspelled keys and enum values.
#ifndef MESHPROOF_SERVICES_SCENARIO_SUGGEST_H_
#define MESHPROOF_SERVICES_SCENARIO_SUGGEST_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace meshproof::scenario {

// Returns the Levenshtein distance between `a` and `b` (case-insensitive).
int EditDistance(absl::string_view a, absl::string_view b);

// Returns the candidate closest to `word` when it is close enough to be a likely typo
// (distance at most 1 for short words, at most a third of the length otherwise), or "".
std::string NearestWord(absl::string_view word, const std::vector<std::string>& candidates);

}  // namespace meshproof::scenario

#endif  // MESHPROOF_SERVICES_SCENARIO_SUGGEST_H_
