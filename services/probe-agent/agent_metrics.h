// The probe agent's metrics: probe attempts by phase, verdict and failure class, their
// durations (histograms by phase), the waits for evidence after a probe, and the probes in
// flight. Fed by the scenario executor through ProbeObserver.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_AGENT_METRICS_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_AGENT_METRICS_H_

#include "services/common/metrics/registry.h"
#include "services/probe-agent/probe_observer.h"

namespace meshproof::agent {

class AgentMetrics final : public ProbeObserver {
 public:
  // Declares the agent's series in `registry`, which must outlive this object.
  explicit AgentMetrics(metrics::Registry* registry);

  void ProbeStarted() override;
  void ProbeFinished(meshproof::result::v1::Phase phase, meshproof::result::v1::TestVerdict verdict,
                     meshproof::scenario::v1::FailureClass failure, absl::Duration took) override;
  void EvidenceWaited(
      absl::Duration waited,
      const google::protobuf::RepeatedPtrField<meshproof::result::v1::Evidence>& evidence) override;

 private:
  metrics::Family<metrics::Counter>& probes_;
  metrics::Family<metrics::Histogram>& probe_duration_;
  metrics::Family<metrics::Histogram>& evidence_wait_;
  metrics::Gauge& in_flight_;
};

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_AGENT_METRICS_H_
