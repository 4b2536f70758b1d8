// The environment fingerprint of a run: the versions of what the run measured, read
// by the agent itself at the start of every run, because a report that names no versions
// invites the seed report's false alarm (an istioctl 1.27 reading a 1.30 control plane).
//
// - Envoy: the sidecar admin's GET /server_info ("version").
// - Istio: istiod's GET /version on its monitoring port (15014), the endpoint
//   `istioctl version` reads; answered as "VERSION-REVISION-STATUS".
// - Kubernetes: the API server's GET /version ("gitVersion"), with the agent's token.
// - the agent's own version and the lab/cluster kind, from its configuration.
// A version that cannot be read is left empty and its reason recorded
// (Environment.unknown_versions): never guessed, never copied from elsewhere.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_ENVIRONMENT_FINGERPRINT_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_ENVIRONMENT_FINGERPRINT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "meshproof/result/v1/result.pb.h"
#include "meshproof/scenario/v1/scenario.pb.h"
#include "services/probe-agent/kubernetes_log_source.h"
#include "services/probe-agent/prober.h"

namespace meshproof::agent {

// Where the versions are read: the agent's configuration (`fingerprint:` and
// `kubernetes:`), never a scenario's, except the fallbacks named below.
struct FingerprintSources {
  // The sidecar's Envoy admin, http(s)://HOST:PORT. Empty: the first http(s) admin_url
  // the scenario names (an envoy_admin test or config evidence), in file order.
  std::string envoy_admin;
  // istiod's monitoring address, http(s)://HOST:PORT. Empty: HOST:PORT of the first
  // istiod:// (or istiods://) config source the scenario names.
  std::string istiod;
  // The API server whose /version is read, when `read_kubernetes`.
  KubernetesAccess kubernetes;
  bool read_kubernetes = false;
  // Recorded as given.
  std::string agent_version;
  std::string kind;
  // Each read's timeout; the three run at once.
  absl::Duration timeout = absl::Seconds(3);
};

class EnvironmentFingerprint {
 public:
  // `prober` reads every URL, so the agent's destinations apply to these reads too.
  EnvironmentFingerprint(Prober* prober, FingerprintSources sources);

  // Reads the versions for a run of `scenario` into `env`: envoy_version,
  // istio_version, kubernetes_version, agent_version, kind, and unknown_versions for
  // every version it could not read. Leaves the other fields alone. Never fails.
  void Stamp(const meshproof::scenario::v1::Scenario& scenario,
             meshproof::result::v1::Environment* env) const;

 private:
  Prober* prober_;
  FingerprintSources sources_;
};

// Returns the Envoy version in a /server_info document: the second field of its
// "version" ("093e2ffe…/1.15.0-dev/Clean/RELEASE/BoringSSL" → "1.15.0-dev").
// INVALID_ARGUMENT when the body is not such a document.
absl::StatusOr<std::string> EnvoyVersionFromServerInfo(absl::string_view body);

// Returns the Istio version in istiod's /version answer
// ("1.30.0-<revision>[-dirty]-<status>" → "1.30.0"). INVALID_ARGUMENT when the answer is
// not in that form or says "unknown" (a build without version stamps).
absl::StatusOr<std::string> IstioVersionFromIstiod(absl::string_view body);

// Returns "gitVersion" of the API server's /version document ("v1.32.3").
// INVALID_ARGUMENT when the body is not such a document.
absl::StatusOr<std::string> KubernetesVersionFromVersion(absl::string_view body);

// Returns the base URL of istiod's monitoring port for an istiod:// or istiods:// config
// source ("istiod://istiod.istio-system.svc:15014/POD.NS" →
// "http://istiod.istio-system.svc:15014"); empty for any other URL.
std::string IstiodBaseUrl(absl::string_view admin_url);

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_ENVIRONMENT_FINGERPRINT_H_
