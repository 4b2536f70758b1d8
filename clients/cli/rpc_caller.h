// What every client wrapper does on each call: one channel per peer (with keepalive),
// a deadline, the bearer token in metadata, and a failed status described for people.
#ifndef MESHPROOF_CLIENTS_CLI_RPC_CALLER_H_
#define MESHPROOF_CLIENTS_CLI_RPC_CALLER_H_

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "clients/cli/rpc_error.h"

namespace meshproof::cli {

// Returns an insecure channel to `address` with keepalive pings, so a long `run watch`
// notices a peer that went away.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address);

class RpcCaller {
 public:
  RpcCaller(Peer peer, std::string token, absl::Duration timeout)
      : peer_(std::move(peer)), token_(std::move(token)), timeout_(timeout) {}

  const Peer& peer() const { return peer_; }
  absl::Duration timeout() const { return timeout_; }

  // Sets the deadline (now + `timeout`) and the authorization header on `context`.
  void Prepare(grpc::ClientContext* context, absl::Duration timeout) const;

  // Calls a unary method of `stub` with the default timeout; the error is described.
  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> Call(Stub* stub,
                                grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
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
  std::string token_;
  absl::Duration timeout_;
};

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_RPC_CALLER_H_
