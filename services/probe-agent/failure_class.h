// Classifies why a probe failed before a complete response, from curl's result code and
// what the system reported, into the failure classes scenarios can expect.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_FAILURE_CLASS_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_FAILURE_CLASS_H_

#include <curl/curl.h>

#include "meshproof/scenario/v1/scenario.pb.h"

namespace meshproof::agent {

// Returns the class of a failed transfer. `os_errno` is CURLINFO_OS_ERRNO; `connected`
// tells whether the TCP connection had been established (CURLINFO_CONNECT_TIME_T > 0),
// which separates a connect timeout from a whole-probe timeout.
meshproof::scenario::v1::FailureClass ClassifyFailure(CURLcode code, long os_errno, bool connected);

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_FAILURE_CLASS_H_
