// Who is calling, for a handler that records an actor (the scheduler's approvals).
//
// Why not a property on the call's auth context, set by the check: in gRPC 1.51 the
// server auth filter hands the processor the *connection's* auth context, shared by every
// call on that connection, so a property added for one call shows up on the next call
// of another token (and concurrent calls would race on it). The handler instead looks
// the call's own bearer token up again: one more hash of a call the check already let in.
#ifndef MESHPROOF_SERVICES_COMMON_AUTH_CALLER_H_
#define MESHPROOF_SERVICES_COMMON_AUTH_CALLER_H_

#include <grpcpp/grpcpp.h>

#include "services/common/auth/authorizer.h"

namespace meshproof::auth {

// Returns the entry of the call's bearer token, or nullptr when `authorizer` is null
// (the service runs without tokens), or the call has no known token (an open method).
const TokenEntry* Caller(const grpc::ServerContextBase& context, const Authorizer* authorizer);

}  // namespace meshproof::auth

#endif  // MESHPROOF_SERVICES_COMMON_AUTH_CALLER_H_
