#include "services/common/auth/server_auth.h"

#include "services/common/auth/authorizer.h"
#include "services/common/auth/token_server_credentials.h"
#include "services/common/auth/tokens_file.h"
#include "services/common/log.h"

namespace meshproof::auth {

absl::StatusOr<ServerAuth> ServerAuthForTokens(const std::string& tokens_path,
                                               const ServerTlsOptions& tls) {
  if (absl::Status s = CheckServerTlsOptions(tls); !s.ok()) return s;
  if (tls.enabled()) {
    LogInfo("tls: serving ", tls.cert_file,
            tls.client_ca_file.empty()
                ? std::string()
                : " and requiring client certificates from " + tls.client_ca_file,
            "; files re-read every ", absl::FormatDuration(kCertificateReloadInterval));
  }
  if (tokens_path.empty()) {
    LogWarning("auth is disabled: no --tokens file, so every caller may call every method");
    return ServerAuth{ServerCredentialsFor(tls), nullptr};
  }
  absl::StatusOr<std::vector<TokenEntry>> entries = LoadTokensFile(tokens_path);
  if (!entries.ok()) return entries.status();
  const size_t count = entries->size();
  auto authorizer = std::make_shared<const Authorizer>(TokenRegistry(*std::move(entries)));
  LogInfo("auth: ", count, count == 1 ? " token" : " tokens", " from ", tokens_path,
          "; health and reflection stay open");
  return ServerAuth{TokenServerCredentials(authorizer, tls), authorizer};
}

}  // namespace meshproof::auth
