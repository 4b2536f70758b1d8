// The scenario version: a hash of its content.
#ifndef MESHPROOF_SERVICES_SCENARIO_CONTENT_HASH_H_
#define MESHPROOF_SERVICES_SCENARIO_CONTENT_HASH_H_

#include <string>

#include "meshproof/scenario/v1/scenario.pb.h"

namespace meshproof::scenario {

// Returns the lower-case hex SHA-256 of the deterministic serialization of `scenario`
// with `source` cleared: the scenario version. Hash the unsubstituted form (whose `vars`
// are the declared defaults), as ParseScenario does, so the version does not depend on
// the values a run supplies; declared defaults are content and do count. A kept
// source.text (see scenario.proto) is content too and is hashed with the rest.
std::string ContentHash(const meshproof::scenario::v1::Scenario& scenario);

}  // namespace meshproof::scenario

#endif  // MESHPROOF_SERVICES_SCENARIO_CONTENT_HASH_H_
