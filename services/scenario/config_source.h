// Where a test reads a proxy's configuration. `admin_url` names either the proxy's own
// Envoy admin interface (http(s)://HOST:PORT: the sidecar next to the agent, or a
// gateway's admin in the lab) or istiod's view of a proxy it serves
// (istiod://HOST:PORT/PROXY, or istiods:// for HTTPS): istiod's debug endpoint
// /debug/config_dump?proxyID=PROXY on its monitoring port (15014). The second is how the
// agent reads a *gateway's* configuration in a cluster, where it cannot reach the
// gateway's admin port. One variable can switch a scenario between the two.
#ifndef MESHPROOF_SERVICES_SCENARIO_CONFIG_SOURCE_H_
#define MESHPROOF_SERVICES_SCENARIO_CONFIG_SOURCE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "meshproof/scenario/v1/scenario.pb.h"

namespace meshproof::scenario {

struct ConfigSource {
  // The URL to GET.
  std::string read_url;
  // True when read from istiod: the answer is a config dump whatever the resource, and
  // holds only what istiod sends the proxy (dynamic resources), not what it accepted.
  bool from_istiod = false;
  // The proxy istiod is asked about (POD.NAMESPACE); empty for an admin interface.
  std::string proxy;
};

// Returns where to read `resource` for `admin_url`. INVALID_ARGUMENT (with a reason, no
// field name) when an istiod:// URL lacks its host or proxy or the proxy has characters
// other than letters, digits, '.', '-' and '_'.
absl::StatusOr<ConfigSource> ResolveConfigSource(absl::string_view admin_url,
                                                 meshproof::scenario::v1::EnvoyResource resource);

// Returns the Envoy admin path of a resource ("/clusters", "/listeners", "/config_dump";
// "/" for an unspecified one). The prober and the reproduction line both read it here.
const char* AdminPath(meshproof::scenario::v1::EnvoyResource resource);

// True when `admin_url` uses the istiod:// or istiods:// scheme.
bool IsIstiodUrl(absl::string_view admin_url);

}  // namespace meshproof::scenario

#endif  // MESHPROOF_SERVICES_SCENARIO_CONFIG_SOURCE_H_
