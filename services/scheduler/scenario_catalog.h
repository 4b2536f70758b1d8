// Scenarios and their versions in the scheduler's database. A version is the content
// hash of the unsubstituted scenario; storing identical content again is a no-op.
// Callers hold the database's lock and, for writes, a transaction.
#ifndef MESHPROOF_SERVICES_SCHEDULER_SCENARIO_CATALOG_H_
#define MESHPROOF_SERVICES_SCHEDULER_SCENARIO_CATALOG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "meshproof/scenario/v1/scenario.pb.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"
#include "services/scheduler/database.h"

namespace meshproof::scheduler {

class ScenarioCatalog {
 public:
  explicit ScenarioCatalog(Database* db) : db_(db) {}

  // Stores `scenario` (unsubstituted, validated) under its name and `version` unless that
  // version exists. Sets *created. PERMISSION_DENIED when the name belongs to another
  // team.
  absl::StatusOr<v1::ScenarioVersion> Put(const meshproof::scenario::v1::Scenario& scenario,
                                          const std::string& version, const std::string& team,
                                          const std::string& yaml, absl::Time now, bool* created);
  // The version `version` of `name`, or the latest when `version` is empty.
  absl::StatusOr<std::optional<v1::ScenarioVersion>> Get(const std::string& name,
                                                         const std::string& version);
  // The latest version of each scenario with name > `after`, by name; `team` filters.
  absl::StatusOr<std::vector<v1::ScenarioVersion>> ListLatest(const std::string& team,
                                                              const std::string& after, int limit);
  // Versions of `name`, newest first, with revision < `before` (0: no bound).
  absl::StatusOr<std::vector<v1::ScenarioVersion>> Versions(const std::string& name, int before,
                                                            int limit);
  // Deletes the scenario and its versions. Returns false when it did not exist.
  absl::StatusOr<bool> Delete(const std::string& name);

 private:
  absl::StatusOr<v1::ScenarioVersion> Read(Statement& stmt);
  Database* db_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_SCENARIO_CATALOG_H_
