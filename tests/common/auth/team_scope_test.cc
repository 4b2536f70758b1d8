// The team rule on its own: who sees which team's objects, which requested teams are
// refused (naming the field), and where new objects land.
#include "services/common/auth/team_scope.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/auth/tokens_file.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::auth {
namespace {

using ::meshproof::testing::StatusIs;
using ::testing::HasSubstr;

TEST(TeamScopeTest, ATeamSeesOnlyItsOwnObjects) {
  TeamScope scope = TeamScope::Team("ci", "payments");
  EXPECT_TRUE(scope.scoped());
  EXPECT_TRUE(scope.Sees("payments", "run r1"));
  EXPECT_FALSE(scope.Sees("platform", "run r1"));
  EXPECT_FALSE(scope.Sees("", "run r1"));
  EXPECT_EQ(scope.ListFilter(), "payments");
  EXPECT_EQ(scope.DefaultOwner(), "payments");
}

TEST(TeamScopeTest, NamingAnotherTeamIsRefusedNamingTheField) {
  TeamScope scope = TeamScope::Team("ci", "payments");
  MP_EXPECT_OK(scope.CheckNamedTeam("", "team"));
  MP_EXPECT_OK(scope.CheckNamedTeam("payments", "team"));
  absl::Status refused = scope.CheckNamedTeam("platform", "scenario.team");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(std::string(refused.message()), HasSubstr("scenario.team: "));
}

TEST(TeamScopeTest, ATokenWithoutATeamIsInTheDefaultTeam) {
  TeamScope scope = TeamScope::Team("ci", "");
  EXPECT_TRUE(scope.Sees(kDefaultTeam, "run r1"));
  EXPECT_FALSE(scope.Sees("payments", "run r1"));
  EXPECT_EQ(scope.DefaultOwner(), kDefaultTeam);
}

TEST(TeamScopeTest, AdminAndOpenServicesSeeEveryTeam) {
  for (const TeamScope& scope : {TeamScope::Admin("oncall", "ops"), TeamScope::Everyone()}) {
    EXPECT_FALSE(scope.scoped());
    EXPECT_TRUE(scope.Sees("payments", "run r1"));
    EXPECT_TRUE(scope.Sees("", "run r1"));
    EXPECT_EQ(scope.ListFilter(), "");
    MP_EXPECT_OK(scope.CheckNamedTeam("payments", "team"));
  }
  EXPECT_EQ(TeamScope::Everyone().DefaultOwner(), kDefaultTeam);
  EXPECT_EQ(TeamScope::Admin("oncall", "ops").DefaultOwner(), "ops");
}

TEST(TeamScopeTest, ForCallerFollowsTheToken) {
  TokenEntry viewer;
  viewer.name = "v";
  viewer.team = "payments";
  viewer.roles = RoleSet{Role::kViewer};
  TokenEntry admin = viewer;
  admin.roles = RoleSet{Role::kAdmin};
  EXPECT_FALSE(TeamScope::ForCaller(nullptr, /*auth_on=*/false).scoped());
  EXPECT_EQ(TeamScope::ForCaller(&viewer, true).ListFilter(), "payments");
  EXPECT_TRUE(TeamScope::ForCaller(&admin, true).admin());
  // Auth on but no caller known: sees no team's objects.
  TeamScope nobody = TeamScope::ForCaller(nullptr, true);
  EXPECT_TRUE(nobody.scoped());
  EXPECT_FALSE(nobody.Sees(kDefaultTeam, "run r1"));
}

}  // namespace
}  // namespace meshproof::auth
