// Turning a failed RPC into a sentence a person can act on ("cannot reach the scheduler
// at HOST:PORT: connection refused — is it running? set --scheduler or
// MESHPROOF_SCHEDULER"), and any status into the CLI's exit code.
#ifndef MESHPROOF_CLIENTS_CLI_RPC_ERROR_H_
#define MESHPROOF_CLIENTS_CLI_RPC_ERROR_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace meshproof::cli {

// The service a client talks to, as the user configured it.
struct Peer {
  std::string service;  // "scheduler", "results store", "agent"
  std::string address;  // HOST:PORT
  std::string flag;     // "--scheduler"
  std::string env;      // "MESHPROOF_SCHEDULER"
};

// Returns `status` with the same canonical code and a message naming the service, its
// address and what to do. `timeout` is the deadline the call had.
absl::Status DescribeRpcError(const grpc::Status& status, const Peer& peer, absl::Duration timeout);

// Returns the exit code for a failed status: 3 when a service is unreachable or at a limit
// (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNIMPLEMENTED), 2 for bad input
// (INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, OUT_OF_RANGE,
// UNAUTHENTICATED, PERMISSION_DENIED), 1 otherwise; 0 for OK.
int ExitCodeFor(const absl::Status& status);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_RPC_ERROR_H_
