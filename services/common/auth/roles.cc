#include "services/common/auth/roles.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace meshproof::auth {

const std::vector<Role>& AllRoles() {
  static const std::vector<Role> kAll = {Role::kViewer, Role::kRunner, Role::kApprover,
                                         Role::kAgent,  Role::kWriter, Role::kAdmin};
  return kAll;
}

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kViewer: return "viewer";
    case Role::kRunner: return "runner";
    case Role::kApprover: return "approver";
    case Role::kAgent: return "agent";
    case Role::kWriter: return "writer";
    case Role::kAdmin: return "admin";
  }
  return "?";
}

std::optional<Role> ParseRole(absl::string_view name) {
  for (Role role : AllRoles()) {
    if (RoleName(role) == name) return role;
  }
  return std::nullopt;
}

std::string KnownRoleNames() {
  std::vector<std::string> names;
  for (Role role : AllRoles()) names.emplace_back(RoleName(role));
  const std::string last = names.back();
  names.pop_back();
  return absl::StrCat(absl::StrJoin(names, ", "), " or ", last);
}

std::string RoleSet::ToString() const {
  std::vector<std::string> names;
  for (Role role : AllRoles()) {
    if (Has(role)) names.emplace_back(RoleName(role));
  }
  return absl::StrJoin(names, ",");
}

}  // namespace meshproof::auth
