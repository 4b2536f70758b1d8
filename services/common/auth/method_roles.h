// Which role each RPC of meshproof's services needs. Every method of every service in
// proto/meshproof/ has a rule here (a test walks the generated descriptors and fails on
// a method without one), so a new RPC cannot be left open by accident; a method with no
// rule needs admin. Health and reflection are open: Kubernetes probes and grpcurl call
// them without a token.
#ifndef MESHPROOF_SERVICES_COMMON_AUTH_METHOD_ROLES_H_
#define MESHPROOF_SERVICES_COMMON_AUTH_METHOD_ROLES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/common/auth/roles.h"

namespace meshproof::auth {

struct MethodRule {
  // "/package.Service/Method", as in the HTTP/2 :path of a call.
  std::string method;
  // nullopt: open to anyone, with or without a token.
  std::optional<Role> role;
};

// Every rule of meshproof's own services (health and reflection are not listed: they
// are open by service, see IsOpenService).
const std::vector<MethodRule>& MethodRules();

// True for the services that stay open whatever the method: grpc.health.v1.Health and
// server reflection (v1alpha and v1).
bool IsOpenService(absl::string_view full_method);

// Returns the rule for `full_method` ("/package.Service/Method"): open (role nullopt)
// for health and reflection, the listed role for meshproof's methods, admin for
// anything unlisted (fail closed).
MethodRule RuleFor(absl::string_view full_method);

// True when `full_method` has an explicit rule or belongs to an open service.
bool HasRule(absl::string_view full_method);

}  // namespace meshproof::auth

#endif  // MESHPROOF_SERVICES_COMMON_AUTH_METHOD_ROLES_H_
