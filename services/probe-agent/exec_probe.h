// Exec probes: one allowlisted program run without a shell, in its own process group,
// with only the operator's environment; the whole group is killed at the timeout.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_EXEC_PROBE_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_EXEC_PROBE_H_

#include <functional>
#include <map>
#include <string>

#include "absl/time/time.h"
#include "meshproof/result/v1/result.pb.h"
#include "meshproof/scenario/v1/scenario.pb.h"

namespace meshproof::agent {

// How long after the timeout (or after the program exits) output from processes that
// left the group is still read: the probe returns within timeout + this (plus reaping).
inline constexpr absl::Duration kExecGrace = absl::Milliseconds(500);

// Runs `probe` (already checked by ExecPolicy) with exactly `env` as its environment.
// Never fails: problems become ProbeOutcome.failure.
meshproof::result::v1::ProbeOutcome RunExecProbe(const meshproof::scenario::v1::ExecProbe& probe,
                                                 const meshproof::scenario::v1::Defaults& defaults,
                                                 const std::map<std::string, std::string>& env,
                                                 const std::function<bool()>& cancelled);

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_EXEC_PROBE_H_
