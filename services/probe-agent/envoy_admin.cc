#include "services/probe-agent/envoy_admin.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <re2/re2.h>

#include <initializer_list>
#include <set>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace meshproof::agent {

namespace v1 = ::meshproof::scenario::v1;

namespace {

using google::protobuf::Value;

const Value* Field(const Value& object, const std::string& key) {
  if (!object.has_struct_value()) return nullptr;
  auto it = object.struct_value().fields().find(key);
  return it == object.struct_value().fields().end() ? nullptr : &it->second;
}

std::string StringAt(const Value& object, std::initializer_list<const char*> path) {
  const Value* node = &object;
  for (const char* key : path) {
    node = Field(*node, key);
    if (node == nullptr) return "";
  }
  return node->has_string_value() ? node->string_value() : "";
}

// Cluster and listener names of a /config_dump document: only those, not the names of
// filters, routes or virtual hosts that the same document is full of.
std::vector<std::string> NamesIn(const Value& root, bool clusters, bool listeners) {
  std::vector<std::string> names;
  const Value* configs = Field(root, "configs");
  if (configs == nullptr || !configs->has_list_value()) return names;
  for (const Value& config : configs->list_value().values()) {
    if (clusters) {
      for (const char* list :
           {"static_clusters", "dynamic_active_clusters", "dynamic_warming_clusters"}) {
        const Value* items = Field(config, list);
        if (items == nullptr || !items->has_list_value()) continue;
        for (const Value& item : items->list_value().values())
          names.push_back(StringAt(item, {"cluster", "name"}));
      }
    }
    if (!listeners) continue;
    if (const Value* items = Field(config, "static_listeners");
        items != nullptr && items->has_list_value()) {
      for (const Value& item : items->list_value().values())
        names.push_back(StringAt(item, {"listener", "name"}));
    }
    if (const Value* items = Field(config, "dynamic_listeners");
        items != nullptr && items->has_list_value()) {
      for (const Value& item : items->list_value().values())
        names.push_back(StringAt(item, {"name"}));
    }
  }
  return names;
}

bool IsRbacFilter(const Value& node) {
  const std::string name = StringAt(node, {"name"});
  return name == "envoy.filters.http.rbac" || name == "envoy.filters.network.rbac";
}

// Every RBAC filter under `node` (a listener, at any depth of its filter chains): the keys
// of its enforced `rules.policies`. `shadow_rules` are Istio's dry-run policies, which
// decide nothing, so they are not read.
void RbacPoliciesIn(const Value& node, std::vector<std::string>* names) {
  if (node.has_list_value()) {
    for (const Value& item : node.list_value().values()) RbacPoliciesIn(item, names);
    return;
  }
  if (!node.has_struct_value()) return;
  if (IsRbacFilter(node)) {
    const Value* config = Field(node, "typed_config");
    const Value* rules = config == nullptr ? nullptr : Field(*config, "rules");
    const Value* policies = rules == nullptr ? nullptr : Field(*rules, "policies");
    if (policies != nullptr && policies->has_struct_value()) {
      // A protobuf Struct's map has no order; sorted keys make the evidence stable.
      std::set<std::string> sorted;
      for (const auto& [key, unused] : policies->struct_value().fields()) sorted.insert(key);
      names->insert(names->end(), sorted.begin(), sorted.end());
    }
    return;
  }
  for (const auto& [key, child] : node.struct_value().fields()) RbacPoliciesIn(child, names);
}

std::vector<std::string> RbacPolicyNames(const Value& root) {
  std::vector<std::string> names;
  const Value* configs = Field(root, "configs");
  if (configs == nullptr || !configs->has_list_value()) return names;
  for (const Value& config : configs->list_value().values()) {
    for (const char* list : {"static_listeners", "dynamic_listeners"}) {
      if (const Value* items = Field(config, list); items != nullptr)
        RbacPoliciesIn(*items, &names);
    }
  }
  return names;
}

}  // namespace

std::vector<std::string> ConfigDumpNames(v1::EnvoyResource kind, absl::string_view body,
                                         bool* parsed) {
  if (parsed != nullptr) *parsed = false;
  std::vector<std::string> names;
  std::set<std::string> seen;
  auto add = [&](absl::string_view name) {
    if (!name.empty() && seen.insert(std::string(name)).second) names.emplace_back(name);
  };
  google::protobuf::Value root;
  if (google::protobuf::util::JsonStringToMessage(std::string(body), &root).ok()) {
    const std::vector<std::string> found = kind == v1::ENVOY_RESOURCE_RBAC_POLICIES
                                               ? RbacPolicyNames(root)
                                               : NamesIn(root, kind != v1::ENVOY_RESOURCE_LISTENERS,
                                                         kind != v1::ENVOY_RESOURCE_CLUSTERS);
    for (const std::string& name : found) add(name);
    if (parsed != nullptr) *parsed = true;
    return names;
  }
  // A policy name guessed from a cut document could prove a policy that is not enforced.
  if (kind == v1::ENVOY_RESOURCE_RBAC_POLICIES) return names;
  // Cut at the capture limit (or not JSON): every "name" value is the best guess left.
  static const LazyRE2 kName = {R"re("name"\s*:\s*"([^"]*)")re"};
  re2::StringPiece input(body.data(), body.size());
  std::string name;
  while (RE2::FindAndConsume(&input, *kName, &name)) add(name);
  return names;
}

bool NeedsWholeConfigDump(v1::EnvoyResource resource) {
  return resource == v1::ENVOY_RESOURCE_RBAC_POLICIES;
}

std::vector<std::string> AdminNames(v1::EnvoyResource resource, absl::string_view body) {
  if (resource == v1::ENVOY_RESOURCE_CONFIG_DUMP || resource == v1::ENVOY_RESOURCE_RBAC_POLICIES) {
    return ConfigDumpNames(resource, body);
  }
  std::vector<std::string> names;
  std::set<std::string> seen;
  auto add = [&](absl::string_view name) {
    if (!name.empty() && seen.insert(std::string(name)).second) names.emplace_back(name);
  };
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    const size_t sep = line.find("::");
    add(sep == absl::string_view::npos ? line : line.substr(0, sep));
  }
  return names;
}

}  // namespace meshproof::agent
