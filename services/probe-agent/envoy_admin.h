// Reading the configuration layer: names of clusters and listeners in Envoy admin output.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_ENVOY_ADMIN_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_ENVOY_ADMIN_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "meshproof/scenario/v1/scenario.pb.h"

namespace meshproof::agent {

// Returns the admin path of a resource ("/clusters").
const char* AdminPath(meshproof::scenario::v1::EnvoyResource resource);

// Returns the distinct names in admin output, in order of first appearance: for
// /clusters and /listeners the text before the first "::" of each line; for
// /config_dump the names of the clusters (static, active, warming) and listeners (or, if
// the body is not complete JSON, every "name" string value).
std::vector<std::string> AdminNames(meshproof::scenario::v1::EnvoyResource resource,
                                    absl::string_view body);

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_ENVOY_ADMIN_H_
