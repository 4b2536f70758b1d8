// Scenario submission (parse, validate, version by content hash), listing and deletion.
#include "services/scheduler/scenario_registry.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"
#include "services/scenario/content_hash.h"
#include "services/scenario/scenario_parser.h"
#include "services/scenario/scenario_validator.h"
#include "services/scheduler/page_size.h"
#include "services/scheduler/submit_limits.h"

namespace meshproof::scheduler {

namespace scv1 = meshproof::scenario::v1;

namespace {

constexpr size_t kMaxYamlBytes = 1 << 20;

}  // namespace

absl::StatusOr<std::optional<v1::ScenarioVersion>> ScenarioRegistry::LookupLocked(
    const std::string& name, const std::string& version, const CallerScope& scope) {
  MP_ASSIGN_OR_RETURN(std::optional<v1::ScenarioVersion> found, state_->catalog.Get(name, version));
  if (found && !scope.Sees(found->team(), absl::StrCat("scenario ", name))) return std::nullopt;
  return found;
}

absl::StatusOr<v1::SubmitScenarioResponse> ScenarioRegistry::Submit(
    const v1::SubmitScenarioRequest& req, const CallerScope& scope) {
  scv1::Scenario scenario;
  std::string yaml;
  if (req.has_yaml()) {
    if (req.yaml().text().size() > kMaxYamlBytes) {
      return absl::InvalidArgumentError("yaml.text: at most 1 MiB");
    }
    meshproof::scenario::ParseOptions options;
    if (!req.yaml().file_name().empty()) options.file_name = req.yaml().file_name();
    options.substitute_vars = false;
    MP_ASSIGN_OR_RETURN(scenario, meshproof::scenario::ParseScenario(req.yaml().text(), options));
    yaml = req.yaml().text();
  } else if (req.has_scenario()) {
    scenario = req.scenario();
    MP_RETURN_IF_ERROR(
        meshproof::scenario::ValidateScenario(scenario, /*allow_unsubstituted=*/true));
  } else {
    return absl::InvalidArgumentError("content: yaml or scenario is required");
  }
  MP_RETURN_IF_ERROR(CheckSubmittedScenario(scenario));
  // The owner is the caller's team: a request or a file naming another one is refused,
  // never silently moved (only an admin may place a scenario in another team).
  MP_RETURN_IF_ERROR(scope.CheckNamedTeam(req.team(), "team"));
  MP_RETURN_IF_ERROR(
      scope.CheckNamedTeam(scenario.team(), req.has_yaml() ? "team" : "scenario.team"));
  std::string team = req.team();
  if (team.empty()) team = scenario.team();
  if (team.empty()) team = scope.DefaultOwner();
  scenario.set_team(team);
  // The version is the content without where it came from or the values a run used.
  const std::string version = meshproof::scenario::ContentHash(scenario);
  scenario.mutable_source()->set_content_hash(version);

  absl::MutexLock lock(&state_->mu);
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(state_->db.get(), true));
  bool created = false;
  absl::StatusOr<v1::ScenarioVersion> put =
      state_->catalog.Put(scenario, version, team, yaml, state_->clock->Now(), &created);
  if (absl::IsPermissionDenied(put.status()) && scope.scoped()) {
    // Names are unique across teams; say it is taken without saying by whom.
    return absl::PermissionDeniedError(absl::StrCat("name: scenario \"", scenario.name(),
                                                    "\" is not available to team \"", team, "\""));
  }
  MP_ASSIGN_OR_RETURN(v1::ScenarioVersion stored, std::move(put));
  MP_RETURN_IF_ERROR(state_->publisher.Commit(tx));
  LogInfo("scenario ", stored.name(), created ? " stored as revision " : " unchanged at revision ",
          stored.revision(), " (version ", stored.version().substr(0, 12), ", team ", team, ")");
  v1::SubmitScenarioResponse response;
  *response.mutable_version() = std::move(stored);
  response.set_created(created);
  return response;
}

