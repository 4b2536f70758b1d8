#include "services/probe-agent/scenario_executor.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "services/common/results/attempts.h"
#include "services/common/results/claims_ledger.h"
#include "services/common/results/run_counts.h"
#include "services/common/results/run_verdict.h"
#include "services/common/time_util.h"
#include "services/probe-agent/attempt_verdict.h"
#include "services/probe-agent/evaluator.h"
#include "services/scenario/curl_command.h"
#include "services/scenario/describe.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;
namespace rv1 = ::meshproof::result::v1;

rv1::TestResult Skeleton(const sv1::Scenario& scenario, const sv1::Test& test, rv1::Phase phase) {
  rv1::TestResult result;
  result.set_scenario(scenario.name());
  result.set_test(test.name());
  result.set_phase(phase);
  result.set_proves(test.proves());
  for (const std::string& claim : test.claims()) result.add_claims(claim);
  result.set_expected_summary(scenario::DescribeExpectation(test));
  std::string reproduction = scenario::ReproductionCommand(test, scenario.defaults());
  for (const std::string& line : scenario::EvidenceCommands(test))
    absl::StrAppend(&reproduction, "\n", line);
  result.set_reproduction(reproduction);
  return result;
}

rv1::TestResult NotRun(const sv1::Scenario& scenario, const sv1::Test& test, rv1::Phase phase,
                       rv1::TestVerdict verdict, const std::string& reason) {
  rv1::TestResult result = Skeleton(scenario, test, phase);
  result.set_verdict(verdict);
  result.set_reason(reason);
  return result;
}

// The reason of every test a cancelled run did not reach, and of the steps it blocked.
constexpr char kRunCancelled[] = "the run was cancelled";

// Test `index`, which the run did not reach because it was cancelled.
rv1::TestResult NotReached(const sv1::Scenario& scenario, int index) {
  return NotRun(scenario, scenario.tests(index), rv1::PHASE_TEST, rv1::TEST_VERDICT_NOT_RUN,
                kRunCancelled);
}

// What the outcome needs of a result once it was emitted: the counts, the run's verdict
// and reason, and the claims ledger read only these. Keeping every whole result (its
// evidence, headers, reproduction command) until the scenario ends made the agent's
// memory grow with the scenario's size times the scenarios running at once.
rv1::TestResult KeptForOutcome(const rv1::TestResult& result) {
  rv1::TestResult kept;
  kept.set_test(result.test());
  kept.set_phase(result.phase());
  kept.set_verdict(result.verdict());
  kept.set_passed_on_retry(result.passed_on_retry());
  kept.set_reason(result.reason());
  *kept.mutable_claims() = result.claims();
  return kept;
}

}  // namespace

ScenarioExecutor::ScenarioExecutor(Prober* prober, const Clock* clock, Sleeper sleeper,
                                   LogSourceFactory sources)
    : prober_(prober), clock_(clock), sleeper_(std::move(sleeper)), sources_(std::move(sources)) {}

