// Server credentials that enforce bearer tokens on every call before any handler runs.
//
// Why an AuthMetadataProcessor on the C core rather than a server interceptor: with
// Debian 12's gRPC (1.51) a server interceptor cannot end a call — there is no
// server-side Hijack, so the handler always runs and a refusal could only be faked
// (a cancelled call, or a rewritten status after the side effects happened). The core's
// auth metadata processor runs in the transport filter stack, sees every header
// including :path (the full method name) and ends the call with any status, for sync,
// callback and async services alike. The C++ InsecureServerCredentials() asserts when
// given a processor, so this installs one on grpc_insecure_server_credentials_create()
// (or on the core TLS credentials, tls_credentials.h) through a small ServerCredentials
// subclass.
#ifndef MESHPROOF_SERVICES_COMMON_AUTH_TOKEN_SERVER_CREDENTIALS_H_
#define MESHPROOF_SERVICES_COMMON_AUTH_TOKEN_SERVER_CREDENTIALS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "services/common/auth/authorizer.h"
#include "services/common/tls_credentials.h"

namespace meshproof::auth {

// Returns server credentials (TLS per `tls`, plaintext when it is off) that check every
// call with `authorizer`:
// refused calls end UNAUTHENTICATED or PERMISSION_DENIED before any handler runs
// (logged with the token's name, never the token); allowed calls reach their handler
// unchanged (caller.h names the caller).
std::shared_ptr<grpc::ServerCredentials> TokenServerCredentials(
    std::shared_ptr<const Authorizer> authorizer, const ServerTlsOptions& tls = {});

}  // namespace meshproof::auth

#endif  // MESHPROOF_SERVICES_COMMON_AUTH_TOKEN_SERVER_CREDENTIALS_H_
