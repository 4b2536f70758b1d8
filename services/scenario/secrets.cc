// Secret variables of a scenario (docs/security.md, "Secrets").
#include "services/scenario/secrets.h"

#include "absl/strings/str_cat.h"
#include "services/scenario/vars.h"

namespace meshproof::scenario {

std::vector<std::string> SecretValues(const std::map<std::string, std::string>& vars,
                                      const std::set<std::string>& secret_names) {
  std::vector<std::string> values;
  for (const std::string& name : secret_names) {
    auto it = vars.find(name);
    if (it != vars.end()) values.push_back(it->second);
  }
  return values;
}

Redactor ScenarioRedactor(const v1::Scenario& scenario) {
  const std::set<std::string> names(scenario.secret_vars().begin(), scenario.secret_vars().end());
  return Redactor(SecretValues(
      std::map<std::string, std::string>(scenario.vars().begin(), scenario.vars().end()), names));
}

absl::Status CheckSecretVars(const std::map<std::string, std::string>& vars,
                             const std::set<std::string>& secret_names, absl::string_view field) {
  for (const std::string& name : secret_names) {
    if (!IsValidVarName(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": \"", name.substr(0, 64), "\" is not a valid variable name"));
    }
    auto it = vars.find(name);
    if (it == vars.end()) continue;
    absl::Status status = CheckSecretValue(absl::StrCat(field, ".", name), it->second);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

void MaskSecretVars(const std::set<std::string>& secret_names,
                    google::protobuf::Map<std::string, std::string>* vars) {
  for (const std::string& name : secret_names) {
    auto it = vars->find(name);
    if (it != vars->end()) it->second = std::string(kRedacted);
  }
}

}  // namespace meshproof::scenario
