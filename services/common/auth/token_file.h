// A client's own token, read from a file (--store-token-file, --scheduler-token-file):
// the way a Kubernetes secret reaches a process without showing in `ps`.
#ifndef MESHPROOF_SERVICES_COMMON_AUTH_TOKEN_FILE_H_
#define MESHPROOF_SERVICES_COMMON_AUTH_TOKEN_FILE_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/statusor.h"

namespace meshproof::auth {

struct TokenFromFile {
  std::string token;
  // Non-empty when the file is readable by every user of the host. This is a warning,
  // not a refusal: Kubernetes mounts secrets 0644 by default, where "every user" is the
  // pod's own.
  std::string warning;
};

// Reads `path`: the token is its first line with surrounding whitespace removed.
// NOT_FOUND when the file cannot be read; INVALID_ARGUMENT (naming `flag` and the path)
// when that line is empty or holds a space.
absl::StatusOr<TokenFromFile> ReadTokenFile(const std::string& path, const std::string& flag);

// Adds "authorization: Bearer TOKEN" to a call; nothing when `token` is empty.
void AttachToken(grpc::ClientContext* context, const std::string& token);

}  // namespace meshproof::auth

#endif  // MESHPROOF_SERVICES_COMMON_AUTH_TOKEN_FILE_H_
