// Conversion between absl::Status (used inside meshproof) and grpc::Status (used only at
// the edge, in service adapters and client wrappers).
#ifndef MESHPROOF_SERVICES_COMMON_GRPC_STATUS_H_
#define MESHPROOF_SERVICES_COMMON_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace meshproof {

// Converts an absl::Status into the grpc::Status with the same canonical code and message.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Converts a grpc::Status into the absl::Status with the same canonical code and message.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace meshproof

#endif  // MESHPROOF_SERVICES_COMMON_GRPC_STATUS_H_
