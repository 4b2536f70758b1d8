// The scenario version: a hash of its content.
#ifndef MESHPROOF_SERVICES_SCENARIO_CONTENT_HASH_H_
#define MESHPROOF_SERVICES_SCENARIO_CONTENT_HASH_H_

#include <string>

#include "meshproof/scenario/v1/scenario.pb.h"

namespace meshproof::scenario {

// Returns the lower-case hex SHA-256 of the deterministic serialization of `scenario`
// with `source` and `vars` cleared (the values a run used are not part of the version).
std::string ContentHash(const meshproof::scenario::v1::Scenario& scenario);

}  // namespace meshproof::scenario

#endif  // MESHPROOF_SERVICES_SCENARIO_CONTENT_HASH_H_
