// The tokens file parser: a good file, and every rejection with its file:line:column
// and field.
#include "services/common/auth/tokens_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::auth {
namespace {

using ::meshproof::testing::StatusIs;
using ::testing::HasSubstr;

// SHA-256 of "t1" and "t2".
constexpr char kHash1[] = "628b49d96dcde97a430dd4f597705899e09a968f793491e4b704cae33a40dc02";
constexpr char kHash2[] = "c44474038d459e40e4714afefa7bf8dae9f9834b22f5e8ec1dd434ecb62b512e";

std::string File(const std::string& entries) { return "tokens:\n" + entries; }

TEST(TokensFileTest, ParsesNamesTeamsRolesAndHashes) {
  const std::string text =
      File(std::string("  - name: ci-nightly\n"
                       "    team: platform\n"
                       "    roles: [viewer, runner]\n"
                       "    sha256: ") +
           kHash1 +
           "\n"
           "  - name: bob@example.com\n"
           "    roles:\n"
           "      - approver\n"
           "    sha256: " +
           std::string(kHash2).substr(0, 10) + "ABCDEF" + std::string(kHash2).substr(16) + "\n");
  MP_ASSERT_OK_AND_ASSIGN(std::vector<TokenEntry> entries, ParseTokensFile(text, "t.yaml"));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].name, "ci-nightly");
  EXPECT_EQ(entries[0].team, "platform");
  EXPECT_EQ(entries[0].roles, (RoleSet{Role::kViewer, Role::kRunner}));
  EXPECT_EQ(HashToHex(entries[0].sha256), kHash1);
  EXPECT_EQ(entries[1].name, "bob@example.com");
  EXPECT_EQ(entries[1].team, "");
  EXPECT_TRUE(entries[1].roles.Has(Role::kApprover));
  EXPECT_FALSE(entries[1].roles.Has(Role::kViewer));
  // Upper-case hex is the same hash.
  EXPECT_EQ(HashToHex(entries[1].sha256).substr(10, 6), "abcdef");
}

struct BadCase {
  const char* label;
  std::string text;
  const char* where;    // file:line:column
  const char* message;  // field and words
};

// Test names and failure messages show the case's label, not its bytes.
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.label; }

class TokensFileRejectTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(TokensFileRejectTest, NamesFileLineColumnAndField) {
  const BadCase& c = GetParam();
  absl::StatusOr<std::vector<TokenEntry>> parsed = ParseTokensFile(c.text, "tokens.yaml");
  ASSERT_THAT(parsed, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(c.where));
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(c.message));
}

const std::string kGood = std::string("    roles: [viewer]\n    sha256: ") + kHash1 + "\n";

