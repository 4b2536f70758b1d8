// What every client wrapper does on each call: a deadline and a failed status described
// for people. The channel (keepalive, TLS, the bearer token) comes from
// services/common/client_channel.h.
#ifndef MESHPROOF_CLIENTS_CLI_RPC_CALLER_H_
#define MESHPROOF_CLIENTS_CLI_RPC_CALLER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "clients/cli/rpc_error.h"
#include "services/common/tls_credentials.h"

namespace meshproof::cli {

// Returns the channel to `address` with the resolved token and TLS settings; a report's
// RunDetail with evidence may exceed gRPC's 4 MiB default, so responses up to 64 MiB are
// accepted. Errors as MakeClientChannel (a token refused in plaintext names --insecure).
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const std::string& address,
                                                           const std::string& token,
                                                           const ClientTlsOptions& tls,
                                                           bool insecure);

class RpcCaller {
 public:
  RpcCaller(Peer peer, absl::Duration timeout) : peer_(std::move(peer)), timeout_(timeout) {}

  const Peer& peer() const { return peer_; }
  absl::Duration timeout() const { return timeout_; }

  // Sets the deadline (now + `timeout`) on `context`.
  void Prepare(grpc::ClientContext* context, absl::Duration timeout) const;

  // Calls a unary method of `stub` with the default timeout; the error is described.
  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> Call(Stub* stub,
                                grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                             Response*),
                                const Request& request) const {
    grpc::ClientContext context;
    Prepare(&context, timeout_);
    Response response;
    const grpc::Status status = (stub->*method)(&context, request, &response);
    if (!status.ok()) return DescribeRpcError(status, peer_, timeout_);
    return response;
  }

 private:
  Peer peer_;
  absl::Duration timeout_;
};

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_RPC_CALLER_H_
