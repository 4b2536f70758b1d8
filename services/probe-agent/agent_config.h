// Everything the probe agent binary is configured with, and its option table: each
// option is a flag and a key of the YAML file (--config), declared once in
// DeclareAgentOptions; the nested keys (exec_allowlist, destinations, kubernetes...) are
// file-only sections read here with the same strict reader. Unknown keys are errors.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_AGENT_CONFIG_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_AGENT_CONFIG_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/bootstrap/option_table.h"
#include "services/common/bootstrap/server_settings.h"
#include "services/probe-agent/destination_policy.h"
#include "services/probe-agent/environment_fingerprint.h"
#include "services/probe-agent/exec_policy.h"
#include "services/probe-agent/kubernetes_log_source.h"

namespace meshproof::agent {

struct AgentConfig {
  // The agent's own server (listen, tokens, TLS...) and its link to the scheduler
  // (scheduler, scheduler_token_file, scheduler_tls_*); no scheduler: only the direct API.
  bootstrap::ServerSettings server;
  bootstrap::PeerSettings scheduler;
  // --labels k=v,k2=v2, added over the file's `labels` map.
  std::string labels_flag;
  std::string agent_id;  // default: the host name
  std::string cluster;
  std::string namespace_;
  std::map<std::string, std::string> labels;
  int max_concurrency = 64;
  // Programs exec probes may run, by absolute path, with the arguments each accepts;
  // empty refuses every exec probe.
  std::vector<ExecRule> exec_allowlist;
  // The whole environment of every exec probe (default: empty).
  std::map<std::string, std::string> exec_env;
  // Where probes and evidence sources may connect. Absent (has_destinations false):
  // anywhere, with a warning at start-up; present: only what `destinations` lists.
  bool has_destinations = false;
  std::vector<DestinationRule> destinations;
  // Whether HTTP probes may follow redirects (default: no).
  bool follow_redirects = false;
  // "lab" or "cluster" (AgentInfo.environment_kind); empty: not said.
  std::string environment_kind;
  // How Kubernetes log sources reach the API (default: the pod's service account).
  KubernetesAccess kubernetes;
  // Whether the file has a `kubernetes:` section.
  bool has_kubernetes = false;
  // Where every run's environment fingerprint reads the Envoy and Istio versions
  // (`fingerprint: {envoy_admin, istiod}`, http(s)://HOST:PORT); empty: from the scenario.
  std::string fingerprint_envoy_admin;
  std::string fingerprint_istiod;
};

// Returns where the environment fingerprint reads versions for this configuration: the
// `fingerprint:` URLs, and the Kubernetes API when the file configures one or the agent
// measures a cluster.
FingerprintSources FingerprintSourcesFor(const AgentConfig& config,
                                         const std::string& agent_version);

// Checks an environment kind: "", "lab" or "cluster". INVALID_ARGUMENT naming `field`.
absl::Status CheckEnvironmentKind(const std::string& kind, const std::string& field);

// Declares every option of the agent in `table`, writing into `config`.
void DeclareAgentOptions(bootstrap::OptionTable* table, AgentConfig* config);

// Parses the YAML text of a config file alone (no flags). INVALID_ARGUMENT with every
// problem as "FILE:LINE:COLUMN: key: message".
absl::StatusOr<AgentConfig> ParseAgentConfig(absl::string_view yaml, const std::string& file_name);

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_AGENT_CONFIG_H_
