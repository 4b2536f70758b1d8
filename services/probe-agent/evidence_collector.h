// Gathers a test's evidence around its probe: positions of log sources are noted before
// the call; after it, each source is polled for up to its window for new matching lines.
// Config evidence reads the Envoy admin interface after the call.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_EVIDENCE_COLLECTOR_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_EVIDENCE_COLLECTOR_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "meshproof/result/v1/result.pb.h"
#include "meshproof/scenario/v1/scenario.pb.h"
#include "services/common/clock.h"
#include "services/probe-agent/line_attribution.h"
#include "services/probe-agent/log_source.h"
#include "services/probe-agent/prober.h"

namespace meshproof::agent {

// Waits between polls; tests pass one that advances a fake clock.
using Sleeper = std::function<void(absl::Duration)>;

// Makes the LogSource a spec names (a seam for tests).
using LogSourceFactory = std::function<absl::StatusOr<std::unique_ptr<LogSource>>(
    const meshproof::scenario::v1::LogSource&)>;

class EvidenceCollector {
 public:
  EvidenceCollector(Prober* prober, const Clock* clock, Sleeper sleeper, LogSourceFactory sources);

  // Notes the positions of the test's log sources and the call's start. Call right
  // before the probe.
  void Begin(const meshproof::scenario::v1::Test& test,
             const meshproof::scenario::v1::Defaults& defaults);
  // Collects the evidence of the call that `outcome` describes (null when the probe
  // could not run). Call right after the probe. Log sources are polled every 50 ms
  // until min_lines lines of this call are there (plus a 200 ms settle when max_lines
  // is set), the window ends, or `cancelled` returns true. Evidence that could not be
  // observed is marked `unobservable`, never merely unsatisfied.
  std::vector<meshproof::result::v1::Evidence> Finish(
      const meshproof::result::v1::ProbeOutcome* outcome, const CancelledFn& cancelled = {});

 private:
  struct Pending {
    const meshproof::scenario::v1::EvidenceSpec* spec;
    std::unique_ptr<LogSource> source;
    absl::StatusOr<uint64_t> start = uint64_t{0};
    absl::Duration window;
  };
  meshproof::result::v1::Evidence CollectLog(Pending& pending, const CallWindow& call,
                                             absl::Time deadline, const CancelledFn& cancelled);
  meshproof::result::v1::Evidence CollectConfig(const meshproof::scenario::v1::EvidenceSpec& spec);

  Prober* prober_;
  const Clock* clock_;
  Sleeper sleeper_;
  LogSourceFactory sources_;
  std::vector<Pending> pending_;
  absl::Time call_start_;
};

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_EVIDENCE_COLLECTOR_H_
