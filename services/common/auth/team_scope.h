// Which teams' objects (the scheduler's scenarios, runs and schedules; the store's runs
// and their results) one call may see and change. Built from the caller's token
// (ForCaller): its team, a token without a team being in kDefaultTeam; admin sees every
// team and each look across teams is logged; a service without tokens sees everything.
// An object of another team is answered as if it did not exist (NOT_FOUND), so a caller
// cannot learn what other teams have; a request naming another team is PERMISSION_DENIED
// naming the field.
#ifndef MESHPROOF_SERVICES_COMMON_AUTH_TEAM_SCOPE_H_
#define MESHPROOF_SERVICES_COMMON_AUTH_TEAM_SCOPE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace meshproof::auth {

struct TokenEntry;

// The team an object gets when nobody names one, and the team of a token without one.
inline constexpr char kDefaultTeam[] = "default";

class TeamScope {
 public:
  // Every team, nothing audited: a service without tokens (lab, development) and the
  // scheduler's own work (schedules firing, agents reporting).
  static TeamScope Everyone() { return TeamScope(); }
  // One team's objects only; a token without a team is in kDefaultTeam.
  static TeamScope Team(std::string caller, std::string team);
  // Every team, and each look at another team's object is logged ("audit: ...").
  static TeamScope Admin(std::string caller, std::string team);
  // For a call admitted with `caller`'s token: Admin for an admin token, else Team.
  // `auth_on` false (no tokens file): Everyone. A null caller with auth on (cannot
  // happen for a checked method) sees no team's objects.
  static TeamScope ForCaller(const TokenEntry* caller, bool auth_on);

  // True when the caller may see an object of `team`. For an admin acting on another
  // team's object it logs one audit line naming the caller, `what` and the team.
  bool Sees(absl::string_view team, absl::string_view what) const;
  // OK when `requested` is empty or the caller's own team (or the caller is not scoped);
  // otherwise PERMISSION_DENIED naming `field`.
  absl::Status CheckNamedTeam(absl::string_view requested, absl::string_view field) const;
  // The team a list is filtered on: "" (every team) when unscoped, else the caller's.
  std::string ListFilter() const { return scoped_ ? team_ : ""; }
  // The team a new object gets when neither the request nor the content names one.
  std::string DefaultOwner() const { return scoped_ || admin_ ? team_ : kDefaultTeam; }
  // For an admin's list across teams: logs one audit line.
  void AuditList(absl::string_view what) const;

  bool scoped() const { return scoped_; }
  bool admin() const { return admin_; }
  const std::string& caller() const { return caller_; }
  const std::string& team() const { return team_; }

 private:
  TeamScope() = default;

  bool scoped_ = false;
  bool admin_ = false;
  std::string caller_;
  std::string team_;
};

}  // namespace meshproof::auth

#endif  // MESHPROOF_SERVICES_COMMON_AUTH_TEAM_SCOPE_H_
