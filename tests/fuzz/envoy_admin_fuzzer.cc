// libFuzzer target for Envoy admin output as the agent reads it (/clusters, /listeners
// text and /config_dump JSON, complete or cut short). Nothing may crash, and the names
// returned are distinct, as documented.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/probe-agent/envoy_admin.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

void CheckDistinct(const std::vector<std::string>& names) {
  const std::set<std::string> distinct(names.begin(), names.end());
  ::meshproof::fuzz::Check(distinct.size() == names.size(), "a name is returned twice");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace sv1 = ::meshproof::scenario::v1;
  const absl::string_view body(reinterpret_cast<const char*>(data), size);
  for (sv1::EnvoyResource kind : {sv1::ENVOY_RESOURCE_CLUSTERS, sv1::ENVOY_RESOURCE_LISTENERS,
                                  sv1::ENVOY_RESOURCE_CONFIG_DUMP}) {
    CheckDistinct(::meshproof::agent::AdminNames(kind, body));
    bool parsed = true;
    CheckDistinct(::meshproof::agent::ConfigDumpNames(kind, body, &parsed));
  }
  return 0;
}
