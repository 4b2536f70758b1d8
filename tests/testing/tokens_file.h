// Tokens files for tests that start real services with --tokens: one entry per token, in
// the format docs/auth.md describes, with the token's SHA-256 computed here.
#ifndef MESHPROOF_TESTS_TESTING_TOKENS_FILE_H_
#define MESHPROOF_TESTS_TESTING_TOKENS_FILE_H_

#include <string>
#include <vector>

namespace meshproof::testing {

struct TestToken {
  std::string name;
  std::string token;  // the secret the client sends
  std::string roles;  // "viewer, runner"
  std::string team;   // empty: no team line
  // Agent tokens: the identity the token may claim and the teams it serves (empty: none).
  std::string agent_id;
  std::string cluster;
  std::string serves_teams;  // "team-a, team-b"
};

// Returns the entry of `token` as a list item of the file's `tokens:` list.
std::string TokensFileEntry(const TestToken& token);

// Returns a whole tokens file holding `tokens`.
std::string TokensFileText(const std::vector<TestToken>& tokens);

}  // namespace meshproof::testing

#endif  // MESHPROOF_TESTS_TESTING_TOKENS_FILE_H_
