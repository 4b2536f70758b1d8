// Who is calling, as established by the token check (token_server_credentials.h).
#ifndef MESHPROOF_SERVICES_COMMON_AUTH_CALLER_H_
#define MESHPROOF_SERVICES_COMMON_AUTH_CALLER_H_

#include <string>

#include <grpcpp/grpcpp.h>

namespace meshproof::auth {

// Returns the name of the token the call was authorized with, or "" when the service
// runs without tokens (or the method is open).
std::string CallerName(const grpc::ServerContextBase& context);

// Returns the team of that token, or "" when it has none.
std::string CallerTeam(const grpc::ServerContextBase& context);

}  // namespace meshproof::auth

#endif  // MESHPROOF_SERVICES_COMMON_AUTH_CALLER_H_
