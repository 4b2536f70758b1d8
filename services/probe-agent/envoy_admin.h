// Reading the configuration layer: names of clusters, listeners and RBAC policies in Envoy
// admin output.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_ENVOY_ADMIN_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_ENVOY_ADMIN_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "meshproof/scenario/v1/scenario.pb.h"

namespace meshproof::agent {

// The admin path of a resource is decided once, in services/scenario/config_source.h.

// Returns the distinct names in admin output, in order of first appearance: for
// /clusters and /listeners the text before the first "::" of each line; for
// /config_dump the names of the clusters (static, active, warming) and listeners (or, if
// the body is not complete JSON, every "name" string value).
std::vector<std::string> AdminNames(meshproof::scenario::v1::EnvoyResource resource,
                                    absl::string_view body);

// Returns the names of `kind` in a config dump (`body`): cluster names for CLUSTERS,
// listener names for LISTENERS, both for CONFIG_DUMP, the enforced RBAC policy names of
// the listeners' filters for RBAC_POLICIES (never guessed from a cut document). This is how
// istiod's /debug/config_dump of a proxy is read, whatever resource the test names (istiod serves
// no /clusters or /listeners text). A body that is not complete JSON (cut at the capture
// limit) gives every "name" value and sets `*parsed` (when given) to false: callers that
// must not guess treat that as unreadable.
// True when names of `resource` can only be read from a complete config dump (RBAC
// policies): callers read them with ConfigDumpNames and treat `parsed == false` as
// unobservable, from an admin interface as from istiod.
bool NeedsWholeConfigDump(meshproof::scenario::v1::EnvoyResource resource);

std::vector<std::string> ConfigDumpNames(meshproof::scenario::v1::EnvoyResource kind,
                                         absl::string_view body, bool* parsed = nullptr);

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_ENVOY_ADMIN_H_
