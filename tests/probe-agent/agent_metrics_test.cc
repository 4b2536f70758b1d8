// The agent's metrics as the executor reports to them: attempts by phase, verdict and
// failure class, durations, evidence waits by what was found, and probes in flight.
#include "services/probe-agent/agent_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

namespace meshproof::agent {
namespace {

namespace rv1 = ::meshproof::result::v1;
namespace sv1 = ::meshproof::scenario::v1;
using ::testing::HasSubstr;

TEST(AgentMetricsTest, AttemptsEvidenceAndInFlight) {
  metrics::Registry registry;
  AgentMetrics agent(&registry);
  agent.ProbeStarted();
  agent.ProbeStarted();
  EXPECT_THAT(registry.Render(), HasSubstr("meshproof_agent_probes_in_flight 2\n"));
  agent.ProbeFinished(rv1::PHASE_TEST, rv1::TEST_VERDICT_FAIL, sv1::FAILURE_CLASS_CONNECT_REFUSED,
                      absl::Milliseconds(7));
  agent.ProbeFinished(rv1::PHASE_PREFLIGHT, rv1::TEST_VERDICT_PASS, sv1::FAILURE_CLASS_UNSPECIFIED,
                      absl::Seconds(3));

  google::protobuf::RepeatedPtrField<rv1::Evidence> evidence;
  evidence.Add()->set_satisfied(true);
  agent.EvidenceWaited(absl::Milliseconds(300), evidence);
  evidence.Add()->set_satisfied(false);
  agent.EvidenceWaited(absl::Milliseconds(300), evidence);
  evidence.Add()->set_unobservable(true);
  agent.EvidenceWaited(absl::Milliseconds(300), evidence);

  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("meshproof_agent_probes_in_flight 0\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_agent_probes_total{phase=\"test\",verdict=\"fail\","
                              "failure_class=\"connect_refused\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_agent_probes_total{phase=\"preflight\",verdict=\"pass\","
                              "failure_class=\"none\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_agent_probe_duration_seconds_bucket{phase=\"test\","
                              "le=\"0.01\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("meshproof_agent_probe_duration_seconds_bucket{phase=\"preflight\","
                              "le=\"2.5\"} 0\n"));
  for (const char* result : {"satisfied", "unsatisfied", "unobservable"}) {
    EXPECT_THAT(text,
                HasSubstr(absl::StrCat("meshproof_agent_evidence_wait_seconds_count{result=\"",
                                       result, "\"} 1\n")));
  }
}

}  // namespace
}  // namespace meshproof::agent
