#include "services/probe-agent/envoy_admin.h"

#include <set>

#include <re2/re2.h>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace meshproof::agent {

namespace v1 = ::meshproof::scenario::v1;

const char* AdminPath(v1::EnvoyResource resource) {
  switch (resource) {
    case v1::ENVOY_RESOURCE_CLUSTERS: return "/clusters";
    case v1::ENVOY_RESOURCE_LISTENERS: return "/listeners";
    case v1::ENVOY_RESOURCE_CONFIG_DUMP: return "/config_dump";
    default: return "/";
  }
}

std::vector<std::string> AdminNames(v1::EnvoyResource resource, absl::string_view body) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  auto add = [&](absl::string_view name) {
    if (!name.empty() && seen.insert(std::string(name)).second) names.emplace_back(name);
  };
  if (resource == v1::ENVOY_RESOURCE_CONFIG_DUMP) {
    static const LazyRE2 kName = {R"re("name"\s*:\s*"([^"]*)")re"};
    re2::StringPiece input(body.data(), body.size());
    std::string name;
    while (RE2::FindAndConsume(&input, *kName, &name)) add(name);
    return names;
  }
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    const size_t sep = line.find("::");
    add(sep == absl::string_view::npos ? line : line.substr(0, sep));
  }
  return names;
}

}  // namespace meshproof::agent
