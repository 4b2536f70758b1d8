// The claims ledger of a run: each claim's verdict from the tests that name it.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_CLAIMS_LEDGER_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_CLAIMS_LEDGER_H_

#include <string>
#include <vector>

#include "meshproof/result/v1/result.pb.h"
#include "meshproof/scenario/v1/scenario.pb.h"

namespace meshproof::store {

// A test result as the ledger needs it.
struct LinkedResult {
  std::string test;
  result::v1::TestVerdict verdict;
  std::vector<std::string> claims;
};

// Returns one ClaimResult per definition, in definition order: REFUTED when a linked
// test failed, CONFIRMED when one passed and none failed, UNTESTED when none passed or
// failed (skipped, blocked, errors or no linked test). Every linked test is listed.
std::vector<result::v1::ClaimResult> ComputeClaimsLedger(
    const std::vector<scenario::v1::Claim>& definitions, const std::vector<LinkedResult>& results);

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_CLAIMS_LEDGER_H_
