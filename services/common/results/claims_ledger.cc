#include "services/common/results/claims_ledger.h"

#include <algorithm>

namespace meshproof::results {

namespace rv1 = ::meshproof::result::v1;
namespace sv1 = ::meshproof::scenario::v1;

std::vector<rv1::ClaimResult> ClaimsLedger(
    const google::protobuf::RepeatedPtrField<sv1::Claim>& definitions,
    const std::vector<rv1::TestResult>& results) {
  std::vector<const rv1::TestResult*> tests;
  for (const rv1::TestResult& r : results) {
    if (r.phase() == rv1::PHASE_TEST && r.claims_size() > 0) tests.push_back(&r);
  }
  // Results arrive in listed order from one agent and in completion order when tests run
  // in parallel or travel through the scheduler; the ledger must not depend on that.
  std::stable_sort(
      tests.begin(), tests.end(),
      [](const rv1::TestResult* a, const rv1::TestResult* b) { return a->test() < b->test(); });
  std::vector<rv1::ClaimResult> ledger;
  ledger.reserve(definitions.size());
  for (const sv1::Claim& def : definitions) {
    rv1::ClaimResult claim;
    claim.set_id(def.id());
    claim.set_text(def.text());
    claim.set_reference(def.reference());
    claim.set_note(def.note());
    bool passed = false, failed = false;
    for (const rv1::TestResult* r : tests) {
      if (std::find(r->claims().begin(), r->claims().end(), def.id()) == r->claims().end())
        continue;
      rv1::LinkedTest* linked = claim.add_tests();
      linked->set_test(r->test());
      linked->set_verdict(r->verdict());
      // Only an observation decides: an ERROR test could not observe, so it neither
      // confirms nor refutes.
      passed |= r->verdict() == rv1::TEST_VERDICT_PASS;
      failed |= r->verdict() == rv1::TEST_VERDICT_FAIL;
    }
    claim.set_verdict(failed   ? rv1::CLAIM_VERDICT_REFUTED
                      : passed ? rv1::CLAIM_VERDICT_CONFIRMED
                               : rv1::CLAIM_VERDICT_UNTESTED);
    ledger.push_back(std::move(claim));
  }
  return ledger;
}

}  // namespace meshproof::results
