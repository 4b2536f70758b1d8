// The tokens file a service reads with --tokens: who may call it, with which roles.
//
//   tokens:
//     - name: ci-nightly          # who; shown in logs and recorded as the actor
//       team: platform            # optional
//       roles: [viewer, runner]   # viewer, runner, approver, agent, writer, admin
//       sha256: 3f2a...           # SHA-256 of the token in hex; never the token itself
//     - name: lab-agent
//       roles: [agent]
//       agent_id: lab-1           # required with the role agent: the only id it may claim
//       cluster: lab              # required with the role agent: the only cluster
//       serves_teams: [platform]  # optional: only these teams' runs (default: every team)
//     - name: dashboard
//       roles: [viewer]
//       calls_per_second: 20      # optional call budget (default: unlimited) ...
//       burst: 40                 # ... and how many may come at once (default: 2 x rate)
//
// Parsing is strict like every meshproof YAML file: unknown keys, unknown roles, bad
// hex, duplicate names or hashes are errors naming FILE:LINE:COLUMN and the field.
#ifndef MESHPROOF_SERVICES_COMMON_AUTH_TOKENS_FILE_H_
#define MESHPROOF_SERVICES_COMMON_AUTH_TOKENS_FILE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/auth/call_rate_limiter.h"
#include "services/common/auth/roles.h"
#include "services/common/auth/token_hash.h"

namespace meshproof::auth {

// What an `agent` token may claim to be: the scheduler refuses a hello naming another
// agent id or cluster, and hands the agent only runs of `teams` (every team when empty).
struct AgentBinding {
  std::string agent_id;
  std::string cluster;
  std::vector<std::string> teams;
};

struct TokenEntry {
  std::string name;
  std::string team;  // empty when not given
  RoleSet roles;
  TokenHash sha256{};
  // Set for every token with the role agent (agent_id and cluster are required there).
  std::optional<AgentBinding> agent;
  // The token's call budget (`calls_per_second`, `burst`); unlimited when not given.
  CallRate rate;
};

// Parses the YAML `text` of a tokens file; `file_name` is used in messages. Returns
// INVALID_ARGUMENT "FILE:LINE:COLUMN: tokens[I].field: message" for anything malformed,
// and for a file with no tokens (a service nobody can call is a mistake, not a policy).
absl::StatusOr<std::vector<TokenEntry>> ParseTokensFile(absl::string_view text,
                                                        absl::string_view file_name);

// Reads and parses `path`. NOT_FOUND when it cannot be read; otherwise as ParseTokensFile.
absl::StatusOr<std::vector<TokenEntry>> LoadTokensFile(const std::string& path);

}  // namespace meshproof::auth

#endif  // MESHPROOF_SERVICES_COMMON_AUTH_TOKENS_FILE_H_
