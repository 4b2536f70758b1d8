// Token hashing, constant-time comparison, lookup, the bearer header and the decision on
// one call: every refusal code and message, and that no message contains the token.
#include "services/common/auth/authorizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "services/common/auth/token_file.h"
#include "services/common/auth/token_hash.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::auth {
namespace {

using ::meshproof::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kStartRun[] = "/meshproof.scheduler.v1.SchedulerService/StartRun";
constexpr char kListRuns[] = "/meshproof.scheduler.v1.SchedulerService/ListRuns";
constexpr char kHealth[] = "/grpc.health.v1.Health/Check";

TokenEntry Entry(const std::string& name, const std::string& token, RoleSet roles) {
  TokenEntry e;
  e.name = name;
  e.roles = roles;
  e.sha256 = HashToken(token);
  return e;
}

TEST(TokenHashTest, IsSha256OfTheTokenBytes) {
  // FIPS 180-2 test vector.
  EXPECT_EQ(HashToHex(HashToken("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TokenHashTest, HexRoundTripsAndRejectsAnythingElse) {
  const TokenHash h = HashToken("x");
  EXPECT_EQ(HashFromHex(HashToHex(h)), h);
  std::string upper = HashToHex(h);
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_EQ(HashFromHex(upper), h);
  EXPECT_FALSE(HashFromHex("").has_value());
  EXPECT_FALSE(HashFromHex(HashToHex(h).substr(1)).has_value());
  EXPECT_FALSE(HashFromHex(HashToHex(h) + "0").has_value());
  EXPECT_FALSE(HashFromHex(std::string(63, '0') + "x").has_value());
}

TEST(TokenHashTest, ConstantTimeCompareSeesADifferenceAtEitherEnd) {
  const TokenHash a = HashToken("a");
  TokenHash first = a, last = a;
  first[0] ^= 1;
  last[31] ^= 0x80;
  EXPECT_TRUE(HashesEqual(a, a));
  EXPECT_FALSE(HashesEqual(a, first));
  EXPECT_FALSE(HashesEqual(a, last));
}

TEST(TokenRegistryTest, FindsTheEntryWhoseHashMatchesAndNothingElse) {
  TokenRegistry registry({Entry("a", "token-a", {Role::kViewer}),
                          Entry("b", "token-b", {Role::kRunner}),
                          Entry("c", "token-c", {Role::kAdmin})});
  ASSERT_NE(registry.Find("token-b"), nullptr);
  EXPECT_EQ(registry.Find("token-b")->name, "b");
  EXPECT_EQ(registry.Find("token-c")->name, "c");
  EXPECT_EQ(registry.Find("token-"), nullptr);
  EXPECT_EQ(registry.Find("token-bb"), nullptr);
  EXPECT_EQ(registry.Find(""), nullptr);
}

TEST(BearerTokenTest, AcceptsTheSchemeInAnyCaseAndTrimsSpaces) {
  EXPECT_EQ(BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(BearerToken("bearer  abc "), "abc");
  EXPECT_EQ(BearerToken("BEARER\tabc"), "abc");
  EXPECT_FALSE(BearerToken("Bearer").has_value());
  EXPECT_FALSE(BearerToken("Bearer   ").has_value());
  EXPECT_FALSE(BearerToken("Basic YWxhZGRpbjpvcGVu").has_value());
  EXPECT_FALSE(BearerToken("Bearerabc").has_value());
  EXPECT_FALSE(BearerToken("abc").has_value());
}

class AuthorizerTest : public ::testing::Test {
 protected:
  Authorizer authorizer_{
      TokenRegistry({Entry("ci-viewer", "secret-viewer", {Role::kViewer}),
                     Entry("ci-runner", "secret-runner", {Role::kViewer, Role::kRunner}),
                     Entry("root", "secret-admin", {Role::kAdmin})})};
};

TEST_F(AuthorizerTest, NoHeaderIsUnauthenticated) {
  EXPECT_THAT(authorizer_.Check(kListRuns, std::nullopt),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("no bearer token")));
}

TEST_F(AuthorizerTest, AHeaderThatIsNotBearerIsUnauthenticated) {
  EXPECT_THAT(authorizer_.Check(kListRuns, "Basic c2VjcmV0"),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       AllOf(HasSubstr("no bearer token"), Not(HasSubstr("c2VjcmV0")))));
}

TEST_F(AuthorizerTest, AnUnknownTokenIsUnauthenticatedWithoutEchoingIt) {
  EXPECT_THAT(authorizer_.Check(kListRuns, "Bearer guessed-token"),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       AllOf(HasSubstr("unknown token"), Not(HasSubstr("guessed")))));
}

TEST_F(AuthorizerTest, AKnownTokenWithoutTheRoleIsDeniedNamingTheRole) {
  EXPECT_THAT(authorizer_.Check(kStartRun, "Bearer secret-viewer"),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       AllOf(HasSubstr("StartRun needs the role runner"),
                             HasSubstr("\"ci-viewer\" has viewer"), Not(HasSubstr("secret")))));
}

TEST_F(AuthorizerTest, AllowsTheRoleAndReturnsTheCaller) {
  MP_ASSERT_OK_AND_ASSIGN(const TokenEntry* caller,
                          authorizer_.Check(kStartRun, "Bearer secret-runner"));
  ASSERT_NE(caller, nullptr);
  EXPECT_EQ(caller->name, "ci-runner");
}

TEST_F(AuthorizerTest, AdminMayCallAnythingIncludingUnlistedMethods) {
  MP_EXPECT_OK(authorizer_.Check(kStartRun, "Bearer secret-admin"));
  MP_EXPECT_OK(
      authorizer_.Check("/meshproof.store.v1.ResultsStoreService/Backup", "Bearer secret-admin"));
  MP_EXPECT_OK(authorizer_.Check("/meshproof.x.v1.New/Thing", "Bearer secret-admin"));
  EXPECT_THAT(authorizer_.Check("/meshproof.x.v1.New/Thing", "Bearer secret-runner"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("needs the role admin")));
}

TEST_F(AuthorizerTest, OpenMethodsNeedNoTokenAndIgnoreABadOne) {
  MP_ASSERT_OK_AND_ASSIGN(const TokenEntry* caller, authorizer_.Check(kHealth, std::nullopt));
  EXPECT_EQ(caller, nullptr);
  MP_EXPECT_OK(authorizer_.Check(kHealth, "Bearer nonsense"));
}

TEST_F(AuthorizerTest, IdentifyNamesTheTokensEntryOrNothing) {
  ASSERT_NE(authorizer_.Identify("Bearer secret-runner"), nullptr);
  EXPECT_EQ(authorizer_.Identify("Bearer secret-runner")->name, "ci-runner");
  EXPECT_EQ(authorizer_.Identify("Bearer nope"), nullptr);
  EXPECT_EQ(authorizer_.Identify("secret-runner"), nullptr);
  EXPECT_EQ(authorizer_.Identify(std::nullopt), nullptr);
}

TEST(TokenFileTest, ReadsTheFirstLineTrimmed) {
  meshproof::testing::TempDir dir;
  const std::string path = dir.WriteFile("t", "  secret-123 \nsecond line\n");
  chmod(path.c_str(), 0600);
  MP_ASSERT_OK_AND_ASSIGN(TokenFromFile token, ReadTokenFile(path, "--store-token-file"));
  EXPECT_EQ(token.token, "secret-123");
  EXPECT_EQ(token.warning, "");
}

TEST(TokenFileTest, WarnsWhenEveryUserCanReadIt) {
  meshproof::testing::TempDir dir;
  const std::string path = dir.WriteFile("t", "secret-123\n");
  chmod(path.c_str(), 0644);
  MP_ASSERT_OK_AND_ASSIGN(TokenFromFile token, ReadTokenFile(path, "--store-token-file"));
  EXPECT_EQ(token.token, "secret-123");
  EXPECT_THAT(token.warning, AllOf(HasSubstr("--store-token-file"),
                                   HasSubstr("readable by every user"), Not(HasSubstr("secret"))));
}

TEST(TokenFileTest, RefusesAnEmptyFirstLineOrAPastedHeader) {
  meshproof::testing::TempDir dir;
  EXPECT_THAT(ReadTokenFile(dir.WriteFile("empty", "\nsecret\n"), "--x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--x: ")));
  EXPECT_THAT(ReadTokenFile(dir.WriteFile("header", "Bearer secret\n"), "--x"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("expected the token alone"), Not(HasSubstr("secret\n")))));
  EXPECT_THAT(ReadTokenFile(dir.File("missing"), "--x"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("--x: cannot read")));
}

