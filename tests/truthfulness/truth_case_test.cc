// The case-file schema: what a valid case parses into, and that every mistake is
// rejected with the file position and the field named.

#include "tests/truthfulness/truth_case.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"
#include "tests/truthfulness/case_actions.h"

namespace meshproof::truth {
namespace {

using ::meshproof::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kSingleRun[] = R"(name: bypass
about: a direct call must not be proven by the gateway's log
lab: {args: [--log-delay, "500"]}
before:
  - {append_log: {file: "${EGRESS_ACCESS_LOG}", lines: ["stale"]}}
during:
  - {wait_for_line: {file: "${EXTERNAL_ACCESS_LOG}", pattern: "GET /get", timeout: 2s}}
  - {rotate: copytruncate}
scenario: |
  apiVersion: meshproof/v1
expect:
  - {test: direct, verdict: FAIL, reason_contains: "no new line"}
  - {test: other, any_of: [{verdict: PASS}, {verdict: ERROR, reason_prefix: "could not observe"}]}
  - {run: INCONCLUSIVE}
)";

TEST(TruthCaseTest, ParsesASingleRunCase) {
  auto c = ParseTruthCase(kSingleRun, "cases/bypass.yaml");
  MP_ASSERT_OK(c);
  EXPECT_EQ(c->name, "bypass");
  EXPECT_EQ(c->labs, 1);
  EXPECT_THAT(c->lab_args, ::testing::ElementsAre("--log-delay", "500"));
  ASSERT_EQ(c->runs.size(), 1u);
  const CaseRun& run = c->runs[0];
  ASSERT_EQ(run.before.size(), 1u);
  EXPECT_EQ(run.before[0].kind, Action::Kind::kAppendLog);
  EXPECT_THAT(run.before[0].lines, ::testing::ElementsAre("stale"));
  ASSERT_EQ(run.during.size(), 2u);
  EXPECT_EQ(run.during[0].timeout, absl::Seconds(2));
  EXPECT_EQ(run.during[1].target, "copytruncate");
  EXPECT_EQ(run.scenario, "apiVersion: meshproof/v1\n");
  EXPECT_EQ(run.scenario_line, 10);
  EXPECT_EQ(run.scenario_indent, 2);
  ASSERT_EQ(run.expect.size(), 3u);
  EXPECT_EQ(run.expect[1].any_of.size(), 2u);
  EXPECT_EQ(run.expect[1].any_of[1].reason_prefix, "could not observe");
  EXPECT_TRUE(run.expect[2].subject == Expectation::Subject::kRun);
  EXPECT_EQ(run.expect[2].any_of[0].verdict, "INCONCLUSIVE");
}

TEST(TruthCaseTest, RunsReuseTheTopLevelScenario) {
  auto c = ParseTruthCase(R"(name: two
about: x
labs: 2
scenario: "apiVersion: meshproof/v1"
runs:
  - expect: [{test: t, verdict: PASS}]
  - before: [{copy_file: {from: "${LAB2_LAB_CA_FILE}", to: "${CASE_DIR}/ca.pem", by: rename}, lab: 2}]
    expect: [{test: t, verdict: FAIL}]
)",
                          "two.yaml");
  MP_ASSERT_OK(c);
  ASSERT_EQ(c->runs.size(), 2u);
  EXPECT_EQ(c->runs[1].scenario, "apiVersion: meshproof/v1");
  EXPECT_TRUE(c->runs[1].before[0].by_rename);
  EXPECT_EQ(c->runs[1].before[0].lab, 2);
}

struct Bad {
  const char* yaml;
  const char* error;
};

class TruthCaseRejects : public ::testing::TestWithParam<Bad> {};

