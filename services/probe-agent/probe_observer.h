// What the scenario executor tells whoever watches its probes (the agent's metrics,
// agent_metrics.h): each probe attempt as it starts and ends, and each wait for evidence.
// Called from the threads that run tests, several at once; implementations are
// thread-safe and quick.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_PROBE_OBSERVER_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_PROBE_OBSERVER_H_

#include "absl/time/time.h"
#include "meshproof/result/v1/result.pb.h"

namespace meshproof::agent {

class ProbeObserver {
 public:
  virtual ~ProbeObserver() = default;
  // One attempt's probe is about to run.
  virtual void ProbeStarted() = 0;
  // That attempt ended with `verdict` (the attempt's, before retries settle the test's)
  // and `failure` (FAILURE_CLASS_UNSPECIFIED when none), after `took`. Also called for an
  // attempt cut short by cancellation, with TEST_VERDICT_NOT_RUN.
  virtual void ProbeFinished(meshproof::result::v1::Phase phase,
                             meshproof::result::v1::TestVerdict verdict,
                             meshproof::scenario::v1::FailureClass failure,
                             absl::Duration took) = 0;
  // The agent waited `waited` for a test's evidence after its probe; `evidence` is what
  // it found (not called for tests without evidence).
  virtual void EvidenceWaited(
      absl::Duration waited,
      const google::protobuf::RepeatedPtrField<meshproof::result::v1::Evidence>& evidence) = 0;
};

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_PROBE_OBSERVER_H_
