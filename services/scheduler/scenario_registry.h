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
#include "services/scheduler/scheduler_state.h"

namespace meshproof::scheduler {

class ScenarioRegistry {
 public:
  explicit ScenarioRegistry(SchedulerState* state) : state_(state) {}

  // INVALID_ARGUMENT with the parser's "file:line:col: field: message" lines, or the
  // validator's "field: message" lines; nothing is stored then.
  absl::StatusOr<v1::SubmitScenarioResponse> Submit(const v1::SubmitScenarioRequest& req);
  // INVALID_ARGUMENT for a bad page token.
  absl::StatusOr<v1::ListScenariosResponse> List(const v1::ListScenariosRequest& req);
  // NOT_FOUND for an unknown name or version.
  absl::StatusOr<v1::ScenarioVersion> Get(const v1::GetScenarioRequest& req);
  absl::StatusOr<v1::ListScenarioVersionsResponse> ListVersions(
      const v1::ListScenarioVersionsRequest& req);
  // Deletes the scenario, its versions and its schedules; runs stay. NOT_FOUND.
  absl::Status Delete(const v1::DeleteScenarioRequest& req);

  // Returns the scenario's version `version` (its latest when empty), nullopt when
  // there is none.
  absl::StatusOr<std::optional<v1::ScenarioVersion>> LookupLocked(const std::string& name,
                                                                  const std::string& version)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu);

 private:
  SchedulerState* const state_;
};

// Returns a page size: 50 when unset, at most 500.
int PageSize(uint32_t requested);

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_SCENARIO_REGISTRY_H_