bool ScenarioExecutor::RecordAttempt(const sv1::Scenario& scenario, const sv1::Test& test,
                                     rv1::Phase phase, uint32_t attempt,
                                     absl::StatusOr<rv1::ProbeOutcome> outcome,
                                     std::vector<rv1::Evidence> evidence, absl::Time probe_start,
                                     absl::Time probe_end, const CancelledFn& cancelled,
                                     rv1::TestResult* result) {
  if (cancelled && cancelled()) {
    if (observer_ != nullptr) {
      observer_->ProbeFinished(phase, rv1::TEST_VERDICT_NOT_RUN, sv1::FAILURE_CLASS_UNSPECIFIED,
                               probe_end - probe_start);
    }
    // What an aborted probe saw says nothing about the mesh.
    rv1::TestResult not_run = NotRun(scenario, test, phase, rv1::TEST_VERDICT_NOT_RUN,
                                     "the run was cancelled while this test ran");
    *not_run.mutable_started_at() = result->started_at();
    *not_run.mutable_attempt_history() = result->attempt_history();
    not_run.set_flaky(results::AttemptsDisagree(not_run.attempt_history()));
    not_run.set_attempts(attempt - 1);
    *not_run.mutable_finished_at() = ToProtoTimestamp(clock_->Now());
    *result = std::move(not_run);
    return false;
  }
  Evaluation evaluation;
  if (!outcome.ok()) {
    evaluation.verdict = rv1::TEST_VERDICT_ERROR;
    evaluation.reason = std::string(outcome.status().message());
    evaluation.actual_summary = "not executed";
    outcome = rv1::ProbeOutcome();
  } else {
    evaluation = Evaluate(test, *outcome, evidence, clock_->Now());
  }
  if (observer_ != nullptr) {
    observer_->ProbeFinished(phase, evaluation.verdict, outcome->failure().class_(),
                             probe_end - probe_start);
  }
  rv1::AttemptSummary* summary = result->add_attempt_history();
  summary->set_attempt(attempt);
  summary->set_verdict(evaluation.verdict);
  summary->set_reason(evaluation.reason);
  *summary->mutable_latency() = outcome->timings().total();

  *result->mutable_outcome() = *std::move(outcome);
  result->clear_evidence();
  for (auto& e : evidence) *result->add_evidence() = std::move(e);
  result->clear_mismatches();
  for (auto& m : evaluation.mismatches) *result->add_mismatches() = std::move(m);
  result->set_verdict(evaluation.verdict);
  result->set_reason(evaluation.reason);
  result->set_actual_summary(evaluation.actual_summary);
  result->set_attempts(attempt);
  return true;
}

rv1::TestResult ScenarioExecutor::RunTest(const sv1::Scenario& scenario, const sv1::Test& test,
                                          rv1::Phase phase, const CancelledFn& cancelled) {
  rv1::TestResult result = Skeleton(scenario, test, phase);
  *result.mutable_started_at() = ToProtoTimestamp(clock_->Now());
  const sv1::RetryPolicy& retry = test.has_retry() ? test.retry() : scenario.defaults().retry();
  const uint32_t attempts = std::max<uint32_t>(1, retry.attempts());
  const uint32_t converge = std::max<uint32_t>(1, retry.converge());
  const absl::Duration backoff = DurationOr(retry.backoff(), absl::Seconds(1));
  EvidenceCollector collector(prober_, clock_, sleeper_, sources_);

  uint32_t consecutive_passes = 0;
  for (uint32_t attempt = 1; attempt <= attempts; ++attempt) {
    collector.Begin(test, scenario.defaults());
    if (observer_ != nullptr) observer_->ProbeStarted();
    const absl::Time probe_start = clock_->Now();
    absl::StatusOr<rv1::ProbeOutcome> outcome =
        prober_->Run(test.probe(), scenario.defaults(), cancelled);
    const absl::Time probe_end = clock_->Now();
    std::vector<rv1::Evidence> evidence =
        collector.Finish(outcome.ok() ? &*outcome : nullptr, cancelled);
    if (observer_ != nullptr && !evidence.empty()) {
      google::protobuf::RepeatedPtrField<rv1::Evidence> found(evidence.begin(), evidence.end());
      observer_->EvidenceWaited(clock_->Now() - probe_end, found);
    }
    if (!RecordAttempt(scenario, test, phase, attempt, std::move(outcome), std::move(evidence),
                       probe_start, probe_end, cancelled, &result)) {
      return result;
    }

    const bool passed = result.verdict() == rv1::TEST_VERDICT_PASS;
    if (passed) {
      if (++consecutive_passes >= converge) break;
      if (converge > 1)
        result.set_reason(
            absl::StrCat("passed ", consecutive_passes, " of ", converge, " in a row"));
    } else {
      consecutive_passes = 0;
      const bool retryable =
          result.verdict() == rv1::TEST_VERDICT_ERROR ||
          (result.verdict() == rv1::TEST_VERDICT_FAIL && (retry.on_failure() || converge > 1));
      if (!retryable) break;
    }
    if (attempt < attempts && !passed) {
      if (cancelled && cancelled()) break;
      sleeper_(backoff);
    }
  }
  SettleAttempts(converge, &result);
  *result.mutable_finished_at() = ToProtoTimestamp(clock_->Now());
  return result;
}

