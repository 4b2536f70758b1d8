// How two results of the same test compare (FIXED, REGRESSED, ...), and the order the
// comparison is reported in. Pure functions; CompareRuns feeds them rows.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_COMPARISON_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_COMPARISON_H_

#include <optional>
#include <vector>

#include "meshproof/store/v1/store.pb.h"

namespace meshproof::store {

// Returns the change from `base` to `head` (nullopt: the test is absent on that side):
// ADDED, REMOVED, or results::ClassifyVerdictChange's answer (PASS→FAIL/ERROR is
// REGRESSED, FAIL/ERROR→PASS is FIXED, ...; anything involving SKIPPED, BLOCKED or
// NOT_RUN is OTHER) — the same rule the scheduler's notifications use.
v1::Change ClassifyChange(std::optional<result::v1::TestVerdict> base,
                          std::optional<result::v1::TestVerdict> head);

// Sorts regressions first, then fixes, then still failing, added, removed, other and
// still passing; by test name within each group.
void SortComparisons(std::vector<v1::TestComparison>* tests);

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_COMPARISON_H_
