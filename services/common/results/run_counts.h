// How many tests of a run ended in each verdict. The agent counts its outcome with it
// and the scheduler counts the results it holds when no agent reported an outcome.
#ifndef MESHPROOF_SERVICES_COMMON_RESULTS_RUN_COUNTS_H_
#define MESHPROOF_SERVICES_COMMON_RESULTS_RUN_COUNTS_H_

#include <vector>

#include "meshproof/result/v1/result.pb.h"

namespace meshproof::results {

// Returns the counts of `results` in the test phase (preflight, setup and teardown
// results are not counted). `passed_on_retry` counts passing tests that needed a retry.
meshproof::result::v1::RunCounts CountTests(
    const std::vector<meshproof::result::v1::TestResult>& results);

}  // namespace meshproof::results

#endif  // MESHPROOF_SERVICES_COMMON_RESULTS_RUN_COUNTS_H_
