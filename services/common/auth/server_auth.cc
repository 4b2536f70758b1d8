#include "services/common/auth/server_auth.h"

#include "services/common/auth/authorizer.h"
#include "services/common/auth/token_server_credentials.h"
#include "services/common/auth/tokens_file.h"
#include "services/common/log.h"

namespace meshproof::auth {

absl::StatusOr<ServerAuth> ServerAuthForTokens(const std::string& tokens_path) {
  if (tokens_path.empty()) {
    LogWarning("auth is disabled: no --tokens file, so every caller may call every method");
    return ServerAuth{grpc::InsecureServerCredentials(), nullptr};
  }
  absl::StatusOr<std::vector<TokenEntry>> entries = LoadTokensFile(tokens_path);
  if (!entries.ok()) return entries.status();
  const size_t count = entries->size();
  auto authorizer = std::make_shared<const Authorizer>(TokenRegistry(*std::move(entries)));
  LogInfo("auth: ", count, count == 1 ? " token" : " tokens", " from ", tokens_path,
          "; health and reflection stay open");
  return ServerAuth{TokenServerCredentials(authorizer), authorizer};
}

}  // namespace meshproof::auth
