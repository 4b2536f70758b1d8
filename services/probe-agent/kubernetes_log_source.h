// Gateway logs read through the Kubernetes API, as `kubectl logs -l SELECTOR --since-time`
// does: list the pods matching a label selector, then read each pod's log since a time.
// Positions are instants (Unix microseconds of the agent's clock).
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_KUBERNETES_LOG_SOURCE_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_KUBERNETES_LOG_SOURCE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "meshproof/scenario/v1/scenario.pb.h"
#include "services/common/clock.h"
#include "services/probe-agent/log_source.h"
#include "services/probe-agent/prober.h"

namespace meshproof::agent {

// How the agent reaches the Kubernetes API: its own configuration, never a scenario's.
// A scenario that could choose the server or the token file could make the agent send
// its service-account token (or any file it can read) to any listener.
struct KubernetesAccess {
  std::string api_server = "https://kubernetes.default.svc";
  std::string token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
};

// Returns the body of GET `path_and_query` on the access's API server, authenticated by
// the bearer token in its `token_file` (re-read on every call: projected
// service-account tokens rotate) and verified with its `ca_file` for https. UNAVAILABLE
// when the token file cannot be read or the API does not answer 200 (the message names
// the URL and the status); PERMISSION_DENIED as Prober::Fetch.
absl::StatusOr<std::string> FetchKubernetesApi(Prober& prober, const KubernetesAccess& access,
                                               const std::string& path_and_query, size_t limit);

// Reads pod logs with GET /api/v1/namespaces/NS/pods?labelSelector=SEL and
// GET /api/v1/namespaces/NS/pods/POD/log?container=C&sinceTime=RFC3339&timestamps=true,
// authenticated by the bearer token in the access's `token_file` (re-read on every
// request: projected service-account tokens rotate) and verified with its `ca_file`.
// The scenario names only namespace, selector and container.
//
// sinceTime has one-second granularity, so logs are asked with timestamps and lines
// older than the noted instant are dropped here. The instant comes from the agent's clock
// while the timestamps come from the node's: the two are assumed to agree to well under
// the evidence window (NTP), which holds in any cluster where TLS works.
class KubernetesLogSource final : public LogSource {
 public:
  KubernetesLogSource(Prober* prober, const Clock* clock, KubernetesAccess access,
                      meshproof::scenario::v1::KubernetesLogSource spec);

  // Lists the pods (so a wrong selector or missing permission shows before the probe)
  // and returns now. UNAVAILABLE when the API cannot be read, FAILED_PRECONDITION when no
  // pod matches.
  absl::StatusOr<uint64_t> Position() override;
  // Returns the lines of every matching pod stamped at or after `position`, pod by pod
  // (Origins() names each line's pod). UNAVAILABLE when no pod's log could be read; when
  // only some could, Gap() names them: the call's line may be in a log that was not read.
  absl::StatusOr<std::vector<std::string>> LinesSince(uint64_t position) override;
  std::string Describe() const override;
  std::string Gap() const override { return gap_; }
  std::vector<std::string> Origins() const override { return origins_; }

 private:
  absl::StatusOr<std::string> Get(const std::string& path_and_query, size_t limit);
  absl::StatusOr<std::vector<std::string>> ListPods();

  Prober* prober_;
  const Clock* clock_;
  KubernetesAccess access_;
  meshproof::scenario::v1::KubernetesLogSource spec_;
  std::vector<std::string> pods_;
  std::vector<std::string> origins_;
  std::string gap_;
};

// Returns the names of the pods in a PodList JSON document. INVALID_ARGUMENT when it is
// not one.
absl::StatusOr<std::vector<std::string>> PodNamesFromList(absl::string_view json);

// Splits a log line written with timestamps=true ("2026-06-07T00:00:01.123456789Z text")
// into its time and text. False when the line does not start with an RFC 3339 time.
bool SplitTimestampedLine(absl::string_view line, absl::Time* time, std::string* text);

// Percent-encodes a query parameter value.
std::string QueryEscape(absl::string_view value);

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_KUBERNETES_LOG_SOURCE_H_
