// Decides one call: which token (from the authorization header) is calling which method,
// and whether that token holds the role the method needs. Plain logic with no gRPC, so
// every decision is unit-tested directly; token_server_credentials.h applies it to calls.
#ifndef MESHPROOF_SERVICES_COMMON_AUTH_AUTHORIZER_H_
#define MESHPROOF_SERVICES_COMMON_AUTH_AUTHORIZER_H_

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/auth/call_rate_limiter.h"
#include "services/common/auth/token_registry.h"
#include "services/common/clock.h"

namespace meshproof::auth {

// Metadata key that carries the token ("authorization: Bearer TOKEN").
inline constexpr char kAuthorizationKey[] = "authorization";

// Returns the token of an "authorization" header value "Bearer TOKEN" (scheme matched
// without regard to case, surrounding spaces ignored), or nullopt when the value is
// not a bearer token.
std::optional<absl::string_view> BearerToken(absl::string_view header_value);

class Authorizer {
 public:
  explicit Authorizer(TokenRegistry tokens, const Clock* clock = RealClock::Get())
      : tokens_(std::move(tokens)), limiter_(std::make_unique<CallRateLimiter>(clock)) {}

  // Decides a call of `full_method` ("/package.Service/Method") with the given
  // authorization header (nullopt when absent). Returns the caller's entry, or nullptr
  // for an open method (health, reflection), which never looks at the token.
  // UNAUTHENTICATED "no bearer token ..." or "unknown token"; PERMISSION_DENIED naming
  // the role the method needs; RESOURCE_EXHAUSTED when the token is over its call
  // budget (tokens_file.h; an open method never counts). Messages never contain the
  // token.
  absl::StatusOr<const TokenEntry*> Check(absl::string_view full_method,
                                          std::optional<absl::string_view> authorization) const;

  // Returns the entry of the bearer token in `authorization`, or nullptr when there is
  // none or it is unknown. For a handler that needs to know who called: the check has
  // already admitted the call, this only names the caller.
  const TokenEntry* Identify(std::optional<absl::string_view> authorization) const;

  size_t token_count() const { return tokens_.size(); }

 private:
  TokenRegistry tokens_;
  // Behind a pointer so Check stays const: the budgets are the one state it changes.
  std::unique_ptr<CallRateLimiter> limiter_;
};

}  // namespace meshproof::auth

#endif  // MESHPROOF_SERVICES_COMMON_AUTH_AUTHORIZER_H_