absl::StatusOr<v1::ListScenariosResponse> ScenarioRegistry::List(
    const v1::ListScenariosRequest& req, const CallerScope& scope) {
  MP_RETURN_IF_ERROR(scope.CheckNamedTeam(req.team(), "team"));
  const int limit = PageSize(req.page_size());
  std::string team = req.team();
  if (scope.scoped()) team = scope.ListFilter();
  if (team.empty()) scope.AuditList("scenarios");
  absl::MutexLock lock(&state_->mu);
  MP_ASSIGN_OR_RETURN(std::vector<v1::ScenarioVersion> page,
                      state_->catalog.ListLatest(team, req.page_token(), limit + 1));
  v1::ListScenariosResponse response;
  for (int i = 0; i < static_cast<int>(page.size()) && i < limit; ++i) {
    *response.add_scenarios() = page[i];
  }
  if (static_cast<int>(page.size()) > limit) response.set_next_page_token(page[limit - 1].name());
  return response;
}

absl::StatusOr<v1::ScenarioVersion> ScenarioRegistry::Get(const v1::GetScenarioRequest& req,
                                                          const CallerScope& scope) {
  if (req.name().empty()) return absl::InvalidArgumentError("name: is required");
  absl::MutexLock lock(&state_->mu);
  MP_ASSIGN_OR_RETURN(std::optional<v1::ScenarioVersion> v,
                      LookupLocked(req.name(), req.version(), scope));
  if (!v) {
    return absl::NotFoundError(
        req.version().empty()
            ? absl::StrCat("scenario \"", req.name(), "\" not found")
            : absl::StrCat("scenario \"", req.name(), "\" has no version ", req.version()));
  }
  return *v;
}

absl::StatusOr<v1::ListScenarioVersionsResponse> ScenarioRegistry::ListVersions(
    const v1::ListScenarioVersionsRequest& req, const CallerScope& scope) {
  if (req.name().empty()) return absl::InvalidArgumentError("name: is required");
  int before = 0;
  if (!req.page_token().empty() && !absl::SimpleAtoi(req.page_token(), &before)) {
    return absl::InvalidArgumentError("page_token: not a token this API returned");
  }
  const int limit = PageSize(req.page_size());
  absl::MutexLock lock(&state_->mu);
  MP_ASSIGN_OR_RETURN(std::optional<v1::ScenarioVersion> latest,
                      LookupLocked(req.name(), "", scope));
  if (!latest) return absl::NotFoundError(absl::StrCat("scenario \"", req.name(), "\" not found"));
  MP_ASSIGN_OR_RETURN(std::vector<v1::ScenarioVersion> page,
                      state_->catalog.Versions(req.name(), before, limit + 1));
  if (page.empty() && before == 0) {
    return absl::NotFoundError(absl::StrCat("scenario \"", req.name(), "\" not found"));
  }
  v1::ListScenarioVersionsResponse response;
  for (int i = 0; i < static_cast<int>(page.size()) && i < limit; ++i) {
    *response.add_versions() = page[i];
  }
  if (static_cast<int>(page.size()) > limit) {
    response.set_next_page_token(absl::StrCat(page[limit - 1].revision()));
  }
  return response;
}

absl::Status ScenarioRegistry::Delete(const v1::DeleteScenarioRequest& req,
                                      const CallerScope& scope) {
  if (req.name().empty()) return absl::InvalidArgumentError("name: is required");
  absl::MutexLock lock(&state_->mu);
  MP_ASSIGN_OR_RETURN(std::optional<v1::ScenarioVersion> latest,
                      LookupLocked(req.name(), "", scope));
  if (!latest) return absl::NotFoundError(absl::StrCat("scenario \"", req.name(), "\" not found"));
  MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(state_->db.get(), true));
  MP_RETURN_IF_ERROR(state_->schedules.DeleteForScenario(req.name()));
  MP_ASSIGN_OR_RETURN(bool deleted, state_->catalog.Delete(req.name()));
  if (!deleted) return absl::NotFoundError(absl::StrCat("scenario \"", req.name(), "\" not found"));
  MP_RETURN_IF_ERROR(state_->publisher.Commit(tx));
  LogInfo("scenario ", req.name(), " deleted with its schedules");
  return absl::OkStatus();
}

}  // namespace meshproof::scheduler
