// Secret variables of a scenario: which values are secret, the Redactor that hides
// them, and the masked view of a vars map ("***" for each secret).
#ifndef MESHPROOF_SERVICES_SCENARIO_SECRETS_H_
#define MESHPROOF_SERVICES_SCENARIO_SECRETS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/map.h"
#include "meshproof/scenario/v1/scenario.pb.h"
#include "services/common/redaction.h"

namespace meshproof::scenario {

// Returns the values of `vars` named in `secret_names` (names without a value skipped).
std::vector<std::string> SecretValues(const std::map<std::string, std::string>& vars,
                                      const std::set<std::string>& secret_names);

// Returns the Redactor for a substituted scenario: its `vars` named in `secret_vars`.
Redactor ScenarioRedactor(const meshproof::scenario::v1::Scenario& scenario);

// Checks each name in `secret_names` is a valid variable name and, when `vars` gives it
// a value, that the value can be a secret (kMinSecretBytes). Returns INVALID_ARGUMENT
// naming `field`.NAME; never echoes a value.
absl::Status CheckSecretVars(const std::map<std::string, std::string>& vars,
                             const std::set<std::string>& secret_names, absl::string_view field);

// Replaces the value of every secret in `vars` by kRedacted.
void MaskSecretVars(const std::set<std::string>& secret_names,
                    google::protobuf::Map<std::string, std::string>* vars);

}  // namespace meshproof::scenario

#endif  // MESHPROOF_SERVICES_SCENARIO_SECRETS_H_
