// The scope of a scheduler request: the shared team rule (services/common/auth/team_scope.h)
// under the name the deciding classes use. They apply it at their one lookup per kind
// (ScenarioRegistry::LookupLocked, RunLifecycle::FindLocked, ScheduleRegistry::FindLocked)
// and in their lists.
#ifndef MESHPROOF_SERVICES_SCHEDULER_CALLER_SCOPE_H_
#define MESHPROOF_SERVICES_SCHEDULER_CALLER_SCOPE_H_

#include "services/common/auth/team_scope.h"

namespace meshproof::scheduler {

using CallerScope = auth::TeamScope;
using auth::kDefaultTeam;

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_CALLER_SCOPE_H_
