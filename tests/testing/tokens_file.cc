#include "tests/testing/tokens_file.h"

#include "absl/strings/str_cat.h"
#include "services/common/auth/token_hash.h"

namespace meshproof::testing {

std::string TokensFileEntry(const TestToken& token) {
  std::string entry = absl::StrCat("  - name: ", token.name, "\n");
  if (!token.team.empty()) absl::StrAppend(&entry, "    team: ", token.team, "\n");
  absl::StrAppend(&entry, "    roles: [", token.roles, "]\n");
  if (!token.agent_id.empty()) absl::StrAppend(&entry, "    agent_id: ", token.agent_id, "\n");
  if (!token.cluster.empty()) absl::StrAppend(&entry, "    cluster: ", token.cluster, "\n");
  if (!token.serves_teams.empty()) {
    absl::StrAppend(&entry, "    serves_teams: [", token.serves_teams, "]\n");
  }
  absl::StrAppend(&entry, "    sha256: ", auth::HashToHex(auth::HashToken(token.token)), "\n");
  return entry;
}

std::string TokensFileText(const std::vector<TestToken>& tokens) {
  std::string text = "tokens:\n";
  for (const TestToken& token : tokens) text += TokensFileEntry(token);
  return text;
}

}  // namespace meshproof::testing
