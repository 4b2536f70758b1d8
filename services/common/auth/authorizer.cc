#include "services/common/auth/authorizer.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/auth/method_roles.h"

namespace meshproof::auth {
namespace {

// "/meshproof.scheduler.v1.SchedulerService/StartRun" -> "SchedulerService/StartRun":
// enough to recognise in a CLI message.
absl::string_view ShortMethod(absl::string_view full_method) {
  const size_t slash = full_method.rfind('/');
  if (slash == absl::string_view::npos || slash == 0) return full_method;
  const size_t dot = full_method.rfind('.', slash);
  return dot == absl::string_view::npos ? full_method.substr(1) : full_method.substr(dot + 1);
}

}  // namespace

std::optional<absl::string_view> BearerToken(absl::string_view header_value) {
  absl::string_view value = absl::StripAsciiWhitespace(header_value);
  constexpr absl::string_view kScheme = "bearer";
  if (value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme) ||
      (value[kScheme.size()] != ' ' && value[kScheme.size()] != '\t')) {
    return std::nullopt;
  }
  absl::string_view token = absl::StripLeadingAsciiWhitespace(value.substr(kScheme.size()));
  if (token.empty()) return std::nullopt;
  return token;
}

const TokenEntry* Authorizer::Identify(std::optional<absl::string_view> authorization) const {
  if (!authorization.has_value()) return nullptr;
  std::optional<absl::string_view> token = BearerToken(*authorization);
  return token.has_value() ? tokens_.Find(*token) : nullptr;
}

absl::StatusOr<const TokenEntry*> Authorizer::Check(
    absl::string_view full_method, std::optional<absl::string_view> authorization) const {
  const MethodRule rule = RuleFor(full_method);
  if (!rule.role.has_value()) return nullptr;
  if (!authorization.has_value()) {
    return absl::UnauthenticatedError(
        "no bearer token: this service requires 'authorization: Bearer TOKEN'");
  }
  std::optional<absl::string_view> token = BearerToken(*authorization);
  if (!token.has_value()) {
    return absl::UnauthenticatedError(
        "no bearer token: the authorization header is not 'Bearer TOKEN'");
  }
  const TokenEntry* entry = tokens_.Find(*token);
  if (entry == nullptr) return absl::UnauthenticatedError("unknown token");
  if (!entry->roles.Grants(*rule.role)) {
    return absl::PermissionDeniedError(absl::StrCat(ShortMethod(full_method), " needs the role ",
                                                    RoleName(*rule.role), "; token \"", entry->name,
                                                    "\" has ", entry->roles.ToString()));
  }
  // After the role check: a refused call costs nothing from the budget.
  absl::Status budget = limiter_->Take(entry->name, entry->rate);
  if (!budget.ok()) return budget;
  return entry;
}

}  // namespace meshproof::auth
