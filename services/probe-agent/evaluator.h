// Decides a test's verdict from what its probe observed and the evidence gathered:
// every mismatch is listed with expected vs actual, and the first one is the reason.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_EVALUATOR_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_EVALUATOR_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "meshproof/result/v1/result.pb.h"
#include "meshproof/scenario/v1/scenario.pb.h"

namespace meshproof::agent {

struct Evaluation {
  meshproof::result::v1::TestVerdict verdict = meshproof::result::v1::TEST_VERDICT_UNSPECIFIED;
  std::vector<meshproof::result::v1::Mismatch> mismatches;
  std::string reason;
  std::string actual_summary;
};

// Returns what happened in one line ("status 418", "fails at tls_handshake (curl 35): ...").
std::string SummarizeOutcome(const meshproof::result::v1::ProbeOutcome& outcome);

// Evaluates one attempt. ERROR when the probe could not be executed on the agent's side
// (a missing CA or client certificate file, a malformed URL); FAIL when an expectation
// or required evidence did not hold; PASS otherwise. `now` is used for certificate expiry.
Evaluation Evaluate(const meshproof::scenario::v1::Test& test,
                    const meshproof::result::v1::ProbeOutcome& outcome,
                    const std::vector<meshproof::result::v1::Evidence>& evidence, absl::Time now);

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_EVALUATOR_H_