// A token with a budget of 2 calls/s and a burst of 2, beside one without a budget.
class CallBudgetTest : public ::testing::Test {
 protected:
  static TokenRegistry Tokens() {
    TokenEntry limited = Entry("dashboard", "secret-dash", {Role::kViewer});
    limited.rate = {.per_second = 2, .burst = 2};
    return TokenRegistry({limited, Entry("ci-viewer", "secret-viewer", {Role::kViewer})});
  }
  meshproof::testing::FakeClock clock_;
  Authorizer authorizer_{Tokens(), &clock_};
};

TEST_F(CallBudgetTest, ACallerOverItsBudgetIsRefusedUntilItRefills) {
  EXPECT_TRUE(authorizer_.Check(kListRuns, "Bearer secret-dash").ok());
  EXPECT_TRUE(authorizer_.Check(kListRuns, "Bearer secret-dash").ok());
  EXPECT_THAT(authorizer_.Check(kListRuns, "Bearer secret-dash"),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("dashboard"), HasSubstr("2 calls/s"),
                             Not(HasSubstr("secret-dash")))));
  // Another caller's budget is its own.
  for (int i = 0; i < 10; ++i)
    EXPECT_TRUE(authorizer_.Check(kListRuns, "Bearer secret-viewer").ok());
  // Half a second refills one call, and only one.
  clock_.Advance(absl::Milliseconds(500));
  EXPECT_TRUE(authorizer_.Check(kListRuns, "Bearer secret-dash").ok());
  EXPECT_THAT(authorizer_.Check(kListRuns, "Bearer secret-dash"),
              StatusIs(absl::StatusCode::kResourceExhausted));
  // A long quiet spell refills no more than the burst.
  clock_.Advance(absl::Hours(1));
  EXPECT_TRUE(authorizer_.Check(kListRuns, "Bearer secret-dash").ok());
  EXPECT_TRUE(authorizer_.Check(kListRuns, "Bearer secret-dash").ok());
  EXPECT_THAT(authorizer_.Check(kListRuns, "Bearer secret-dash"),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST_F(CallBudgetTest, RefusedAndOpenCallsCostNothing) {
  // Calls refused for their role and calls of open methods leave the budget whole.
  for (int i = 0; i < 5; ++i) {
    EXPECT_THAT(authorizer_.Check(kStartRun, "Bearer secret-dash"),
                StatusIs(absl::StatusCode::kPermissionDenied));
    EXPECT_TRUE(authorizer_.Check(kHealth, "Bearer secret-dash").ok());
  }
  EXPECT_TRUE(authorizer_.Check(kListRuns, "Bearer secret-dash").ok());
  EXPECT_TRUE(authorizer_.Check(kListRuns, "Bearer secret-dash").ok());
}

}  // namespace
}  // namespace meshproof::auth
