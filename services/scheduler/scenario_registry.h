// The scenario registry: which scenarios exist, their versions (content hashes) and
// revisions, and which team owns each. Submitting parses and validates before anything
// is stored; deleting a scenario deletes its schedules (its runs stay). Runs and
// schedules find the scenario they name through Lookup, the one read of the catalog
// outside this class.
#ifndef MESHPROOF_SERVICES_SCHEDULER_SCENARIO_REGISTRY_H_
#define MESHPROOF_SERVICES_SCHEDULER_SCENARIO_REGISTRY_H_

#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"
#include "services/scheduler/caller_scope.h"
#include "services/scheduler/scheduler_state.h"

namespace meshproof::scheduler {

class ScenarioRegistry {
 public:
  explicit ScenarioRegistry(SchedulerState* state) : state_(state) {}

  // INVALID_ARGUMENT with the parser's "file:line:col: field: message" lines, or the
  // validator's "field: message" lines; nothing is stored then.
  // PERMISSION_DENIED when `team` (request or content) names a team not the caller's,
  // or the name belongs to another team.
  absl::StatusOr<v1::SubmitScenarioResponse> Submit(const v1::SubmitScenarioRequest& req,
                                                    const CallerScope& scope);
  // INVALID_ARGUMENT for a bad page token; PERMISSION_DENIED for another team's `team`.
  absl::StatusOr<v1::ListScenariosResponse> List(const v1::ListScenariosRequest& req,
                                                 const CallerScope& scope);
  // NOT_FOUND for an unknown name or version, or one of another team.
  absl::StatusOr<v1::ScenarioVersion> Get(const v1::GetScenarioRequest& req,
                                          const CallerScope& scope);
  absl::StatusOr<v1::ListScenarioVersionsResponse> ListVersions(
      const v1::ListScenarioVersionsRequest& req, const CallerScope& scope);
  // Deletes the scenario, its versions and its schedules; runs stay. NOT_FOUND.
  absl::Status Delete(const v1::DeleteScenarioRequest& req, const CallerScope& scope);

  // Returns the scenario's version `version` (its latest when empty), nullopt when
  // there is none or `scope` may not see it.
  absl::StatusOr<std::optional<v1::ScenarioVersion>> LookupLocked(const std::string& name,
                                                                  const std::string& version,
                                                                  const CallerScope& scope)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);

 private:
  SchedulerState* const state_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_SCENARIO_REGISTRY_H_
