#include "services/common/results/environment_versions.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace meshproof::results {

namespace rv1 = ::meshproof::result::v1;
namespace sv1 = ::meshproof::store::v1;

namespace {

// Component names as UnknownVersion.component spells them, and as people read them.
struct Component {
  const char* key;
  const char* name;
  const std::string& (rv1::Environment::*version)() const;
};

constexpr Component kComponents[] = {
    {"envoy", "Envoy", &rv1::Environment::envoy_version},
    {"istio", "Istio", &rv1::Environment::istio_version},
    {"kubernetes", "Kubernetes", &rv1::Environment::kubernetes_version},
    {"agent", "agent", &rv1::Environment::agent_version},
};

}  // namespace

std::vector<VersionEntry> RunVersions(const rv1::Environment& env) {
  std::vector<VersionEntry> out;
  for (const Component& c : kComponents) {
    VersionEntry entry{c.name, (env.*c.version)(), ""};
    if (entry.version.empty()) {
      for (const rv1::UnknownVersion& u : env.unknown_versions()) {
        if (u.component() == c.key) entry.unknown_reason = u.reason();
      }
    }
    out.push_back(std::move(entry));
  }
  return out;
}

std::string DescribeVersions(const rv1::Environment& env) {
  std::vector<std::string> parts;
  for (const VersionEntry& v : RunVersions(env)) {
    if (!v.version.empty()) {
      parts.push_back(absl::StrCat(v.component, " ", v.version));
    } else if (!v.unknown_reason.empty()) {
      parts.push_back(absl::StrCat(v.component, " unknown (", v.unknown_reason, ")"));
    }
  }
  return parts.empty() ? "unknown" : absl::StrJoin(parts, " · ");
}

std::vector<sv1::VersionChange> VersionChanges(const rv1::Environment& base,
                                               const rv1::Environment& head) {
  std::vector<sv1::VersionChange> out;
  for (const Component& c : kComponents) {
    const std::string& before = (base.*c.version)();
    const std::string& after = (head.*c.version)();
    if (before == after) continue;
    sv1::VersionChange change;
    change.set_component(c.name);
    change.set_base(before);
    change.set_head(after);
    out.push_back(std::move(change));
  }
  return out;
}

std::string DescribeVersionChange(const sv1::VersionChange& change) {
  return absl::StrCat(change.component(), " ", change.base().empty() ? "unknown" : change.base(),
                      " → ", change.head().empty() ? "unknown" : change.head());
}

std::string DescribeVersionChanges(const std::vector<sv1::VersionChange>& changes) {
  if (changes.empty()) return "";
  std::vector<std::string> parts;
  for (const sv1::VersionChange& c : changes) parts.push_back(DescribeVersionChange(c));
  return absl::StrCat(absl::StrJoin(parts, ", "), " since the last run");
}

}  // namespace meshproof::results
