// Team scope checks, and the audit lines of an admin acting across teams.
#include "services/common/auth/team_scope.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/auth/tokens_file.h"
#include "services/common/log.h"

namespace meshproof::auth {

TeamScope TeamScope::Team(std::string caller, std::string team) {
  TeamScope scope;
  scope.scoped_ = true;
  scope.caller_ = std::move(caller);
  scope.team_ = team.empty() ? kDefaultTeam : std::move(team);
  return scope;
}

TeamScope TeamScope::ForCaller(const TokenEntry* caller, bool auth_on) {
  if (!auth_on) return Everyone();
  // A team name tokens files cannot hold, so it matches no object.
  if (caller == nullptr) return Team("", "(no caller)");
  if (caller->roles.Has(Role::kAdmin)) return Admin(caller->name, caller->team);
  return Team(caller->name, caller->team);
}

TeamScope TeamScope::Admin(std::string caller, std::string team) {
  TeamScope scope;
  scope.admin_ = true;
  scope.caller_ = std::move(caller);
  scope.team_ = team.empty() ? kDefaultTeam : std::move(team);
  return scope;
}

bool TeamScope::Sees(absl::string_view team, absl::string_view what) const {
  if (admin_) {
    if (team != team_) {
      LogInfo("audit: admin \"", caller_, "\" (team ", team_, ") acts on ", what, " of team ",
              team);
    }
    return true;
  }
  return !scoped_ || team == team_;
}

absl::Status TeamScope::CheckNamedTeam(absl::string_view requested, absl::string_view field) const {
  if (admin_) {
    if (!requested.empty() && requested != team_) {
      LogInfo("audit: admin \"", caller_, "\" (team ", team_, ") names team ", requested, " in ",
              field);
    }
    return absl::OkStatus();
  }
  if (!scoped_ || requested.empty() || requested == team_) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(field, ": the caller's token belongs to team \"",
                                                  team_, "\" and may not act for team \"",
                                                  requested, "\""));
}

void TeamScope::AuditList(absl::string_view what) const {
  if (admin_)
    LogInfo("audit: admin \"", caller_, "\" (team ", team_, ") lists ", what, " of every team");
}

}  // namespace meshproof::auth
