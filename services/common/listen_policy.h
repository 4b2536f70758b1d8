// Whether a service may listen where it was asked to. An address other hosts can reach
// serves only callers with bearer tokens, unless the operator opted out with
// --insecure-open: an open API reachable from the network runs probes, changes
// scenarios or deletes history for anyone who finds it. RunServer applies this rule to
// every service, so each binary refuses the same way.
#ifndef MESHPROOF_SERVICES_COMMON_LISTEN_POLICY_H_
#define MESHPROOF_SERVICES_COMMON_LISTEN_POLICY_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace meshproof {

// True when `address` ("HOST:PORT", "[V6]:PORT", "unix:PATH") can be reached only from
// this host: 127.0.0.0/8, ::1, "localhost" or a Unix socket. Anything else — 0.0.0.0,
// [::], a host name, an interface address — counts as reachable from other hosts.
bool IsLoopbackListenAddress(absl::string_view address);

// Returns OK when a server on `address` may start: the address is loopback, calls are
// checked against tokens (`authenticated`), or `insecure_open` says to serve without
// them. Otherwise INVALID_ARGUMENT naming --listen, --tokens and --insecure-open.
absl::Status CheckListenExposure(absl::string_view address, bool authenticated, bool insecure_open);

// Returns OK when the /metrics listener may start on `address`: the address is loopback
// or `metrics_open` (--metrics-open, or --insecure-open) says to serve other hosts.
// Metrics carry no tokens, and their labels name scenarios, clusters and tests; opening
// them is a separate decision from opening the API, so a manifest that exposes metrics
// to Prometheus need not also give up the API's tokens check. Otherwise
// INVALID_ARGUMENT naming --metrics-listen and --metrics-open.
absl::Status CheckMetricsListenExposure(absl::string_view address, bool metrics_open);

}  // namespace meshproof

#endif  // MESHPROOF_SERVICES_COMMON_LISTEN_POLICY_H_
