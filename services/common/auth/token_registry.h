// The known tokens of one service (from its tokens file), looked up by the presented
// token's hash in time that does not depend on which entry matches, or whether one does.
#ifndef MESHPROOF_SERVICES_COMMON_AUTH_TOKEN_REGISTRY_H_
#define MESHPROOF_SERVICES_COMMON_AUTH_TOKEN_REGISTRY_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "services/common/auth/tokens_file.h"

namespace meshproof::auth {

class TokenRegistry {
 public:
  explicit TokenRegistry(std::vector<TokenEntry> entries) : entries_(std::move(entries)) {}

  // Returns the entry whose hash is SHA-256(`token`), or nullptr. Every entry is
  // compared in constant time and the scan never stops early.
  const TokenEntry* Find(absl::string_view token) const;

  size_t size() const { return entries_.size(); }

 private:
  std::vector<TokenEntry> entries_;
};

}  // namespace meshproof::auth

#endif  // MESHPROOF_SERVICES_COMMON_AUTH_TOKEN_REGISTRY_H_
