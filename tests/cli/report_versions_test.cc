// The environment fingerprint in the reports: the header names every version (an
// unreadable one as unknown, with why, never as a value), and a version that changed
// since the base run is marked in the comparison and in the HTML history grid.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <re2/re2.h>

#include "absl/strings/str_cat.h"
#include "clients/cli/report/html_report.h"
#include "clients/cli/report/junit_report.h"
#include "clients/cli/report/markdown_report.h"
#include "tests/cli/report_fixture.h"

namespace meshproof::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace rv1 = ::meshproof::result::v1;
namespace sv1 = ::meshproof::store::v1;

report::ReportInput WithVersions(bool with_comparison) {
  report::ReportInput input = testing::FixtureInput(with_comparison);
  rv1::Environment* env = input.detail.mutable_run()->mutable_environment();
  env->set_envoy_version("1.32.2-dev");
  env->clear_kubernetes_version();
  rv1::UnknownVersion* u = env->add_unknown_versions();
  u->set_component("kubernetes");
  u->set_reason("GET https://10.96.0.1/version: answered 403");
  return input;
}

TEST(ReportVersionsTest, TheHeaderNamesEveryVersionAndWhyOneIsUnknown) {
  const report::ReportInput input = WithVersions(false);
  const std::string versions =
      "Envoy 1.32.2-dev · Istio 1.30.0 · Kubernetes unknown (GET https://10.96.0.1/version: "
      "answered 403) · "
      "agent 0.1.0";
  EXPECT_THAT(report::RenderMarkdown(input),
              HasSubstr(absl::StrCat("| Versions | ", versions, " |")));
  EXPECT_THAT(report::RenderHtml(input),
              HasSubstr(absl::StrCat("<dt>Versions</dt><dd>", versions, "</dd>")));
  const std::string junit = report::RenderJunit(input);
  EXPECT_THAT(junit, HasSubstr("<property name=\"envoy_version\" value=\"1.32.2-dev\"/>"));
  EXPECT_THAT(junit, HasSubstr("<property name=\"kubernetes_version_unknown\" value=\"GET "
                               "https://10.96.0.1/version: answered 403\"/>"));
  EXPECT_THAT(junit, Not(HasSubstr("name=\"kubernetes_version\"")));
}

TEST(ReportVersionsTest, ARunWithoutVersionsSaysUnknown) {
  report::ReportInput input = testing::FixtureInput(false);
  input.detail.mutable_run()->mutable_environment()->Clear();
  EXPECT_THAT(report::RenderMarkdown(input), HasSubstr("| Versions | unknown |"));
}

TEST(ReportVersionsTest, TheComparisonMarksAVersionChangeAndOnlyThen) {
  report::ReportInput input = WithVersions(true);
  EXPECT_THAT(report::RenderMarkdown(input), Not(HasSubstr("Versions changed")));
  EXPECT_THAT(report::RenderHtml(input), Not(HasSubstr("Versions changed")));
  sv1::VersionChange* change = input.comparison->add_version_changes();
  change->set_component("Istio");
  change->set_base("1.29.1");
  change->set_head("1.30.0");
  EXPECT_THAT(report::RenderMarkdown(input),
              HasSubstr("**Versions changed:** Istio 1.29.1 → 1.30.0 since the last run."));
  EXPECT_THAT(report::RenderHtml(input),
              HasSubstr("<b>Versions changed:</b> Istio 1.29.1 → 1.30.0 since the last run."));
}

TEST(ReportVersionsTest, TheHistoryGridMarksTheRunWhereAVersionChanged) {
  report::ReportInput input = WithVersions(false);
  // Every point of run-0042 says Istio 1.30.0, the runs before 1.29.1.
  for (auto& [test, points] : input.history) {
    for (sv1::HistoryPoint& p : points) {
      p.mutable_environment()->set_istio_version(p.run_id() == "run-0042" ? "1.30.0" : "1.29.1");
    }
  }
  const std::string html = report::RenderHtml(input);
  EXPECT_THAT(
      html,
      HasSubstr(
          "<th class=\"r vchg\" title=\"run-0042: Istio 1.29.1 → 1.30.0 since the last run\">▲ "));
  EXPECT_THAT(html, HasSubstr("<th class=\"r\" title=\"run-0041\">"));
  // Down the grid too: in every row the run-0042 cell (the third) carries the line, and
  // no other cell does.
  for (const auto& [test, points] : input.history) {
    EXPECT_TRUE(RE2::PartialMatch(
        html, absl::StrCat("<tr><td class=\"t\">", test,
                           "</td><td class=\"h [a-z_ ]+\" title=\"run-0040[^\"]*\"></td>"
                           "<td class=\"h [a-z_ ]+\" title=\"run-0041[^\"]*\"></td>"
                           "<td class=\"h [a-z_ ]+ vc\" title=\"run-0042")))
        << test;
  }
  int marked = 0;
  re2::StringPiece rest(html);
  while (RE2::FindAndConsume(&rest, "<td class=\"h [a-z_ ]* vc\"")) ++marked;
  int rows = 0;
  rest = html;
  while (RE2::FindAndConsume(&rest, "<tr><td class=\"t\">")) ++rows;
  EXPECT_EQ(marked, rows);
  EXPECT_GT(rows, 0);
  // Without a change no column is marked.
  const std::string unchanged = report::RenderHtml(WithVersions(false));
  EXPECT_THAT(unchanged, Not(HasSubstr("<th class=\"r vchg\"")));
  EXPECT_THAT(unchanged, Not(HasSubstr(" vc\"")));
}

TEST(ReportVersionsTest, AChangeInTheMiddleMarksOnlyThatColumn) {
  report::ReportInput input = WithVersions(false);
  // run-0041 upgraded, run-0042 stayed: only run-0041's column is marked.
  for (auto& [test, points] : input.history) {
    for (sv1::HistoryPoint& p : points) {
      p.mutable_environment()->set_istio_version(p.run_id() == "run-0040" ? "1.29.1" : "1.30.0");
    }
  }
  const std::string html = report::RenderHtml(input);
  EXPECT_THAT(html, HasSubstr("<th class=\"r vchg\" title=\"run-0041: Istio 1.29.1 → 1.30.0"));
  EXPECT_THAT(html, HasSubstr("<th class=\"r\" title=\"run-0042\">"));
  EXPECT_FALSE(RE2::PartialMatch(html, "<td class=\"h [a-z_ ]* vc\" title=\"run-004[02]"));
  EXPECT_TRUE(RE2::PartialMatch(html, "<td class=\"h [a-z_ ]* vc\" title=\"run-0041"));
}

}  // namespace
}  // namespace meshproof::cli