bool ScenarioExecutor::RunsOnProberThreads(const sv1::Scenario& scenario,
                                           const sv1::Test& test) const {
  const sv1::RetryPolicy& retry = test.has_retry() ? test.retry() : scenario.defaults().retry();
  // One attempt, nothing to wait for after the probe: no retry backoff and no evidence
  // polling, which would block a prober thread.
  return retry.attempts() <= 1 && retry.converge() <= 1 && test.evidence_size() == 0 &&
         prober_->CanStart(test.probe());
}

void ScenarioExecutor::RunOnProberThreads(const sv1::Scenario& scenario,
                                          const std::vector<int>& to_run, int parallelism,
                                          const CancelledFn& cancelled,
                                          const std::function<void(const rv1::TestResult&)>& emit,
                                          std::vector<rv1::TestResult>& decided) {
  // Shared with the completions, which may still be unwinding after the last one let
  // this function return: they touch this function's locals only before `finishing`
  // drops, and the state itself lives as long as any of them holds it.
  struct Shared {
    absl::Mutex mu;
    size_t next ABSL_GUARDED_BY(mu) = 0;
    int in_flight ABSL_GUARDED_BY(mu) = 0;
    int finishing ABSL_GUARDED_BY(mu) = 0;
    bool was_cancelled ABSL_GUARDED_BY(mu) = false;
  };
  auto shared = std::make_shared<Shared>();
  const sv1::Defaults& defaults = scenario.defaults();

  // Records test `index`'s one attempt and emits it; the test leaves the flight.
  auto finish = [&, shared](int index, rv1::TestResult& result, absl::Time probe_start,
                            absl::StatusOr<rv1::ProbeOutcome> outcome) {
    const sv1::Test& test = scenario.tests(index);
    const absl::Time probe_end = clock_->Now();
    if (RecordAttempt(scenario, test, rv1::PHASE_TEST, 1, std::move(outcome), {}, probe_start,
                      probe_end, cancelled, &result)) {
      SettleAttempts(1, &result);
      *result.mutable_finished_at() = ToProtoTimestamp(clock_->Now());
    }
    absl::MutexLock lock(&shared->mu);
    emit(result);
    decided[index] = KeptForOutcome(result);
    --shared->in_flight;
  };
  // Starts tests while fewer than `parallelism` are in flight. Called by this thread
  // first, then by each completion, so one prober thread probes, records and starts the
  // next test without handing it to another thread.
  std::function<void()> fill = [&, shared] {
    while (true) {
      int index;
      {
        absl::MutexLock lock(&shared->mu);
        if (shared->next >= to_run.size() || shared->in_flight >= parallelism) return;
        index = to_run[shared->next++];
        if (!shared->was_cancelled && cancelled()) shared->was_cancelled = true;
        if (shared->was_cancelled) {
          decided[index] = NotReached(scenario, index);
          emit(decided[index]);
          continue;
        }
        ++shared->in_flight;
      }
      const sv1::Test& test = scenario.tests(index);
      auto result = std::make_shared<rv1::TestResult>(Skeleton(scenario, test, rv1::PHASE_TEST));
      *result->mutable_started_at() = ToProtoTimestamp(clock_->Now());
      if (observer_ != nullptr) observer_->ProbeStarted();
      const absl::Time probe_start = clock_->Now();
      {
        absl::MutexLock lock(&shared->mu);
        ++shared->finishing;  // until this test's completion has returned
      }
      std::optional<absl::StatusOr<rv1::ProbeOutcome>> at_once = prober_->Start(
          test.probe(), defaults, cancelled,
          [&, shared, index, result, probe_start](absl::StatusOr<rv1::ProbeOutcome> outcome) {
            finish(index, *result, probe_start, std::move(outcome));
            fill();
            absl::MutexLock lock(&shared->mu);
            --shared->finishing;  // last: after this, this function's locals may be gone
          });
      if (at_once.has_value()) {
        finish(index, *result, probe_start, *std::move(at_once));
        absl::MutexLock lock(&shared->mu);
        --shared->finishing;
      }
    }
  };
  fill();
  absl::MutexLock lock(&shared->mu);
  shared->mu.Await(absl::Condition(
      +[](Shared* s)
           ABSL_NO_THREAD_SAFETY_ANALYSIS { return s->in_flight == 0 && s->finishing == 0; },
      shared.get()));
}

