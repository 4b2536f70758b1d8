#include "services/results-store/comparison.h"

#include <algorithm>

#include "services/common/results/verdict_change.h"

namespace meshproof::store {
namespace {

int Rank(v1::Change change) {
  switch (change) {
    case v1::CHANGE_REGRESSED: return 0;
    case v1::CHANGE_FIXED: return 1;
    case v1::CHANGE_STILL_FAILING: return 2;
    case v1::CHANGE_ADDED: return 3;
    case v1::CHANGE_REMOVED: return 4;
    case v1::CHANGE_OTHER: return 5;
    case v1::CHANGE_STILL_PASSING: return 6;
    default: return 7;
  }
}

}  // namespace

v1::Change ClassifyChange(std::optional<result::v1::TestVerdict> base,
                          std::optional<result::v1::TestVerdict> head) {
  if (!base && !head) return v1::CHANGE_UNSPECIFIED;
  if (!base) return v1::CHANGE_ADDED;
  if (!head) return v1::CHANGE_REMOVED;
  switch (results::ClassifyVerdictChange(*base, *head)) {
    case results::VerdictChange::kStillPassing: return v1::CHANGE_STILL_PASSING;
    case results::VerdictChange::kRegressed: return v1::CHANGE_REGRESSED;
    case results::VerdictChange::kFixed: return v1::CHANGE_FIXED;
    case results::VerdictChange::kStillFailing: return v1::CHANGE_STILL_FAILING;
    case results::VerdictChange::kOther: return v1::CHANGE_OTHER;
  }
  return v1::CHANGE_OTHER;
}

void SortComparisons(std::vector<v1::TestComparison>* tests) {
  std::sort(tests->begin(), tests->end(),
            [](const v1::TestComparison& a, const v1::TestComparison& b) {
              const int ra = Rank(a.change()), rb = Rank(b.change());
              if (ra != rb) return ra < rb;
              return a.test() < b.test();
            });
}

}  // namespace meshproof::store
