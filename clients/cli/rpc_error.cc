#include "clients/cli/rpc_error.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/exit_codes.h"

namespace meshproof::cli {
namespace {

// gRPC's transport messages are long ("failed to connect to all addresses; last error:
// UNKNOWN: ipv4:127.0.0.1:1: Failed to connect to remote host: Connection refused");
// people need the cause only.
std::string TransportCause(const std::string& message) {
  const std::string lower = absl::AsciiStrToLower(message);
  if (absl::StrContains(lower, "connection refused")) return "connection refused";
  if (absl::StrContains(lower, "dns resolution failed") ||
      absl::StrContains(lower, "name or service not known") ||
      absl::StrContains(lower, "could not resolve")) {
    return "the host name does not resolve";
  }
  if (absl::StrContains(lower, "no route to host")) return "no route to host";
  if (absl::StrContains(lower, "network is unreachable")) return "network is unreachable";
  if (absl::StrContains(lower, "handshake") || absl::StrContains(lower, "ssl")) {
    return absl::StrCat("TLS handshake failed (", message, ")");
  }
  if (absl::StrContains(lower, "socket closed") || absl::StrContains(lower, "connection reset")) {
    return "the connection was closed";
  }
  return message.empty() ? "unavailable" : message;
}

std::string Hint(const Peer& peer) {
  if (peer.flag.empty()) return "";
  return absl::StrCat("set ", peer.flag, peer.env.empty() ? "" : absl::StrCat(" or ", peer.env));
}

}  // namespace

absl::Status DescribeRpcError(const grpc::Status& status, const Peer& peer,
                              absl::Duration timeout) {
  const std::string& msg = status.error_message();
  const std::string who = absl::StrCat("the ", peer.service, " at ", peer.address);
  switch (status.error_code()) {
    case grpc::StatusCode::OK: return absl::OkStatus();
    case grpc::StatusCode::UNAVAILABLE:
      return absl::UnavailableError(absl::StrCat("cannot reach ", who, ": ", TransportCause(msg),
                                                 " — is it running? ", Hint(peer)));
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::DeadlineExceededError(
          absl::StrCat(who, " did not answer within ", absl::FormatDuration(timeout),
                       " — is it reachable and healthy? raise --timeout, or ", Hint(peer)));
    case grpc::StatusCode::UNAUTHENTICATED:
      return absl::UnauthenticatedError(absl::StrCat(who, " did not accept the token: ", msg,
                                                     " — set --token or MESHPROOF_TOKEN"));
    case grpc::StatusCode::PERMISSION_DENIED:
      return absl::PermissionDeniedError(
          absl::StrCat("not allowed by the ", peer.service, ": ", msg));
    case grpc::StatusCode::UNIMPLEMENTED:
      return absl::UnimplementedError(
          absl::StrCat(who, " does not offer this call (", msg.empty() ? "unimplemented" : msg,
                       ") — is it an older version, or another service on that port?"));
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return absl::ResourceExhaustedError(
          absl::StrCat("the ", peer.service, " is at a limit: ", msg));
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DATA_LOSS:
      return absl::InternalError(absl::StrCat("the ", peer.service,
                                              " failed: ", msg.empty() ? "internal error" : msg,
                                              " (a bug on its side; its log has the details)"));
    default:
      // INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION...: the server's
      // message already names the field or object.
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()), msg);
  }
}

int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk: return kExitOk;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kUnimplemented: return kExitUnavailable;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied: return kExitBadInput;
    default: return kExitFailed;
  }
}

}  // namespace meshproof::cli
