// The versions a run's environment records (Envoy, Istio, Kubernetes, agent) and how
// two runs' versions differ. The report headers, `compare` and the history grid all say
// "Istio 1.29.1 → 1.30.0" from here, so they cannot disagree.
#ifndef MESHPROOF_SERVICES_COMMON_RESULTS_ENVIRONMENT_VERSIONS_H_
#define MESHPROOF_SERVICES_COMMON_RESULTS_ENVIRONMENT_VERSIONS_H_

#include <string>
#include <vector>

#include "meshproof/result/v1/result.pb.h"
#include "meshproof/store/v1/store.pb.h"

namespace meshproof::results {

// One version of a run: known (`version` set) or unknown (`unknown_reason` says why when
// the agent recorded it; runs stored before versions were read have no reason).
struct VersionEntry {
  std::string component;  // "Envoy", "Istio", "Kubernetes" or "agent"
  std::string version;
  std::string unknown_reason;
};

// Returns the run's four versions, in the order Envoy, Istio, Kubernetes, agent.
std::vector<VersionEntry> RunVersions(const meshproof::result::v1::Environment& env);

// Returns "Envoy 1.32.2-dev · Istio 1.30.0 · Kubernetes v1.30.6 · agent 0.1.0", with
// "Istio unknown (no istiod source configured)" for a version that could not be read;
// "unknown" when the run records no version and no reason at all.
std::string DescribeVersions(const meshproof::result::v1::Environment& env);

// Returns the versions that differ from `base` to `head`, in RunVersions order. Unknown
// on both sides is no change; known on one side only is one.
std::vector<meshproof::store::v1::VersionChange> VersionChanges(
    const meshproof::result::v1::Environment& base, const meshproof::result::v1::Environment& head);

// Returns "Istio 1.29.1 → 1.30.0" ("unknown" for an empty side).
std::string DescribeVersionChange(const meshproof::store::v1::VersionChange& change);

// Returns every change joined by ", ", followed by " since the last run"; empty when
// `changes` is empty.
std::string DescribeVersionChanges(const std::vector<meshproof::store::v1::VersionChange>& changes);

}  // namespace meshproof::results

#endif  // MESHPROOF_SERVICES_COMMON_RESULTS_ENVIRONMENT_VERSIONS_H_
