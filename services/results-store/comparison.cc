#include "services/results-store/comparison.h"

#include <algorithm>

namespace meshproof::store {
namespace {

bool Failed(result::v1::TestVerdict v) {
  return v == result::v1::TEST_VERDICT_FAIL || v == result::v1::TEST_VERDICT_ERROR;
}

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
  const bool base_pass = *base == result::v1::TEST_VERDICT_PASS;
  const bool head_pass = *head == result::v1::TEST_VERDICT_PASS;
  if (base_pass && head_pass) return v1::CHANGE_STILL_PASSING;
  if (base_pass && Failed(*head)) return v1::CHANGE_REGRESSED;
  if (Failed(*base) && head_pass) return v1::CHANGE_FIXED;
  if (Failed(*base) && Failed(*head)) return v1::CHANGE_STILL_FAILING;
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
