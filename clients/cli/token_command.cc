#include "clients/cli/token_command.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/cli/command_support.h"
#include "clients/cli/exit_codes.h"
#include "services/common/auth/roles.h"
#include "services/common/auth/token_hash.h"
#include "services/common/auth/tokens_file.h"

namespace meshproof::cli {
namespace {

struct TokenFlags {
  std::string name;
  std::string team;
  std::string roles;
  std::string agent_id;
  std::string cluster;
  std::string serves_teams;
};

int TokenNew(const TokenFlags& flags) {
  absl::StatusOr<std::string> token = NewToken();
  if (!token.ok()) return PrintError(token.status());
  absl::StatusOr<std::string> entry =
      TokenEntryYaml(flags.name, flags.team, flags.roles, *token, flags.agent_id, flags.cluster,
                     flags.serves_teams);
  if (!entry.ok()) return PrintError(entry.status());
  // The token alone on the first line, so `| head -1 > file` captures it; the entry
  // after it goes under `tokens:` in the service's tokens file.
  std::printf("%s\n# tokens file entry (only the hash is stored; the token is shown once):\n%s",
              token->c_str(), entry->c_str());
  return kExitOk;
}

int TokenHash() {
  std::string line;
  std::getline(std::cin, line);
  const std::string token(absl::StripAsciiWhitespace(line));
  if (token.empty()) {
    return PrintError(absl::InvalidArgumentError("token hash: expected the token on stdin"));
  }
  std::printf("%s\n", auth::HashToHex(auth::HashToken(token)).c_str());
  return kExitOk;
}

}  // namespace

absl::StatusOr<std::string> NewToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return absl::InternalError("cannot read random bytes from OpenSSL");
  }
  auth::TokenHash raw;
  std::copy(std::begin(bytes), std::end(bytes), raw.begin());
  // Hex of the random bytes: the same alphabet as the hash, safe in headers and files.
  return absl::StrCat("mpt_", auth::HashToHex(raw));
}

absl::StatusOr<std::string> TokenEntryYaml(const std::string& name, const std::string& team,
                                           const std::string& roles, const std::string& token,
                                           const std::string& agent_id, const std::string& cluster,
                                           const std::string& serves_teams) {
  std::vector<std::string> role_names;
  for (absl::string_view r : absl::StrSplit(roles, ',', absl::SkipWhitespace())) {
    const std::string role(absl::StripAsciiWhitespace(r));
    if (!auth::ParseRole(role).has_value()) {
      return absl::InvalidArgumentError(absl::StrCat("--roles: unknown role \"", role,
                                                     "\" (expected ", auth::KnownRoleNames(), ")"));
    }
    role_names.push_back(role);
  }
  if (role_names.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--roles: give at least one of ", auth::KnownRoleNames()));
  }
  std::string entry = absl::StrCat("  - name: ", name, "\n");
  if (!team.empty()) absl::StrAppend(&entry, "    team: ", team, "\n");
  absl::StrAppend(&entry, "    roles: [", absl::StrJoin(role_names, ", "), "]\n");
  if (!agent_id.empty()) absl::StrAppend(&entry, "    agent_id: ", agent_id, "\n");
  if (!cluster.empty()) absl::StrAppend(&entry, "    cluster: ", cluster, "\n");
  if (!serves_teams.empty()) {
    std::vector<std::string> teams;
    for (absl::string_view t : absl::StrSplit(serves_teams, ',', absl::SkipWhitespace())) {
      teams.emplace_back(absl::StripAsciiWhitespace(t));
    }
    absl::StrAppend(&entry, "    serves_teams: [", absl::StrJoin(teams, ", "), "]\n");
  }
  absl::StrAppend(&entry, "    sha256: ", auth::HashToHex(auth::HashToken(token)), "\n");
  // The service's own parser is the judge: what is printed here is what it will load.
  absl::StatusOr<std::vector<auth::TokenEntry>> parsed =
      auth::ParseTokensFile(absl::StrCat("tokens:\n", entry), "entry");
  if (!parsed.ok()) {
    const std::string message(parsed.status().message());
    const std::string flag = absl::StrContains(message, ".serves_teams") ? "--serves-teams"
                             : absl::StrContains(message, ".team")       ? "--team"
                             : absl::StrContains(message, ".roles")      ? "--roles"
                             : absl::StrContains(message, ".agent_id")   ? "--agent-id"
                             : absl::StrContains(message, ".cluster")    ? "--cluster"
                                                                         : "--name";
    // "entry:2:11: tokens[0].name: expected ..." -> "--name: expected ...".
    const size_t field = message.find(": ", message.find("tokens[0]"));
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", field == std::string::npos ? message : message.substr(field + 2)));
  }
  return entry;
}

void AddTokenCommand(CLI::App& app, int* exit_code) {
  CLI::App* group =
      app.add_subcommand("token", "Make bearer tokens for the services' --tokens files");
  group->require_subcommand(1);

  auto flags = std::make_shared<TokenFlags>();
  CLI::App* create =
      group->add_subcommand("new", "Print a new random token and its tokens-file entry");
  create->footer(
      "Example:\n  meshproof token new --name ci-nightly --team platform --roles viewer,runner\n"
      "The first line is the token (give it to the caller, e.g. as MESHPROOF_TOKEN);\n"
      "the rest goes under `tokens:` in the service's tokens file.");
  create->add_option("--name", flags->name, "who holds it; shown in logs and recorded as the actor")
      ->required();
  create->add_option("--team", flags->team, "the holder's team (optional)");
  create
      ->add_option("--roles", flags->roles,
                   "comma-separated: viewer, runner, approver, agent, writer, admin")
      ->required();
  create->add_option("--agent-id", flags->agent_id,
                     "with the role agent (required there): the only agent id the token may claim");
  create->add_option("--cluster", flags->cluster,
                     "with the role agent (required there): the only cluster the token may claim");
  create->add_option("--serves-teams", flags->serves_teams,
                     "with the role agent: comma-separated teams whose runs the agent may be "
                     "given (default: every team)");
  create->callback([flags, exit_code] { *exit_code = TokenNew(*flags); });

  CLI::App* hash = group->add_subcommand("hash", "Print the sha256 of a token read from stdin");
  hash->footer("Example:\n  meshproof token hash < ci.token");
  hash->callback([exit_code] { *exit_code = TokenHash(); });
}

}  // namespace meshproof::cli
