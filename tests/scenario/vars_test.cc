#include "services/scenario/vars.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace meshproof::scenario {
namespace {

using ::meshproof::testing::StatusIs;
using ::testing::HasSubstr;

TEST(VarSubstituterTest, ReplacesReferences) {
  VarSubstituter vars({{"HOST", "127.0.0.1"}, {"PORT", "8080"}}, true);
  std::string out, error;
  ASSERT_TRUE(vars.Substitute("http://${HOST}:${PORT}/get", &out, &error)) << error;
  EXPECT_EQ(out, "http://127.0.0.1:8080/get");
}

TEST(VarSubstituterTest, DoubleDollarIsALiteral) {
  VarSubstituter vars({}, true);
  std::string out, error;
  ASSERT_TRUE(vars.Substitute("cost $${X} and $5", &out, &error));
  EXPECT_EQ(out, "cost ${X} and $5");
}

TEST(VarSubstituterTest, UndefinedVariableNamesIt) {
  VarSubstituter vars({}, true);
  std::string out, error;
  EXPECT_FALSE(vars.Substitute("${NODE}", &out, &error));
  EXPECT_THAT(error, HasSubstr("undefined variable ${NODE}"));
}

TEST(VarSubstituterTest, DisabledKeepsReferencesButChecksSyntax) {
  VarSubstituter vars({}, false);
  std::string out, error;
  ASSERT_TRUE(vars.Substitute("a ${B} $${C}", &out, &error));
  EXPECT_EQ(out, "a ${B} $${C}");
  EXPECT_FALSE(vars.Substitute("${1X}", &out, &error));
}

TEST(ParseVarsFileTest, ReadsLabEnvLines) {
  MP_ASSERT_OK_AND_ASSIGN(auto vars, ParseVarsFile("# lab\nA=1\n\nB=x=y\nexport C=3\n", "lab.env"));
  EXPECT_EQ(vars.at("A"), "1");
  EXPECT_EQ(vars.at("B"), "x=y");
  EXPECT_EQ(vars.at("C"), "3");
}

TEST(ParseVarsFileTest, ReadsYamlMaps) {
  MP_ASSERT_OK_AND_ASSIGN(auto vars, ParseVarsFile("A: 1\nB: two\n", "vars.yaml"));
  EXPECT_EQ(vars.at("B"), "two");
}

TEST(ParseVarsFileTest, BadNameNamesTheLine) {
  EXPECT_THAT(ParseVarsFile("A=1\n9X=2\n", "lab.env"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("lab.env:2:")));
}

TEST(ParseVarFlagTest, SplitsOnFirstEquals) {
  MP_ASSERT_OK_AND_ASSIGN(auto var, ParseVarFlag("URL=http://x/?a=b"));
  EXPECT_EQ(var.first, "URL");
  EXPECT_EQ(var.second, "http://x/?a=b");
  EXPECT_THAT(ParseVarFlag("novalue"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseVarsFileTest, YamlErrorsNameTheLine) {
  EXPECT_THAT(ParseVarsFile("A: 1\nB: [x]\n", "vars.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("vars.yaml:2: B: expected a scalar value")));
  EXPECT_THAT(ParseVarsFile("A: 1\n  - b: [\n", "vars.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("vars.yaml:")));
}

TEST(ParseVarsFileTest, EmptyFileHasNoVariables) {
  MP_ASSERT_OK_AND_ASSIGN(auto vars, ParseVarsFile("# nothing\n\n", "lab.env"));
  EXPECT_TRUE(vars.empty());
}

TEST(ParseVarFlagTest, RejectsABadName) {
  EXPECT_THAT(ParseVarFlag("1X=2"), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("\"1X\" is not a valid variable name")));
  MP_ASSERT_OK_AND_ASSIGN(auto var, ParseVarFlag("EMPTY="));
  EXPECT_EQ(var.second, "");
}

TEST(VarSubstituterTest, MalformedReferences) {
  VarSubstituter vars({{"A", "1"}}, true);
  std::string out, error;
  EXPECT_FALSE(vars.Substitute("${A", &out, &error));
  EXPECT_THAT(error, HasSubstr("unterminated variable reference"));
  EXPECT_FALSE(vars.Substitute("${}", &out, &error));
  EXPECT_THAT(error, HasSubstr("is not a valid variable reference"));
  ASSERT_TRUE(vars.Substitute("$A ${A}$", &out, &error));
  EXPECT_EQ(out, "$A 1$");
}

}  // namespace
}  // namespace meshproof::scenario
