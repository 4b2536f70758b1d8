#include "services/common/grpc_status.h"

#include <string>

#include "absl/strings/string_view.h"

namespace meshproof {

namespace {

// Messages quote what the caller sent (a name, a value); the message travels in a
// header, and one over the client's header limit would replace the real status with
// RESOURCE_EXHAUSTED. Bounded well below gRPC's default 8 KiB.
constexpr size_t kMaxStatusMessageBytes = 4096;

std::string BoundedMessage(absl::string_view message) {
  if (message.size() <= kMaxStatusMessageBytes) return std::string(message);
  size_t cut = kMaxStatusMessageBytes;
  // Do not split a UTF-8 sequence.
  while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;
  return std::string(message.substr(0, cut)) + " [...]";
}

}  // namespace

// The canonical codes of gRPC and Abseil share their numbering, so a cast is exact.
grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      BoundedMessage(status.message()));
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace meshproof
