// Runs a scenario the way the report's author did by hand: preflight first (a failure
// makes the run INCONCLUSIVE), setup steps in order (a failure stops the scenario),
// tests with retries and convergence, deferred tests only when approved, teardown
// always, then the claims ledger and the verdict (services/common/results decides both).
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_SCENARIO_EXECUTOR_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_SCENARIO_EXECUTOR_H_

#include <functional>
#include <string>
#include <vector>

#include "meshproof/result/v1/result.pb.h"
#include "meshproof/scenario/v1/scenario.pb.h"
#include "services/common/clock.h"
#include "services/probe-agent/environment_fingerprint.h"
#include "services/probe-agent/evidence_collector.h"
#include "services/probe-agent/probe_observer.h"
#include "services/probe-agent/prober.h"

namespace meshproof::agent {

struct ExecuteOptions {
  // Only these tests run; the others are left out (no result, not counted). Empty: all.
  std::vector<std::string> only_tests;
  // Deferred tests that require approval run. Only a scheduler assignment of an approved
  // run sets this (ScenarioEntrance::ExecuteAssignment); no caller of the agent's API can.
  bool approved = false;
  // Test-phase results an earlier agent recorded for this run before it handed the run
  // back: these tests are neither run nor emitted again, and count in the outcome.
  std::vector<meshproof::result::v1::TestResult> recorded;
};

class ScenarioExecutor {
 public:
  ScenarioExecutor(Prober* prober, const Clock* clock, Sleeper sleeper, LogSourceFactory sources);

  // Executes `scenario`, passing each result to `emit` as soon as it is decided, and
  // returns the outcome. Thread-safe: one executor serves many calls at once. `emit` is
  // called from the calling thread (or, with defaults.parallelism, from worker threads,
  // one at a time). `cancelled` must be thread-safe: it is checked between tests, by the
  // prober during transfers and by evidence polling; once it returns true the test in
  // flight and the remaining tests are NOT_RUN and the verdict is CANCELLED. Teardown
  // still runs.
  meshproof::result::v1::ScenarioOutcome Execute(
      const meshproof::scenario::v1::Scenario& scenario, const ExecuteOptions& options,
      const std::function<void(const meshproof::result::v1::TestResult&)>& emit,
      const std::function<bool()>& cancelled);

  // Makes every Execute read the environment's versions first (the outcome's
  // environment). Not owned; set before the first Execute. Without it the outcome has
  // no environment.
  void SetFingerprint(const EnvironmentFingerprint* fingerprint) { fingerprint_ = fingerprint; }

  // Tells `observer` about every probe attempt and evidence wait (the agent's metrics).
  // Not owned; set before the first Execute.
  void SetObserver(ProbeObserver* observer) { observer_ = observer; }

 private:
  // Records one attempt's probe in `result` (and tells the observer). Returns false when
  // the call was cancelled meanwhile: `result` then says NOT_RUN.
  bool RecordAttempt(const meshproof::scenario::v1::Scenario& scenario,
                     const meshproof::scenario::v1::Test& test, meshproof::result::v1::Phase phase,
                     uint32_t attempt, absl::StatusOr<meshproof::result::v1::ProbeOutcome> outcome,
                     std::vector<meshproof::result::v1::Evidence> evidence, absl::Time probe_start,
                     absl::Time probe_end, const CancelledFn& cancelled,
                     meshproof::result::v1::TestResult* result);
  // A test whose one probe the prober can run without a thread of its own: one attempt,
  // no evidence to wait for.
  bool RunsOnProberThreads(const meshproof::scenario::v1::Scenario& scenario,
                           const meshproof::scenario::v1::Test& test) const;
  // Runs `to_run` (indexes of such tests) with at most `parallelism` in flight, started
  // and recorded on the prober's threads; emits each result and keeps it in `decided`.
  void RunOnProberThreads(const meshproof::scenario::v1::Scenario& scenario,
                          const std::vector<int>& to_run, int parallelism,
                          const CancelledFn& cancelled,
                          const std::function<void(const meshproof::result::v1::TestResult&)>& emit,
                          std::vector<meshproof::result::v1::TestResult>& decided);
  meshproof::result::v1::TestResult RunTest(const meshproof::scenario::v1::Scenario& scenario,
                                            const meshproof::scenario::v1::Test& test,
                                            meshproof::result::v1::Phase phase,
                                            const CancelledFn& cancelled);

  Prober* prober_;
  const Clock* clock_;
  Sleeper sleeper_;
  LogSourceFactory sources_;
  const EnvironmentFingerprint* fingerprint_ = nullptr;
  ProbeObserver* observer_ = nullptr;
};

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_SCENARIO_EXECUTOR_H_
