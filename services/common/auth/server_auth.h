// From a service's --tokens flag to the credentials its server listens with: the one
// place every service decides "auth on or off", so they all log and fail the same way.
#ifndef MESHPROOF_SERVICES_COMMON_AUTH_SERVER_AUTH_H_
#define MESHPROOF_SERVICES_COMMON_AUTH_SERVER_AUTH_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/common/auth/authorizer.h"
#include "services/common/tls_credentials.h"

namespace meshproof::auth {

struct ServerAuth {
  // What the server listens with.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // The tokens, for handlers that name the caller (caller.h); null when auth is off.
  std::shared_ptr<const Authorizer> authorizer;
};

// Returns the server's auth for `tokens_path`, listening with TLS per `tls` (errors as
// CheckServerTlsOptions). Empty path: no token check,
// no authorizer, and one warning in the log that auth is disabled. Otherwise the file is
// loaded (errors as LoadTokensFile: NOT_FOUND, INVALID_ARGUMENT with file:line:column)
// and every call is checked against it; the log names how many tokens were loaded.
absl::StatusOr<ServerAuth> ServerAuthForTokens(const std::string& tokens_path,
                                               const ServerTlsOptions& tls = {});

}  // namespace meshproof::auth

#endif  // MESHPROOF_SERVICES_COMMON_AUTH_SERVER_AUTH_H_
