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
    for (const std::string& name :
         NamesIn(root, kind != v1::ENVOY_RESOURCE_LISTENERS, kind != v1::ENVOY_RESOURCE_CLUSTERS)) {
      add(name);
    }
    if (parsed != nullptr) *parsed = true;
    return names;
  }
  // Cut at the capture limit (or not JSON): every "name" value is the best guess left.
  static const LazyRE2 kName = {R"re("name"\s*:\s*"([^"]*)")re"};
  re2::StringPiece input(body.data(), body.size());
  std::string name;
  while (RE2::FindAndConsume(&input, *kName, &name)) add(name);
  return names;
}

std::vector<std::string> AdminNames(v1::EnvoyResource resource, absl::string_view body) {
  if (resource == v1::ENVOY_RESOURCE_CONFIG_DUMP) return ConfigDumpNames(resource, body);
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
