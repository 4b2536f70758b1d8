// Checks an agent's hello against what its token is bound to in the tokens file
// (auth::AgentBinding): the agent id and cluster it may claim, and the teams whose runs
// it may be given. Plain logic, so every refusal is unit-tested without a stream.
#ifndef MESHPROOF_SERVICES_SCHEDULER_AGENT_BINDING_H_
#define MESHPROOF_SERVICES_SCHEDULER_AGENT_BINDING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "meshproof/scheduler/v1/agent_gateway.pb.h"
#include "services/common/auth/tokens_file.h"

namespace meshproof::scheduler {

// Returns the teams the agent may serve (empty: every team). `caller` null means the
// scheduler runs without tokens: any hello is taken, every team. An admin token may
// claim any identity (logged). Otherwise PERMISSION_DENIED naming hello.info.agent_id or
// hello.info.cluster when the hello claims what the token is not bound to.
absl::StatusOr<std::vector<std::string>> CheckAgentHello(const v1::Hello& hello,
                                                         const auth::TokenEntry* caller);

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_AGENT_BINDING_H_
