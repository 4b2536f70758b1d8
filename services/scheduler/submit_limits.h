// Bounds the scheduler checks before it stores a scenario, a run or a schedule, so
// hostile input is refused at the door with a message naming the field, and nothing
// reaches the database, the store or an agent's link that one of them would refuse.
#ifndef MESHPROOF_SERVICES_SCHEDULER_SUBMIT_LIMITS_H_
#define MESHPROOF_SERVICES_SCHEDULER_SUBMIT_LIMITS_H_

#include <cstddef>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "meshproof/scenario/v1/scenario.pb.h"
#include "meshproof/scheduler/v1/agent_gateway.pb.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"

namespace meshproof::scheduler {

// The largest assignment (a substituted scenario with its envelope) sent to an agent.
// Agents receive at most gRPC's default 4 MiB per message; the margin is for the
// envelope, so an assignment can never poison the link.
inline constexpr size_t kMaxAssignmentBytes = 3 << 20;

// Checks a scenario before it is stored: its declared variables (count, names, value
// sizes), its size, and how large it becomes once the declared defaults are
// substituted (counted without building the text, stopping at the first bound crossed).
// Returns INVALID_ARGUMENT naming the field and the variable.
absl::Status CheckSubmittedScenario(const meshproof::scenario::v1::Scenario& scenario);

// Checks what a run request brings besides the scenario: variable overrides and labels
// (by the rule the results store applies). Returns INVALID_ARGUMENT naming the field.
absl::Status CheckRunRequest(const v1::StartRunRequest& req);

// The same for a schedule, whose vars and labels are passed to every run it starts.
absl::Status CheckScheduleRequest(const v1::CreateScheduleRequest& req);

// Checks that a substituted scenario fits in one assignment on an agent's link.
// Returns INVALID_ARGUMENT (the variables made it too large) otherwise.
absl::Status CheckAssignmentSize(const meshproof::scenario::v1::Scenario& substituted);

// Checks an agent's hello: agent id, cluster and namespace are short printable names
// (they appear in logs, runs and the store), labels follow the label rule, and the list
// of assignments it says it holds is bounded. Returns INVALID_ARGUMENT naming the field.
absl::Status CheckHello(const v1::Hello& hello);

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_SUBMIT_LIMITS_H_