rv1::ScenarioOutcome ScenarioExecutor::Execute(
    const sv1::Scenario& scenario, const ExecuteOptions& options,
    const std::function<void(const rv1::TestResult&)>& emit,
    const std::function<bool()>& cancelled_or_empty) {
  const CancelledFn cancelled = cancelled_or_empty ? cancelled_or_empty : [] { return false; };
  rv1::ScenarioOutcome outcome;
  outcome.set_scenario(scenario.name());
  *outcome.mutable_started_at() = ToProtoTimestamp(clock_->Now());
  if (fingerprint_ != nullptr) fingerprint_->Stamp(scenario, outcome.mutable_environment());
  std::vector<rv1::TestResult> test_results;
  std::string blocked_reason;
  rv1::RunVerdict blocked_verdict = rv1::RUN_VERDICT_UNSPECIFIED;
  // Tests after a failed preflight or setup are BLOCKED; after a cancellation, NOT_RUN.
  auto not_run_verdict = [&] {
    return blocked_verdict == rv1::RUN_VERDICT_CANCELLED ? rv1::TEST_VERDICT_NOT_RUN
                                                         : rv1::TEST_VERDICT_BLOCKED;
  };

  for (const sv1::Test& check : scenario.preflight()) {
    if (!blocked_reason.empty()) {
      emit(NotRun(scenario, check, rv1::PHASE_PREFLIGHT, not_run_verdict(), blocked_reason));
      continue;
    }
    rv1::TestResult result = RunTest(scenario, check, rv1::PHASE_PREFLIGHT, cancelled);
    if (result.verdict() == rv1::TEST_VERDICT_NOT_RUN) {
      blocked_reason = kRunCancelled;
      blocked_verdict = rv1::RUN_VERDICT_CANCELLED;
    } else if (result.verdict() != rv1::TEST_VERDICT_PASS) {
      blocked_reason = absl::StrCat("preflight ", check.name(), " failed: ", result.reason());
      blocked_verdict = rv1::RUN_VERDICT_INCONCLUSIVE;
    }
    emit(result);
  }
  for (const sv1::Test& step : scenario.setup()) {
    if (!blocked_reason.empty()) {
      emit(NotRun(scenario, step, rv1::PHASE_SETUP, not_run_verdict(), blocked_reason));
      continue;
    }
    rv1::TestResult result = RunTest(scenario, step, rv1::PHASE_SETUP, cancelled);
    if (result.verdict() == rv1::TEST_VERDICT_NOT_RUN) {
      blocked_reason = kRunCancelled;
      blocked_verdict = rv1::RUN_VERDICT_CANCELLED;
    } else if (result.verdict() != rv1::TEST_VERDICT_PASS) {
      blocked_reason = absl::StrCat("setup step ", step.name(), " failed: ", result.reason());
      blocked_verdict = rv1::RUN_VERDICT_ERROR;
    }
    emit(result);
  }

  // Decide first which tests run; those that do not are settled without a probe.
  bool was_cancelled = false;
  const int count = scenario.tests_size();
  std::vector<rv1::TestResult> decided(count);
  // Tests left out by only_tests are not results at all: nothing is emitted or counted
  // for them, so a partial run never becomes any test's latest result (the run's
  // selection says which were left out).
  std::vector<bool> omitted(count, false);
  std::vector<int> to_run;
  // Tests another agent already decided for this run: kept as they were, not emitted.
  std::vector<bool> carried(count, false);
  for (int i = 0; i < count; ++i) {
    const sv1::Test& test = scenario.tests(i);
    auto earlier = std::find_if(options.recorded.begin(), options.recorded.end(),
                                [&](const rv1::TestResult& r) {
                                  return r.phase() == rv1::PHASE_TEST && r.test() == test.name();
                                });
    if (earlier != options.recorded.end()) {
      decided[i] = *earlier;
      carried[i] = true;
      continue;
    }
    const bool selected = options.only_tests.empty() ||
                          std::find(options.only_tests.begin(), options.only_tests.end(),
                                    test.name()) != options.only_tests.end();
    if (!selected) {
      omitted[i] = true;
    } else if (!blocked_reason.empty()) {
      decided[i] = NotRun(scenario, test, rv1::PHASE_TEST, not_run_verdict(), blocked_reason);
    } else if (test.has_deferral() && !(test.deferral().requires_approval() && options.approved)) {
      const std::string why = test.deferral().requires_approval()
                                  ? absl::StrCat("not approved: ", test.deferral().reason())
                                  : absl::StrCat("deferred: ", test.deferral().reason());
      decided[i] = NotRun(scenario, test, rv1::PHASE_TEST, rv1::TEST_VERDICT_SKIPPED, why);
    } else if (test.probe().kind_case() == sv1::Probe::KIND_NOT_SET) {
      decided[i] =
          NotRun(scenario, test, rv1::PHASE_TEST, rv1::TEST_VERDICT_SKIPPED, "no probe to run");
    } else {
      to_run.push_back(i);
    }
  }
  // Tests run one by one by default, so log evidence of one test can never be
  // attributed to another; `parallelism` lets independent tests overlap.
  absl::Mutex mu;
  size_t next = 0;
  auto worker = [&] {
    while (true) {
      int index;
      {
        absl::MutexLock lock(&mu);
        if (next >= to_run.size()) return;
        index = to_run[next++];
        if (!was_cancelled && cancelled()) was_cancelled = true;
        if (was_cancelled) {
          decided[index] = NotReached(scenario, index);
          emit(decided[index]);
          continue;
        }
      }
      rv1::TestResult result = RunTest(scenario, scenario.tests(index), rv1::PHASE_TEST, cancelled);
      absl::MutexLock lock(&mu);
      emit(result);
      decided[index] = KeptForOutcome(result);
    }
  };
  const int parallelism =
      static_cast<int>(std::clamp<uint32_t>(scenario.defaults().parallelism(), 1, 64));
  std::vector<bool> runs(count, false);
  for (int index : to_run) runs[index] = true;
  if (parallelism == 1) {
    // Listed order, results emitted as each is decided.
    for (int i = 0; i < count; ++i) {
      if (omitted[i] || carried[i]) continue;
      if (!runs[i]) {
        emit(decided[i]);
      } else if (was_cancelled || (was_cancelled = cancelled())) {
        decided[i] = NotReached(scenario, i);
        emit(decided[i]);
      } else {
        const rv1::TestResult result =
            RunTest(scenario, scenario.tests(i), rv1::PHASE_TEST, cancelled);
        emit(result);
        decided[i] = KeptForOutcome(result);
      }
    }
  } else {
    for (int i = 0; i < count; ++i) {
      if (!runs[i] && !omitted[i] && !carried[i]) emit(decided[i]);
    }
    const bool all_simple = std::all_of(to_run.begin(), to_run.end(), [&](int index) {
      return RunsOnProberThreads(scenario, scenario.tests(index));
    });
    if (all_simple) {
      RunOnProberThreads(scenario, to_run, parallelism, cancelled, emit, decided);
    } else {
      std::vector<std::thread> threads;
      for (int t = 0; t < std::min<int>(parallelism, static_cast<int>(to_run.size())); ++t)
        threads.emplace_back(worker);
      for (std::thread& thread : threads) thread.join();
    }
  }
  for (int i = 0; i < count; ++i) {
    if (!omitted[i]) test_results.push_back(std::move(decided[i]));
  }
  // Teardown runs even after a cancellation, and is not itself cancelled: it restores
  // state the setup changed. Its own timeouts bound it.
  for (const sv1::Test& step : scenario.teardown())
    emit(RunTest(scenario, step, rv1::PHASE_TEARDOWN, {}));

  *outcome.mutable_counts() = results::CountTests(test_results);
  // A stop before the tests decides; a test NOT_RUN (even the last one, cancelled while it
  // ran) means the call was cancelled while tests ran.
  const results::RunDecision decision =
      results::DecideRunVerdict({blocked_verdict, blocked_reason}, test_results);
  outcome.set_verdict(decision.verdict);
  outcome.set_reason(decision.reason);
  for (rv1::ClaimResult& claim : results::ClaimsLedger(scenario.claims(), test_results)) {
    *outcome.add_claims() = std::move(claim);
  }
  *outcome.mutable_finished_at() = ToProtoTimestamp(clock_->Now());
  return outcome;
}

}  // namespace meshproof::agent
