#include "services/results-store/claims_ledger.h"

#include <algorithm>

namespace meshproof::store {

std::vector<result::v1::ClaimResult> ComputeClaimsLedger(
    const std::vector<scenario::v1::Claim>& definitions, const std::vector<LinkedResult>& results) {
  std::vector<result::v1::ClaimResult> ledger;
  ledger.reserve(definitions.size());
  for (const scenario::v1::Claim& def : definitions) {
    result::v1::ClaimResult claim;
    claim.set_id(def.id());
    claim.set_text(def.text());
    claim.set_reference(def.reference());
    claim.set_note(def.note());
    bool passed = false, failed = false;
    for (const LinkedResult& r : results) {
      if (std::find(r.claims.begin(), r.claims.end(), def.id()) == r.claims.end()) continue;
      result::v1::LinkedTest* linked = claim.add_tests();
      linked->set_test(r.test);
      linked->set_verdict(r.verdict);
      passed |= r.verdict == result::v1::TEST_VERDICT_PASS;
      failed |= r.verdict == result::v1::TEST_VERDICT_FAIL;
    }
    claim.set_verdict(failed   ? result::v1::CLAIM_VERDICT_REFUTED
                      : passed ? result::v1::CLAIM_VERDICT_CONFIRMED
                               : result::v1::CLAIM_VERDICT_UNTESTED);
    ledger.push_back(std::move(claim));
  }
  return ledger;
}

}  // namespace meshproof::store
