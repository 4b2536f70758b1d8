#include "services/common/labels.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace meshproof {
namespace {

using ::meshproof::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

TEST(ParseLabelsTest, ParsesPairs) {
  MP_ASSERT_OK_AND_ASSIGN(auto labels, ParseLabels("env=lab, tier=gold", "--labels"));
  EXPECT_THAT(labels, ElementsAre(Pair("env", "lab"), Pair("tier", "gold")));
}

TEST(ParseLabelsTest, EmptyIsNoLabels) {
  MP_ASSERT_OK_AND_ASSIGN(auto labels, ParseLabels("  ", "--labels"));
  EXPECT_TRUE(labels.empty());
}

TEST(ParseLabelsTest, RejectsMissingEquals) {
  EXPECT_THAT(ParseLabels("env", "--labels"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                       HasSubstr("--labels: expected key=value")));
}

TEST(ParseLabelsTest, RejectsDuplicateKey) {
  EXPECT_THAT(ParseLabels("a=1,a=2", "--labels"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("given twice")));
}

TEST(ParseLabelsTest, RejectsBadKeyCharacters) {
  EXPECT_THAT(ParseLabels("a b=1", "--labels"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("may only contain")));
}

}  // namespace
}  // namespace meshproof
