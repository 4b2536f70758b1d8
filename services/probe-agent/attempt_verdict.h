// How a test's attempts become its verdict: convergence (N consecutive passes), passed
// on retry, and flaky (attempts that disagreed). The executor runs the attempts; this
// decides what they add up to.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_ATTEMPT_VERDICT_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_ATTEMPT_VERDICT_H_

#include <cstdint>

#include "meshproof/result/v1/result.pb.h"

namespace meshproof::agent {

// Settles `result`, whose verdict, reason and attempt_history are those of its attempts
// (the final attempt's verdict and reason), under a policy needing `converge`
// consecutive passes (1: any pass). Sets `flaky` and `passed_on_retry`. When the
// attempts did not end in `converge` consecutive passes, the verdict is FAIL if any
// attempt FAILed (a wrong answer was observed), otherwise ERROR (passes and attempts
// that could not observe prove nothing either way), and the reason always says so with
// the sequence and the last non-passing attempt's reason:
// "did not converge: 3 consecutive passes needed, got P F P F P F; attempt 6: ...".
void SettleAttempts(uint32_t converge, meshproof::result::v1::TestResult* result);

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_ATTEMPT_VERDICT_H_
