// The roles a bearer token can hold, and sets of them. A role names a kind of work, not
// a person: viewer reads, runner changes scenarios, runs and schedules, approver decides
// approvals, agent holds the agent gateway stream, writer writes results into the store
// (the scheduler's token), admin may do everything.
#ifndef MESHPROOF_SERVICES_COMMON_AUTH_ROLES_H_
#define MESHPROOF_SERVICES_COMMON_AUTH_ROLES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace meshproof::auth {

enum class Role : uint8_t {
  kViewer = 0,
  kRunner = 1,
  kApprover = 2,
  kAgent = 3,
  kWriter = 4,
  kAdmin = 5,
};

// Every role, in the order they are documented.
const std::vector<Role>& AllRoles();

// Returns the role's name as written in tokens files ("viewer", ...).
absl::string_view RoleName(Role role);

// Returns the role named `name` (exact, lower case), or nullopt.
std::optional<Role> ParseRole(absl::string_view name);

// "viewer, runner, approver, agent, writer or admin", for error messages.
std::string KnownRoleNames();

// The roles one token holds.
class RoleSet {
 public:
  RoleSet() = default;
  RoleSet(std::initializer_list<Role> roles) {
    for (Role r : roles) Add(r);
  }

  void Add(Role role) { bits_ |= Bit(role); }
  bool Has(Role role) const { return (bits_ & Bit(role)) != 0; }
  bool empty() const { return bits_ == 0; }
  // True when a holder of this set may do what `needed` allows: it holds that role, or
  // admin.
  bool Grants(Role needed) const { return Has(needed) || Has(Role::kAdmin); }
  // "viewer,runner".
  std::string ToString() const;

  bool operator==(const RoleSet& other) const { return bits_ == other.bits_; }

 private:
  static uint32_t Bit(Role role) { return 1u << static_cast<uint8_t>(role); }
  uint32_t bits_ = 0;
};

}  // namespace meshproof::auth

#endif  // MESHPROOF_SERVICES_COMMON_AUTH_ROLES_H_