TEST_P(TruthCaseRejects, NamingTheField) {
  EXPECT_THAT(ParseTruthCase(GetParam().yaml, "c.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(GetParam().error)));
}

INSTANTIATE_TEST_SUITE_P(
    Mistakes, TruthCaseRejects,
    ::testing::Values(
        Bad{"name: other\nabout: x\nscenario: s\nexpect: [{test: t, verdict: PASS}]\n",
            "c.yaml:1:7: name: must equal the file name \"c\""},
        Bad{"name: c\nabout: x\nscenario: s\nexpect: [{test: t, verdict: PASSED}]\n",
            "expect[0].verdict: unknown verdict \"PASSED\""},
        Bad{"name: c\nabout: x\nscenario: s\nexpect: [{run: PASS}]\n",
            "expect[0].verdict: unknown verdict \"PASS\""},
        Bad{"name: c\nabout: x\nscenario: s\nexpcet: []\n", "c.yaml:4:1: expcet: unknown key"},
        Bad{"name: c\nabout: x\nscenario: s\n", "expect: expected a non-empty list"},
        Bad{"name: c\nabout: x\nscenario: s\nbefore: [{stop: egress, rotate: rename}]\nexpect: "
            "[{test: t, verdict: PASS}]\n",
            "before[0]: both stop and rotate"},
        Bad{"name: c\nabout: x\nscenario: s\nbefore: [{rotate: gzip}]\nexpect: [{test: t, verdict: "
            "PASS}]\n",
            "before[0].rotate: expected copytruncate or rename"},
        Bad{"name: c\nabout: x\nscenario: s\nbefore: [{stop: egress, lab: 2}]\nexpect: [{test: t, "
            "verdict: PASS}]\n",
            "lab: 2 but the case has labs: 1"},
        Bad{"name: c\nabout: x\nscenario: s\nduring: [{wait_for_line: {file: f, pattern: p, "
            "timeout: 5}}]\n"
            "expect: [{test: t, verdict: PASS}]\n",
            "during[0].wait_for_line.timeout: expected a duration"},
        Bad{"name: c\nabout: x\nscenario: s\nexpect: [{test: t, verdict: PASS, any_of: [{verdict: "
            "FAIL}]}]\n",
            "needs exactly one of verdict, any_of or verdict_not"},
        Bad{"name: c\nabout: x\nexpect: [{test: t, verdict: PASS}]\n", "scenario: required"},
        Bad{"name: c\nabout: x\nscenario: s\nexpect: [{test: t, verdict: PASS}]\nruns: []\n",
            "with runs:, put it inside each run"},
        Bad{"name: c\nscenario: s\nexpect: [{test: t, verdict: PASS}]\n", "about: required"},
        Bad{"name: c\nabout: x\nagent: {netns: host}\nscenario: s\nexpect: [{test: t, verdict: "
            "PASS}]\n",
            "agent.netns: expected mesh"},
        Bad{"name: c\nabout: x\nscenario: s\nexpect: [{claim: C1, verdict: PASS}]\n",
            "expect[0].verdict: unknown verdict \"PASS\"; expected one of CONFIRMED, REFUTED, "
            "UNTESTED"},
        Bad{"name: c\nabout: x\nscenario: s\nexpect: [{test: t, claim: C1, verdict: PASS}]\n",
            "needs exactly one of test: NAME, claim: ID or run: VERDICT"},
        Bad{"name: c\nabout: x\nscenario: s\nexpect: [{test: t, verdict_not: [NOPE]}]\n",
            "expect[0].verdict_not: unknown verdict \"NOPE\""},
        Bad{"name: [c\n", "not valid YAML"}));

TEST(TruthCaseTest, ParsesClaimsAndVerdictNot) {
  auto c = ParseTruthCase(R"(name: c
about: x
scenario: s
expect:
  - {claim: C5, verdict_not: [REFUTED, CONFIRMED]}
  - {claim: C2, verdict: CONFIRMED}
)",
                          "c.yaml");
  MP_ASSERT_OK(c);
  const Expectation& e = c->runs[0].expect[0];
  EXPECT_EQ(e.subject, Expectation::Subject::kClaim);
  EXPECT_EQ(e.name, "C5");
  EXPECT_THAT(e.verdict_not, ::testing::ElementsAre("REFUTED", "CONFIRMED"));
  EXPECT_EQ(c->runs[0].expect[1].any_of[0].verdict, "CONFIRMED");
}

TEST(ExpandVarsTest, ReplacesAndNamesTheUndefined) {
  EXPECT_EQ(*ExpandVars("a ${X} $${Y}", {{"X", "1"}}), "a 1 ${Y}");
  EXPECT_THAT(ExpandVars("${NOPE}", {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("${NOPE}")));
}

}  // namespace
}  // namespace meshproof::truth