INSTANTIATE_TEST_SUITE_P(
    Rejections, TokensFileRejectTest,
    ::testing::Values(
        BadCase{"UnknownTopKey", "token:\n  - name: a\n", "tokens.yaml:1:1",
                "token: unknown key (expected tokens)"},
        BadCase{"UnknownEntryKey", File("  - name: a\n    rolez: [viewer]\n" + kGood),
                "tokens.yaml:3:5", "tokens[0].rolez: unknown key"},
        BadCase{"UnknownRole",
                File(std::string("  - name: a\n    roles: [viewer, runer]\n    sha256: ") + kHash1 +
                     "\n"),
                "tokens.yaml:3:21", "tokens[0].roles[1]: unknown role \"runer\" (expected viewer"},
        BadCase{"ShortHex", File("  - name: a\n    roles: [viewer]\n    sha256: abc123\n"),
                "tokens.yaml:4:13", "tokens[0].sha256: expected the token's SHA-256 as 64 hex"},
        BadCase{
            "NonHexDigit",
            File("  - name: a\n    roles: [viewer]\n    sha256: " + std::string(63, 'a') + "g\n"),
            "tokens.yaml:4:13", "tokens[0].sha256: expected"},
        BadCase{"MissingName", File("  - team: x\n" + kGood), "tokens.yaml:2:5",
                "tokens[0].name: required"},
        BadCase{"MissingRoles", File(std::string("  - name: a\n    sha256: ") + kHash1 + "\n"),
                "tokens.yaml:2:5", "tokens[0].roles: required"},
        BadCase{"MissingHash", File("  - name: a\n    roles: [viewer]\n"), "tokens.yaml:2:5",
                "tokens[0].sha256: required"},
        BadCase{"EmptyRoles",
                File(std::string("  - name: a\n    roles: []\n    sha256: ") + kHash1 + "\n"),
                "tokens.yaml:3:12", "tokens[0].roles: expected a non-empty list"},
        BadCase{"RoleTwice",
                File(std::string("  - name: a\n    roles: [viewer, viewer]\n    sha256: ") +
                     kHash1 + "\n"),
                "tokens.yaml:3:21", "tokens[0].roles[1]: role viewer listed twice"},
        BadCase{"BadNameCharacters", File("  - name: \"a b\"\n" + kGood), "tokens.yaml:2:11",
                "tokens[0].name: expected 1 to 64 characters"},
        BadCase{"DuplicateName",
                File("  - name: a\n" + kGood +
                     "  - name: a\n    roles: [runner]\n    sha256: " + kHash2 + "\n"),
                "tokens.yaml:5:11", "tokens[1].name: \"a\" is already used"},
        BadCase{"DuplicateHash", File("  - name: a\n" + kGood + "  - name: b\n" + kGood),
                "tokens.yaml:7:13", "tokens[1].sha256: the same token as \"a\""},
        BadCase{"KeyTwice", File("  - name: a\n    name: b\n" + kGood), "tokens.yaml:3:5",
                "tokens[0].name: given twice"},
        BadCase{"EmptyList", "tokens: []\n", "tokens.yaml:1:9",
                "tokens: expected a non-empty list"},
        BadCase{"EntryNotAMap", "tokens:\n  - just-a-name\n", "tokens.yaml:2:5",
                "tokens[0]: expected a mapping"},
        BadCase{"NotAMapping", "- a\n- b\n", "tokens.yaml:1:1",
                "expected a mapping with the key tokens"},
        BadCase{"InvalidYaml", "tokens: [\n", "tokens.yaml:2:1", "not valid YAML"},
        BadCase{"Empty", "", "tokens.yaml", "empty; expected a mapping with the key tokens"},
        BadCase{
            "AgentWithoutAgentId",
            File(std::string("  - name: a\n    roles: [agent]\n    cluster: lab\n    sha256: ") +
                 kHash1 + "\n"),
            "tokens.yaml:2:5", "tokens[0].agent_id: required for a token with the role agent"},
        BadCase{
            "AgentWithoutCluster",
            File(std::string("  - name: a\n    roles: [agent]\n    agent_id: a1\n    sha256: ") +
                 kHash1 + "\n"),
            "tokens.yaml:2:5", "tokens[0].cluster: required for a token with the role agent"},
        BadCase{"BindingWithoutAgentRole", File("  - name: a\n    agent_id: a1\n" + kGood),
                "tokens.yaml:3:5", "tokens[0].agent_id: only for a token with the role agent"},
        BadCase{
            "EmptyServedTeams",
            File(std::string("  - name: a\n    roles: [agent]\n    agent_id: a1\n    cluster: c\n"
                             "    serves_teams: []\n    sha256: ") +
                 kHash1 + "\n"),
            "tokens.yaml:6:19", "tokens[0].serves_teams: expected a non-empty list"},
        BadCase{"ZeroCallRate", File("  - name: a\n    calls_per_second: 0\n" + kGood),
                "tokens.yaml:3:23", "tokens[0].calls_per_second: expected a number"},
        BadCase{"WordCallRate", File("  - name: a\n    calls_per_second: lots\n" + kGood),
                "tokens.yaml:3:23", "tokens[0].calls_per_second: expected a number"},
        BadCase{"HugeCallRate", File("  - name: a\n    calls_per_second: 1e9\n" + kGood),
                "tokens.yaml:3:23", "at most 100000"},
        BadCase{"FractionalBurst",
                File("  - name: a\n    calls_per_second: 5\n    burst: 1.5\n" + kGood),
                "tokens.yaml:4:12", "tokens[0].burst: expected a whole number"},
        BadCase{"BurstWithoutRate", File("  - name: a\n    burst: 3\n" + kGood), "tokens.yaml:3:5",
                "tokens[0].burst: only with calls_per_second"}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(TokensFileTest, ACallBudgetIsReadWithBurstDefaultingToTwiceTheRate) {
  const std::string text =
      File("  - name: a\n    calls_per_second: 2.5\n" + kGood +
           "  - name: b\n    calls_per_second: 10\n    burst: 3\n    roles: [viewer]\n"
           "    sha256: " +
           kHash2 + "\n");
  MP_ASSERT_OK_AND_ASSIGN(std::vector<TokenEntry> entries, ParseTokensFile(text, "t.yaml"));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_DOUBLE_EQ(entries[0].rate.per_second, 2.5);
  EXPECT_EQ(entries[0].rate.burst, 5);
  EXPECT_DOUBLE_EQ(entries[1].rate.per_second, 10);
  EXPECT_EQ(entries[1].rate.burst, 3);
  // Without the keys a token is unlimited.
  MP_ASSERT_OK_AND_ASSIGN(entries, ParseTokensFile(File("  - name: c\n" + kGood), "t.yaml"));
  EXPECT_EQ(entries[0].rate.per_second, 0);
}

TEST(TokensFileTest, AnAgentTokenIsBoundToItsAgentClusterAndTeams) {
  const std::string text = File(std::string("  - name: lab-agent\n"
                                            "    roles: [agent]\n"
                                            "    agent_id: lab-1\n"
                                            "    cluster: lab\n"
                                            "    serves_teams: [platform, payments]\n"
                                            "    sha256: ") +
                                kHash1 +
                                "\n"
                                "  - name: ci\n    roles: [viewer]\n    sha256: " +
                                kHash2 + "\n");
  MP_ASSERT_OK_AND_ASSIGN(std::vector<TokenEntry> entries, ParseTokensFile(text, "t.yaml"));
  ASSERT_EQ(entries.size(), 2u);
  ASSERT_TRUE(entries[0].agent.has_value());
  EXPECT_EQ(entries[0].agent->agent_id, "lab-1");
  EXPECT_EQ(entries[0].agent->cluster, "lab");
  EXPECT_EQ(entries[0].agent->teams, (std::vector<std::string>{"platform", "payments"}));
  EXPECT_FALSE(entries[1].agent.has_value());
}

TEST(TokensFileTest, LoadNamesAMissingFile) {
  EXPECT_THAT(LoadTokensFile("/nonexistent/tokens.yaml"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/tokens.yaml")));
}

TEST(TokensFileTest, LoadUsesThePathInMessages) {
  meshproof::testing::TempDir dir;
  const std::string path = dir.WriteFile("t.yaml", "tokens:\n  - name: a\n    roles: [boss]\n");
  EXPECT_THAT(LoadTokensFile(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr(path + ":3:13: tokens[0].roles[0]")));
}

}  // namespace
}  // namespace meshproof::auth
