#include "services/probe-agent/attempt_verdict.h"

#include "absl/strings/str_cat.h"
#include "services/common/results/attempts.h"

namespace meshproof::agent {

namespace rv1 = ::meshproof::result::v1;

void SettleAttempts(uint32_t converge, rv1::TestResult* result) {
  const auto& history = result->attempt_history();
  result->set_flaky(results::AttemptsDisagree(history));
  uint32_t trailing_passes = 0;
  for (auto it = history.rbegin(); it != history.rend() && it->verdict() == rv1::TEST_VERDICT_PASS;
       ++it) {
    ++trailing_passes;
  }
  if (converge > 1 && !history.empty() && trailing_passes < converge) {
    bool any_fail = false, any_error = false;
    const rv1::AttemptSummary* last_non_pass = nullptr;
    for (const rv1::AttemptSummary& a : history) {
      any_fail |= a.verdict() == rv1::TEST_VERDICT_FAIL;
      any_error |= a.verdict() == rv1::TEST_VERDICT_ERROR;
      if (a.verdict() != rv1::TEST_VERDICT_PASS) last_non_pass = &a;
    }
    // Not converging is a wrong answer only when one was seen; passes mixed with attempts
    // that could not observe leave the question open.
    result->set_verdict(any_fail || !any_error ? rv1::TEST_VERDICT_FAIL : rv1::TEST_VERDICT_ERROR);
    std::string reason =
        absl::StrCat("did not converge: ", converge, " consecutive passes needed, got ",
                     results::AttemptSequence(history));
    if (last_non_pass != nullptr && !last_non_pass->reason().empty()) {
      absl::StrAppend(&reason, "; attempt ", last_non_pass->attempt(), ": ",
                      last_non_pass->reason());
    }
    result->set_reason(reason);
  }
  bool any_non_pass = false;
  for (const rv1::AttemptSummary& a : history)
    any_non_pass |= a.verdict() != rv1::TEST_VERDICT_PASS;
  result->set_passed_on_retry(result->verdict() == rv1::TEST_VERDICT_PASS && any_non_pass);
}

}  // namespace meshproof::agent
