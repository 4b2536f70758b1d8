#include "services/scheduler/scenario_catalog.h"

#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"
#include "services/common/time_util.h"

namespace meshproof::scheduler {
namespace {

constexpr char kColumns[] = "name, version, revision, team, scenario, yaml, created_us";

}  // namespace

absl::StatusOr<v1::ScenarioVersion> ScenarioCatalog::Read(Statement& stmt) {
  v1::ScenarioVersion v;
  v.set_name(stmt.Text(0));
  v.set_version(stmt.Text(1));
  v.set_revision(static_cast<uint32_t>(stmt.Int(2)));
  v.set_team(stmt.Text(3));
  if (!v.mutable_scenario()->ParseFromString(std::string(stmt.Blob(4)))) {
    return absl::InternalError("a stored scenario version cannot be read");
  }
  v.set_yaml(stmt.Text(5));
  *v.mutable_created_at() = ToProtoTimestamp(absl::FromUnixMicros(stmt.Int(6)));
  return v;
}

absl::StatusOr<v1::ScenarioVersion> ScenarioCatalog::Put(
    const meshproof::scenario::v1::Scenario& scenario, const std::string& version,
    const std::string& team, const std::string& yaml, absl::Time now, bool* created) {
  *created = false;
  {
    MP_ASSIGN_OR_RETURN(Statement owner,
                        db_->Prepare("SELECT team FROM scenarios WHERE name = ?1"));
    owner.BindText(1, scenario.name());
    MP_ASSIGN_OR_RETURN(bool row, owner.Step());
    if (row && owner.Text(0) != team) {
      return absl::PermissionDeniedError(absl::StrCat(
          "scenario \"", scenario.name(), "\" belongs to team \"", owner.Text(0), "\""));
    }
    if (!row) {
      owner.Reset();
      MP_ASSIGN_OR_RETURN(Statement insert,
                          db_->Prepare("INSERT INTO scenarios (name, team, created_us)"
                                       " VALUES (?1, ?2, ?3)"));
      MP_RETURN_IF_ERROR(insert.BindText(1, scenario.name())
                             .BindText(2, team)
                             .Bind(3, absl::ToUnixMicros(now))
                             .Run());
    }
  }
  MP_ASSIGN_OR_RETURN(std::optional<v1::ScenarioVersion> existing, Get(scenario.name(), version));
  if (existing) return *existing;
  int revision = 1;
  {
    MP_ASSIGN_OR_RETURN(Statement max, db_->Prepare("SELECT COALESCE(MAX(revision), 0) FROM"
                                                    " scenario_versions WHERE name = ?1"));
    max.BindText(1, scenario.name());
    MP_ASSIGN_OR_RETURN(bool row, max.Step());
    if (row) revision = static_cast<int>(max.Int(0)) + 1;
  }
  MP_ASSIGN_OR_RETURN(Statement insert,
                      db_->Prepare(absl::StrCat("INSERT INTO scenario_versions (", kColumns,
                                                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")));
  std::string blob;
  scenario.SerializeToString(&blob);
  MP_RETURN_IF_ERROR(insert.BindText(1, scenario.name())
                         .BindText(2, version)
                         .Bind(3, revision)
                         .BindText(4, team)
                         .BindBlob(5, blob)
                         .BindText(6, yaml)
                         .Bind(7, absl::ToUnixMicros(now))
                         .Run());
  *created = true;
  MP_ASSIGN_OR_RETURN(existing, Get(scenario.name(), version));
  if (!existing) return absl::InternalError("a stored scenario version vanished");
  return *existing;
}

absl::StatusOr<std::optional<v1::ScenarioVersion>> ScenarioCatalog::Get(
    const std::string& name, const std::string& version) {
  MP_ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare(version.empty() ? absl::StrCat("SELECT ", kColumns,
                                                  " FROM scenario_versions"
                                                  " WHERE name = ?1 ORDER BY revision DESC LIMIT 1")
                                   : absl::StrCat("SELECT ", kColumns,
                                                  " FROM scenario_versions"
                                                  " WHERE name = ?1 AND version = ?2")));
  stmt.BindText(1, name);
  if (!version.empty()) stmt.BindText(2, version);
  MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::nullopt;
  MP_ASSIGN_OR_RETURN(v1::ScenarioVersion v, Read(stmt));
  return v;
}

absl::StatusOr<std::vector<v1::ScenarioVersion>> ScenarioCatalog::ListLatest(
    const std::string& team, const std::string& after, int limit) {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare(absl::StrCat(
                          "SELECT ", kColumns,
                          " FROM scenario_versions v WHERE v.name > ?1"
                          " AND (?2 = '' OR v.team = ?2) AND v.revision ="
                          " (SELECT MAX(revision) FROM scenario_versions w WHERE w.name = v.name)"
                          " ORDER BY v.name LIMIT ?3")));
  stmt.BindText(1, after).BindText(2, team).Bind(3, limit);
  std::vector<v1::ScenarioVersion> out;
  while (true) {
    MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    MP_ASSIGN_OR_RETURN(v1::ScenarioVersion v, Read(stmt));
    out.push_back(std::move(v));
  }
  return out;
}

absl::StatusOr<std::vector<v1::ScenarioVersion>> ScenarioCatalog::Versions(const std::string& name,
                                                                           int before, int limit) {
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db_->Prepare(absl::StrCat("SELECT ", kColumns,
                                                " FROM scenario_versions WHERE name = ?1"
                                                " AND (?2 = 0 OR revision < ?2)"
                                                " ORDER BY revision DESC LIMIT ?3")));
  stmt.BindText(1, name).Bind(2, before).Bind(3, limit);
  std::vector<v1::ScenarioVersion> out;
  while (true) {
    MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    MP_ASSIGN_OR_RETURN(v1::ScenarioVersion v, Read(stmt));
    out.push_back(std::move(v));
  }
  return out;
}

absl::StatusOr<bool> ScenarioCatalog::Delete(const std::string& name) {
  MP_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("DELETE FROM scenarios WHERE name = ?1"));
  MP_RETURN_IF_ERROR(stmt.BindText(1, name).Run());
  return db_->Changes() > 0;
}

}  // namespace meshproof::scheduler
