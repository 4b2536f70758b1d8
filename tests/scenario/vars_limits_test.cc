// Variable values and their expansion are bounded while substituting: one value, one
// string and the sum of a scenario's strings, each refused with the variable named and
// before the oversized text is built.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "services/scenario/limits.h"
#include "services/scenario/scenario_parser.h"
#include "services/scenario/vars.h"

namespace meshproof::scenario {
namespace {

using ::testing::HasSubstr;

TEST(VarsLimitsTest, ValueOverTheBoundIsRefusedByName) {
  const VarSubstituter vars({{"BIG", std::string(kMaxVarValueBytes + 1, 'x')}}, true);
  std::string out, error;
  EXPECT_FALSE(vars.Substitute("a${BIG}b", &out, &error));
  EXPECT_THAT(error, HasSubstr("${BIG}"));
}

TEST(VarsLimitsTest, StringBoundStopsBeforeCopying) {
  VarSubstituter vars({{"V", std::string(1000, 'v')}}, true);
  vars.SetExpansionLimits(4000, 1 << 20);
  std::string out, error;
  EXPECT_TRUE(vars.Substitute("${V}${V}${V}${V}", &out, &error)) << error;
  EXPECT_FALSE(vars.Substitute("${V}${V}${V}${V}${V}", &out, &error));
  EXPECT_THAT(error, HasSubstr("${V}"));
  EXPECT_LE(out.size(), 4000u);
}

TEST(VarsLimitsTest, TotalBoundSpansEveryString) {
  VarSubstituter vars({{"V", std::string(1000, 'v')}}, true);
  vars.SetExpansionLimits(64 * 1024, 2500);
  std::string out, error;
  EXPECT_TRUE(vars.Substitute("${V}", &out, &error));
  EXPECT_TRUE(vars.Substitute("${V}", &out, &error));
  EXPECT_FALSE(vars.Substitute("${V}", &out, &error));
  EXPECT_THAT(error, HasSubstr("in total"));
}

TEST(VarsLimitsTest, CheckVarValuesNamesTheVariable) {
  EXPECT_TRUE(CheckVarValues({{"A", "x"}}, "vars").ok());
  absl::Status big = CheckVarValues({{"A", std::string(kMaxVarValueBytes + 1, 'x')}}, "vars");
  EXPECT_EQ(big.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(big.message()), HasSubstr("vars.A"));
  EXPECT_EQ(CheckVarValues({{"1A", "x"}}, "vars").code(), absl::StatusCode::kInvalidArgument);
}

TEST(VarsLimitsTest, SubstituteVarsRefusesAmplification) {
  v1::Scenario scenario;
  scenario.set_name("amp");
  (*scenario.mutable_vars())["B"] = "b";
  v1::Test* test = scenario.add_tests();
  test->set_name("t1");
  test->mutable_probe()->mutable_http()->set_url("http://127.0.0.1:1/");
  std::string refs;
  for (int i = 0; i < 512; ++i) refs += "${B}";
  test->set_description(refs);
  auto refused = SubstituteVars(scenario, {{"B", std::string(1 << 20, 'x')}});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("vars.B"));
  auto amplified = SubstituteVars(scenario, {{"B", std::string(60 * 1024, 'x')}});
  EXPECT_EQ(amplified.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(amplified.status().message()), HasSubstr("tests[0].description"));
  EXPECT_TRUE(SubstituteVars(scenario, {{"B", "x"}}).ok());
}

}  // namespace
}  // namespace meshproof::scenario
