// The claims ledger of a run: each claim's verdict from the tests that name it. The
// agent's outcome (what `meshproof probe` prints) and the store's GetClaimsLedger are
// both this function of the same results, so they cannot disagree.
#ifndef MESHPROOF_SERVICES_COMMON_RESULTS_CLAIMS_LEDGER_H_
#define MESHPROOF_SERVICES_COMMON_RESULTS_CLAIMS_LEDGER_H_

#include <vector>

#include "google/protobuf/repeated_ptr_field.h"
#include "meshproof/result/v1/result.pb.h"
#include "meshproof/scenario/v1/scenario.pb.h"

namespace meshproof::results {

// Returns one ClaimResult per definition, in definition order, from the test-phase
// results in `results` (other phases are ignored):
// - REFUTED when a linked test FAILed (it was observed, and it was wrong);
// - CONFIRMED when a linked test PASSed and none FAILed;
// - UNTESTED otherwise.
// Every linked test is listed with its verdict, sorted by test name (so the ledger does
// not depend on the order results arrived in); ERROR, SKIPPED, BLOCKED and NOT_RUN tests
// are listed so a reader sees why a claim is untested, but never confirm or refute it.
std::vector<meshproof::result::v1::ClaimResult> ClaimsLedger(
    const google::protobuf::RepeatedPtrField<meshproof::scenario::v1::Claim>& definitions,
    const std::vector<meshproof::result::v1::TestResult>& results);

}  // namespace meshproof::results

#endif  // MESHPROOF_SERVICES_COMMON_RESULTS_CLAIMS_LEDGER_H_
