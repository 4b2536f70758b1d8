#include "services/probe-agent/agent_metrics.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"

namespace meshproof::agent {
namespace {

namespace rv1 = ::meshproof::result::v1;
namespace sv1 = ::meshproof::scenario::v1;

// "TEST_VERDICT_PASS" with prefix "TEST_VERDICT_" → "pass"; "" (an unknown number) → "unknown".
std::string Label(const std::string& name, absl::string_view prefix) {
  absl::string_view rest = name;
  absl::ConsumePrefix(&rest, prefix);
  return rest.empty() ? "unknown" : absl::AsciiStrToLower(rest);
}

// Phases × verdicts × failure classes: every label value is an enum's, so the bound only
// guards against a mistake.
constexpr size_t kProbeSeries = 1000;

}  // namespace

AgentMetrics::AgentMetrics(metrics::Registry* registry)
    : probes_(registry->AddCounter(
          "meshproof_agent_probes_total",
          "probe attempts by phase (test, preflight, setup, teardown), the attempt's verdict "
          "and its failure class (none when the probe got an answer)",
          {"phase", "verdict", "failure_class"}, kProbeSeries)),
      probe_duration_(registry->AddHistogram("meshproof_agent_probe_duration_seconds",
                                             "time one probe attempt took, by phase", {"phase"},
                                             metrics::LatencyBuckets())),
      evidence_wait_(registry->AddHistogram(
          "meshproof_agent_evidence_wait_seconds",
          "time spent after a probe waiting for its evidence (log lines, config), by what was "
          "found: satisfied, unsatisfied, or unobservable",
          {"result"}, metrics::LatencyBuckets())),
      in_flight_(registry
                     ->AddGauge("meshproof_agent_probes_in_flight",
                                "probe attempts running now (evidence waits included)")
                     .Get()) {}

void AgentMetrics::ProbeStarted() { in_flight_.Add(1); }

void AgentMetrics::ProbeFinished(rv1::Phase phase, rv1::TestVerdict verdict,
                                 sv1::FailureClass failure, absl::Duration took) {
  in_flight_.Add(-1);
  const std::string phase_label = Label(rv1::Phase_Name(phase), "PHASE_");
  probes_
      .WithLabels({phase_label, Label(rv1::TestVerdict_Name(verdict), "TEST_VERDICT_"),
                   failure == sv1::FAILURE_CLASS_UNSPECIFIED
                       ? "none"
                       : Label(sv1::FailureClass_Name(failure), "FAILURE_CLASS_")})
      .Increment();
  probe_duration_.WithLabels({phase_label}).Observe(absl::ToDoubleSeconds(took));
}

void AgentMetrics::EvidenceWaited(
    absl::Duration waited, const google::protobuf::RepeatedPtrField<rv1::Evidence>& evidence) {
  std::string result = "satisfied";
  for (const rv1::Evidence& e : evidence) {
    if (e.unobservable()) {
      result = "unobservable";
      break;
    }
    if (!e.satisfied()) result = "unsatisfied";
  }
  evidence_wait_.WithLabels({result}).Observe(absl::ToDoubleSeconds(waited));
}

}  // namespace meshproof::agent
