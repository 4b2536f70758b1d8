// Log sources named by a URI (`log: {source: URI}` in a scenario), so that one variable
// switches a scenario between the lab's files and a cluster's pod logs:
//   file:///var/log/egress.log               → file
//   k8s://istio-system/istio=egressgateway   → Kubernetes pods (container: the pod's only one)
//   k8s://istio-system/istio=egressgateway/istio-proxy
//   http://127.0.0.1:9000/log, https://…     → a log served over HTTP
#ifndef MESHPROOF_SERVICES_SCENARIO_LOG_SOURCE_URI_H_
#define MESHPROOF_SERVICES_SCENARIO_LOG_SOURCE_URI_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "meshproof/scenario/v1/scenario.pb.h"

namespace meshproof::scenario {

// Returns the source `uri` names (never a `uri` kind). The selector may be
// percent-encoded (%2F for '/', %20 for a space). INVALID_ARGUMENT with a reason (no field
// name) for another scheme, a relative file path, or a k8s:// URI without namespace or
// selector.
absl::StatusOr<meshproof::scenario::v1::LogSource> ResolveLogSourceUri(absl::string_view uri);

}  // namespace meshproof::scenario

#endif  // MESHPROOF_SERVICES_SCENARIO_LOG_SOURCE_URI_H_
