// From a service's --tokens flag to the credentials its server listens with: the one
// place every service decides "auth on or off", so they all log and fail the same way.
#ifndef MESHPROOF_SERVICES_COMMON_AUTH_SERVER_AUTH_H_
#define MESHPROOF_SERVICES_COMMON_AUTH_SERVER_AUTH_H_

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"

namespace meshproof::auth {

// Returns the server credentials for `tokens_path`. Empty path: plain insecure
// credentials, and one warning in the log that auth is disabled. Otherwise the file is
// loaded (errors as LoadTokensFile: NOT_FOUND, INVALID_ARGUMENT with file:line:column)
// and every call is checked against it; the log names how many tokens were loaded.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsForTokens(
    const std::string& tokens_path);

}  // namespace meshproof::auth

#endif  // MESHPROOF_SERVICES_COMMON_AUTH_SERVER_AUTH_H_
