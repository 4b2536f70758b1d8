#include "services/common/auth/caller.h"

#include "services/common/auth/token_server_credentials.h"

namespace meshproof::auth {
namespace {

std::string Property(const grpc::ServerContextBase& context, const char* name) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) return "";
  std::vector<grpc::string_ref> values = auth->FindPropertyValues(name);
  if (values.empty()) return "";
  return std::string(values.front().data(), values.front().size());
}

}  // namespace

std::string CallerName(const grpc::ServerContextBase& context) {
  return Property(context, kTokenNameProperty);
}

std::string CallerTeam(const grpc::ServerContextBase& context) {
  return Property(context, kTokenTeamProperty);
}

}  // namespace meshproof::auth
