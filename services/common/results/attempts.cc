#include "services/common/results/attempts.h"

#include <vector>

#include "absl/strings/str_join.h"
#include "services/common/results/verdict_words.h"

namespace meshproof::results {

namespace rv1 = ::meshproof::result::v1;

bool AttemptsDisagree(const AttemptHistory& history) {
  bool passed = false, did_not_pass = false;
  for (const rv1::AttemptSummary& a : history) {
    passed |= a.verdict() == rv1::TEST_VERDICT_PASS;
    did_not_pass |= a.verdict() == rv1::TEST_VERDICT_FAIL || a.verdict() == rv1::TEST_VERDICT_ERROR;
  }
  return passed && did_not_pass;
}

std::string AttemptSequence(const AttemptHistory& history) {
  std::vector<std::string> letters;
  letters.reserve(history.size());
  for (const rv1::AttemptSummary& a : history) letters.push_back(AttemptLetter(a.verdict()));
  return absl::StrJoin(letters, " ");
}

}  // namespace meshproof::results
