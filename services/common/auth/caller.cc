#include "services/common/auth/caller.h"

namespace meshproof::auth {

const TokenEntry* Caller(const grpc::ServerContextBase& context, const Authorizer* authorizer) {
  if (authorizer == nullptr) return nullptr;
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kAuthorizationKey);
  if (it == metadata.end()) return nullptr;
  return authorizer->Identify(absl::string_view(it->second.data(), it->second.size()));
}

}  // namespace meshproof::auth
