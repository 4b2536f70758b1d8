// Semantic rules of a scenario, checked on the protobuf model so a scenario received
// over gRPC meets exactly the rules a YAML file does.
#ifndef MESHPROOF_SERVICES_SCENARIO_SCENARIO_VALIDATOR_H_
#define MESHPROOF_SERVICES_SCENARIO_SCENARIO_VALIDATOR_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "meshproof/scenario/v1/scenario.pb.h"

namespace meshproof::scenario {

// One broken rule.
struct Violation {
  // The field path as the YAML spells it ("tests[2].http.url", "deferred[0].reason").
  std::string field;
  std::string message;
  // For a duplicate: the field holding the first definition ("tests[0].name"), so the
  // YAML parser can say where that is; empty otherwise. The message does not repeat it.
  std::string first_field;
};

// Receives each broken rule.
using ViolationSink = std::function<void(const Violation&)>;

// Checks every rule and reports each violation to `sink`. With `allow_unsubstituted`,
// strings still holding a ${...} reference skip the checks that need final values.
void CheckScenarioRules(const meshproof::scenario::v1::Scenario& scenario, bool allow_unsubstituted,
                        const ViolationSink& sink);

// Validates an already-built scenario (as received over gRPC); `allow_unsubstituted` as
// for CheckScenarioRules (true for a stored scenario whose vars are set per run). Returns
// INVALID_ARGUMENT listing every violation (at most 50) as "field: message" lines, a
// duplicate ending "(first defined at tests[0].name)"; OK when every rule holds.
absl::Status ValidateScenario(const meshproof::scenario::v1::Scenario& scenario,
                              bool allow_unsubstituted = false);

// Returns the YAML path of the test at `index` of scenario.tests: "tests[i]" for
// regular tests, "deferred[k]" for deferred ones (counted among deferred tests).
std::string TestPath(const meshproof::scenario::v1::Scenario& scenario, int index);

}  // namespace meshproof::scenario

#endif  // MESHPROOF_SERVICES_SCENARIO_SCENARIO_VALIDATOR_H_
