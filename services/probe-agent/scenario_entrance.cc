#include "services/probe-agent/scenario_entrance.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/redaction.h"
#include "services/common/status_macros.h"
#include "services/common/time_util.h"
#include "services/scenario/scenario_validator.h"
#include "services/scenario/secrets.h"

namespace meshproof::agent {

namespace rv1 = ::meshproof::result::v1;
namespace sv1 = ::meshproof::scenario::v1;

namespace {

// Holds one of the entrance's slots for as long as a scenario runs.
class Slot {
 public:
  explicit Slot(std::atomic<int>* running) : running_(running) {}
  ~Slot() { running_->fetch_sub(1); }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

 private:
  std::atomic<int>* running_;
};

absl::Status CheckOnlyTests(const sv1::Scenario& scenario,
                            const std::vector<std::string>& only_tests) {
  std::set<std::string> names;
  for (const sv1::Test& test : scenario.tests()) names.insert(test.name());
  for (size_t i = 0; i < only_tests.size(); ++i) {
    if (names.count(only_tests[i]) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("only_tests[", i, "]: scenario \"",
                                                     scenario.name(), "\" has no test \"",
                                                     only_tests[i], "\""));
    }
  }
  return absl::OkStatus();
}

}  // namespace

ScenarioEntrance::ScenarioEntrance(ScenarioExecutor* executor, const Clock* clock,
                                   meshproof::agent::v1::AgentInfo info, int max_scenarios)
    : executor_(executor), clock_(clock), info_(std::move(info)), max_scenarios_(max_scenarios) {}

void ScenarioEntrance::StampEnvironment(rv1::Environment* env) const {
  // Only the agent's own fields: whatever else the executor measured (the environment's
  // versions) stays.
  env->set_cluster(info_.cluster());
  env->set_namespace_(info_.namespace_());
  env->set_agent_version(info_.version());
  env->set_kind(info_.environment_kind());
}

absl::StatusOr<rv1::ScenarioOutcome> ScenarioEntrance::Execute(
    const sv1::Scenario* scenario, const ExecuteOptions& options, const EmitFn& emit,
    const std::function<bool()>& cancelled, const std::string& run_id) {
  if (shutting_down_) return absl::UnavailableError("the agent is shutting down");
  if (scenario == nullptr) return absl::InvalidArgumentError("scenario: is required");
  // Everything this agent sends back or logs about the run passes this redactor: the
  // secret values are used by the probes and shown nowhere.
  const std::set<std::string> secret_names(scenario->secret_vars().begin(),
                                           scenario->secret_vars().end());
  const std::map<std::string, std::string> vars(scenario->vars().begin(), scenario->vars().end());
  MP_RETURN_IF_ERROR(scenario::CheckSecretVars(vars, secret_names, "scenario.vars"));
  AddLogSecrets(scenario::SecretValues(vars, secret_names));
  const Redactor redactor = scenario::ScenarioRedactor(*scenario);
  if (absl::Status valid = scenario::ValidateScenario(*scenario); !valid.ok()) {
    return redactor.RedactStatus(absl::InvalidArgumentError(
        absl::StrCat("scenario ", scenario->name(), ": ", valid.message())));
  }
  // A name that matches no test would otherwise run nothing and answer an empty PASS-less
  // outcome, which reads as "the test is gone" rather than "you misspelled it".
  if (absl::Status selected = CheckOnlyTests(*scenario, options.only_tests); !selected.ok()) {
    return redactor.RedactStatus(selected);
  }
  if (running_.fetch_add(1) >= max_scenarios_) {
    running_.fetch_sub(1);
    return absl::ResourceExhaustedError(
        absl::StrCat("the agent already runs ", max_scenarios_, " scenarios; retry later"));
  }
  Slot slot(&running_);
  LogInfo("executing scenario ", scenario->name(),
          run_id.empty() ? "" : absl::StrCat(" for run ", run_id));
  const EmitFn redacted_emit = [&](const rv1::TestResult& result) {
    rv1::TestResult copy = result;
    redactor.RedactMessage(&copy);
    emit(copy);
  };
  rv1::ScenarioOutcome outcome = executor_->Execute(*scenario, options, redacted_emit, cancelled);
  StampEnvironment(outcome.mutable_environment());
  redactor.RedactMessage(&outcome);
  LogInfo("scenario ", scenario->name(), " ended: ", rv1::RunVerdict_Name(outcome.verdict()),
          outcome.reason().empty() ? "" : absl::StrCat(" (", outcome.reason(), ")"));
  return outcome;
}

rv1::ScenarioOutcome ScenarioEntrance::ExecuteAssignment(
    const meshproof::scheduler::v1::Assignment& assignment, const EmitFn& emit,
    const std::function<bool()>& cancelled) {
  ExecuteOptions options;
  options.only_tests.assign(assignment.only_tests().begin(), assignment.only_tests().end());
  // The scheduler sets this only for a run an approver approved (docs/auth.md).
  options.approved = assignment.approved();
  options.recorded.assign(assignment.recorded().begin(), assignment.recorded().end());
  absl::StatusOr<rv1::ScenarioOutcome> outcome =
      Execute(assignment.has_scenario() ? &assignment.scenario() : nullptr, options, emit,
              cancelled, assignment.run_id());
  if (outcome.ok()) return *std::move(outcome);
  LogWarning("refused assignment ", assignment.assignment_id(), " of run ", assignment.run_id(),
             ": ", outcome.status().message());
  rv1::ScenarioOutcome refused;
  refused.set_scenario(assignment.scenario().name());
  refused.set_verdict(rv1::RUN_VERDICT_ERROR);
  refused.set_reason(
      scenario::ScenarioRedactor(assignment.scenario())
          .Redact(absl::StrCat("the agent refused the assignment: ", outcome.status().message())));
  StampEnvironment(refused.mutable_environment());
  const auto now = ToProtoTimestamp(clock_->Now());
  *refused.mutable_started_at() = now;
  *refused.mutable_finished_at() = now;
  return refused;
}

}  // namespace meshproof::agent
