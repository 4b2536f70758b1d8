// An agent token names one agent: the hello must say the same id and cluster.
#include "services/scheduler/agent_binding.h"

#include "absl/strings/str_cat.h"
#include "services/common/log.h"

namespace meshproof::scheduler {

absl::StatusOr<std::vector<std::string>> CheckAgentHello(const v1::Hello& hello,
                                                         const auth::TokenEntry* caller) {
  if (caller == nullptr) return std::vector<std::string>();
  const auto& info = hello.info();
  if (!caller->agent) {
    if (caller->roles.Has(auth::Role::kAdmin)) {
      LogInfo("audit: admin \"", caller->name, "\" connects as agent \"", info.agent_id(),
              "\" (cluster \"", info.cluster(), "\")");
      return std::vector<std::string>();
    }
    // The tokens file requires a binding with the role agent; nothing else gets here.
    return absl::PermissionDeniedError(
        absl::StrCat("token \"", caller->name, "\" is not bound to an agent"));
  }
  const auth::AgentBinding& binding = *caller->agent;
  if (info.agent_id() != binding.agent_id) {
    return absl::PermissionDeniedError(absl::StrCat("hello.info.agent_id: token \"", caller->name,
                                                    "\" is bound to agent \"", binding.agent_id,
                                                    "\", not \"", info.agent_id(), "\""));
  }
  if (info.cluster() != binding.cluster) {
    return absl::PermissionDeniedError(absl::StrCat("hello.info.cluster: token \"", caller->name,
                                                    "\" is bound to cluster \"", binding.cluster,
                                                    "\", not \"", info.cluster(), "\""));
  }
  return binding.teams;
}

}  // namespace meshproof::scheduler
