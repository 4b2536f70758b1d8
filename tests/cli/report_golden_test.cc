// Golden-file tests of the four report formats over a fixed run (report_fixture.h).
// The golden files are reviewed by hand; to see a change, run with
// MESHPROOF_UPDATE_GOLDEN=1 and read `git diff tests/cli/golden` before committing.
#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "clients/cli/report/html_report.h"
#include "clients/cli/report/json_report.h"
#include "clients/cli/report/junit_report.h"
#include "clients/cli/report/markdown_report.h"
#include "tests/cli/report_fixture.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace rv1 = ::meshproof::result::v1;

std::string GoldenPath(const std::string& name) {
  return std::string(MESHPROOF_SOURCE_DIR) + "/tests/cli/golden/" + name;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  if (std::getenv("MESHPROOF_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(GoldenPath(name), std::ios::binary) << actual;
  }
  const std::string expected = ReadAll(GoldenPath(name));
  ASSERT_FALSE(expected.empty()) << "missing golden file " << name;
  EXPECT_EQ(actual, expected) << "report differs from tests/cli/golden/" << name;
}

TEST(ReportGoldenTest, FixtureParses) {
  EXPECT_EQ(testing::FixtureRunDetail().results_size(), 7);
  EXPECT_EQ(testing::FixtureComparison().tests_size(), 4);
}

TEST(ReportGoldenTest, Markdown) {
  ExpectGolden("report.md",
               report::RenderMarkdown(testing::FixtureInput(/*with_comparison=*/false)));
}

TEST(ReportGoldenTest, MarkdownWithComparison) {
  ExpectGolden("report-compare.md",
               report::RenderMarkdown(testing::FixtureInput(/*with_comparison=*/true)));
}

TEST(ReportGoldenTest, Html) {
  ExpectGolden("report.html", report::RenderHtml(testing::FixtureInput(/*with_comparison=*/true)));
}

TEST(ReportGoldenTest, Junit) {
  ExpectGolden("report.junit.xml",
               report::RenderJunit(testing::FixtureInput(/*with_comparison=*/false)));
}

TEST(ReportGoldenTest, Json) {
  ExpectGolden("report.json", report::RenderJson(testing::FixtureInput(/*with_comparison=*/false)));
}

TEST(ReportTest, MarkdownPutsRegressionsFirstAndEvidenceUnderTheTable) {
  const std::string md = report::RenderMarkdown(testing::FixtureInput(true));
  const size_t changes = md.find("## What changed");
  const size_t regressed = md.find("**REGRESSED** | bypass-is-not-proof");
  const size_t fixed = md.find("FIXED | sni-mismatch-fails-at-tls");
  ASSERT_NE(changes, std::string::npos);
  ASSERT_NE(regressed, std::string::npos);
  ASSERT_NE(fixed, std::string::npos);
  EXPECT_LT(changes, regressed);
  EXPECT_LT(regressed, fixed);
  const size_t table = md.find("## Tests");
  const size_t log_line = md.find("outbound|443||httpbin.org 10.255.126.47:49456");
  ASSERT_NE(log_line, std::string::npos);
  EXPECT_LT(table, log_line);
  EXPECT_LT(log_line, md.find("## Deferred tests"));
  EXPECT_LT(md.find("## Deferred tests"), md.find("## Claims ledger"));
}

TEST(ReportTest, JsonIsTheRunDetailMessage) {
  const store::v1::RunDetail original = testing::FixtureRunDetail();
  store::v1::RunDetail parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  report::RenderJson(testing::FixtureInput(false)), &parsed)
                  .ok());
  EXPECT_EQ(parsed.SerializeAsString(), original.SerializeAsString());
}

TEST(ReportTest, HtmlIsSelfContainedAndReadableOnAPhone) {
  const std::string html = report::RenderHtml(testing::FixtureInput(true));
  EXPECT_THAT(html, HasSubstr("<meta name=\"viewport\""));
  EXPECT_THAT(html, HasSubstr("@media print"));
  EXPECT_THAT(html, HasSubstr("@media (max-width:640px)"));
  // Nothing fetched from the network, nothing executed.
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  EXPECT_THAT(html, Not(HasSubstr("url(")));
  // The history grid, passed-on-retry drawn apart, a sparkline, the regression marked.
  EXPECT_THAT(html, HasSubstr("<table class=\"grid\">"));
  EXPECT_THAT(html, HasSubstr("<td class=\"h retry cur\""));
  EXPECT_THAT(html, HasSubstr("<svg class=\"spark\""));
  EXPECT_THAT(html, HasSubstr("<tr class=\"regressed\" id=\"t-bypass-is-not-proof\">"));
}

TEST(ReportTest, SparklinesLabelTheirScale) {
  const std::string html = report::RenderHtml(testing::FixtureInput(true));
  // egress-through-gateway measured 170, 180, 184 ms: the line's top is 184, its bottom 170.
  EXPECT_THAT(html, HasSubstr("latency, last 3 runs: 170–184 ms, latest 184 ms</title>"));
  EXPECT_THAT(html, HasSubstr("<span class=\"sc\"><span class=\"max\">184 ms</span>"
                              "<span class=\"min\">170 ms</span></span>"));
  // Small latencies keep a decimal, so 4 and 5 ms are not both "5 ms".
  EXPECT_THAT(html, HasSubstr("<span class=\"max\">5.0 ms</span><span class=\"min\">4.0 ms"));
  // A test with no measured latency has no line and so no scale.
  const size_t row = html.find("<tr><td class=\"t\">registry-only-blocks-unregistered</td>");
  ASSERT_NE(row, std::string::npos);
  const std::string rest = html.substr(row, html.find("</tr>", row) - row);
  EXPECT_THAT(rest, Not(HasSubstr("class=\"sc\"")));
}

TEST(ReportTest, HistoryGridOpensAtTheNewestRunsOnANarrowScreen) {
  const std::string html = report::RenderHtml(testing::FixtureInput(true));
  // The grid's scroll box is right-to-left (it opens at its right end, the newest runs)
  // while the table inside stays oldest-left; the test names stay in view.
  EXPECT_THAT(html, HasSubstr("<div class=\"scroll hist\"><table class=\"grid\">"));
  EXPECT_THAT(html, HasSubstr(".hist{direction:rtl}.hist>table{direction:ltr}"));
  EXPECT_THAT(html, HasSubstr(".grid th.t,.grid td.t{position:sticky;left:0;"));
  EXPECT_LT(html.find("title=\"run-0040"), html.find("title=\"run-0042"));
}

TEST(ReportTest, HtmlAndXmlEscapeWhatTheyShow) {
  report::ReportInput input = testing::FixtureInput(false);
  input.detail.mutable_results(1)->set_proves("<script>alert(1)</script> & \"quotes\"");
  EXPECT_THAT(report::RenderHtml(input), Not(HasSubstr("<script>alert")));
  EXPECT_THAT(report::RenderHtml(input),
              HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"));
  EXPECT_THAT(report::RenderJunit(input), Not(HasSubstr("<script>alert")));
}

// The JUnit report must satisfy tests/cli/junit.xsd (the common JUnit format CI systems
// read); the schema must also reject a report that breaks it, or the check proves nothing.
class JunitSchemaTest : public ::testing::Test {
 protected:
  int Validate(const std::string& xml) {
    const std::string file = dir_.WriteFile("report.xml", xml);
    auto result = meshproof::testing::RunCommand(
        {"xmllint", "--noout", "--schema",
         std::string(MESHPROOF_SOURCE_DIR) + "/tests/cli/junit.xsd", file});
    last_err_ = result.err;
    return result.exit_code;
  }
  meshproof::testing::TempDir dir_;
  std::string last_err_;
};

TEST_F(JunitSchemaTest, ReportIsValid) {
  EXPECT_EQ(Validate(report::RenderJunit(testing::FixtureInput(false))), 0) << last_err_;
}

TEST_F(JunitSchemaTest, EmptyRunIsValid) {
  report::ReportInput input;
  input.detail.mutable_run()->set_run_id("r");
  input.detail.mutable_run()->set_scenario("s");
  EXPECT_EQ(Validate(report::RenderJunit(input)), 0) << last_err_;
}

TEST_F(JunitSchemaTest, SchemaRejectsATestcaseWithoutName) {
  std::string xml = report::RenderJunit(testing::FixtureInput(false));
  const size_t at = xml.find("<testcase name=\"");
  ASSERT_NE(at, std::string::npos);
  xml.replace(at, std::string("<testcase name=\"").size(), "<testcase nom=\"");
  EXPECT_NE(Validate(xml), 0);
}

TEST_F(JunitSchemaTest, SchemaRejectsANonNumericTime) {
  std::string xml = report::RenderJunit(testing::FixtureInput(false));
  const size_t at = xml.find(" time=\"");
  ASSERT_NE(at, std::string::npos);
  xml.replace(at, std::string(" time=\"").size(), " time=\"soon");
  EXPECT_NE(Validate(xml), 0);
}

// A flaky test is shown as flaky in every format, a PASS as much as a FAIL, and a test
// whose attempts agreed is not.
report::ReportInput FlakyInput() {
  report::ReportInput input = testing::FixtureInput(false);
  // bypass-is-not-proof failed to converge after passing once.
  rv1::TestResult* bypass = input.detail.mutable_results(4);
  EXPECT_EQ(bypass->test(), "bypass-is-not-proof");
  bypass->set_attempts(2);
  bypass->set_flaky(true);
  bypass->add_attempt_history()->set_verdict(rv1::TEST_VERDICT_PASS);
  bypass->add_attempt_history()->set_verdict(rv1::TEST_VERDICT_FAIL);
  return input;
}

TEST(ReportFlakyTest, MarkdownMarksFlakyPassesAndFailures) {
  const std::string md = report::RenderMarkdown(FlakyInput());
  EXPECT_THAT(md, HasSubstr("| PASS (attempt 2, flaky) |"));
  EXPECT_THAT(md, HasSubstr("| **FAIL** (flaky) |"));
  EXPECT_THAT(md, HasSubstr("- **flaky**: the attempts disagreed (F P)"));
  EXPECT_THAT(md, HasSubstr("- **flaky**: the attempts disagreed (P F)"));
  report::ReportInput stable = testing::FixtureInput(false);
  stable.detail.mutable_results(2)->set_flaky(false);
  EXPECT_THAT(report::RenderMarkdown(stable), Not(HasSubstr("flaky")));
}

TEST(ReportFlakyTest, HtmlMarksFlakyPassesAndFailures) {
  const std::string html = report::RenderHtml(FlakyInput());
  EXPECT_THAT(html, HasSubstr("on attempt 2</span> <span class=\"badge flaky\">flaky</span>"));
  EXPECT_THAT(
      html,
      HasSubstr("<span class=\"badge fail\">FAIL</span> <span class=\"badge flaky\">flaky</span>"));
  EXPECT_THAT(html, HasSubstr("<li><b>flaky</b>: the attempts disagreed (P F)</li>"));
  report::ReportInput stable = testing::FixtureInput(false);
  stable.detail.mutable_results(2)->set_flaky(false);
  EXPECT_THAT(report::RenderHtml(stable), Not(HasSubstr("badge flaky")));
}

TEST(ReportFlakyTest, JunitNamesFlakyTestsAndSaysWhyInTheirOutput) {
  const std::string xml = report::RenderJunit(FlakyInput());
  EXPECT_THAT(
      xml,
      HasSubstr("<property name=\"flaky\" value=\"egress-through-gateway,bypass-is-not-proof\"/>"));
  EXPECT_THAT(xml, HasSubstr("<system-out>flaky: the attempts disagreed (F P)\n"));
  report::ReportInput stable = testing::FixtureInput(false);
  stable.detail.mutable_results(2)->set_flaky(false);
  EXPECT_THAT(report::RenderJunit(stable), Not(HasSubstr("flaky")));
}

// A run measured on meshproof's lab says so in the header and in the claims ledger, so a
// report never reads as a real mesh's evidence; a run without a kind says nothing.
TEST(ReportLabEvidenceTest, LabRunsAreMarkedInTheHeaderAndTheLedger) {
  report::ReportInput lab = testing::FixtureInput(false);
  ASSERT_GT(lab.detail.claims_size(), 0);
  lab.detail.mutable_run()->mutable_environment()->set_kind("lab");
  const std::string md = report::RenderMarkdown(lab);
  EXPECT_THAT(
      md,
      HasSubstr(
          "| Measured on | meshproof's lab (a reproduction of the gateways, not a real mesh) |"));
  EXPECT_THAT(md, HasSubstr("> Measured on meshproof's lab"));
  EXPECT_THAT(md, Not(HasSubstr("| CONFIRMED by measurement |")));
  const std::string html = report::RenderHtml(lab);
  EXPECT_THAT(html, HasSubstr("<dt>Measured on</dt>"));
  EXPECT_THAT(html, HasSubstr("Measured on meshproof&#39;s lab"));
  report::ReportInput cluster = testing::FixtureInput(false);
  cluster.detail.mutable_run()->mutable_environment()->set_kind("cluster");
  EXPECT_THAT(report::RenderMarkdown(cluster), HasSubstr("| Measured on | a real cluster |"));
  EXPECT_THAT(report::RenderMarkdown(cluster), Not(HasSubstr("on the lab")));
  EXPECT_THAT(report::RenderMarkdown(testing::FixtureInput(false)), Not(HasSubstr("Measured on")));
}

TEST(ReportFlakyTest, JsonCarriesTheFlakyField) {
  const std::string json = report::RenderJson(FlakyInput());
  store::v1::RunDetail parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok());
  EXPECT_TRUE(parsed.results(2).flaky());
  EXPECT_TRUE(parsed.results(4).flaky());
  EXPECT_FALSE(parsed.results(3).flaky());
  EXPECT_THAT(json, HasSubstr("\"flaky\": true"));
}

TEST_F(JunitSchemaTest, FlakyReportIsValid) {
  EXPECT_EQ(Validate(report::RenderJunit(FlakyInput())), 0) << last_err_;
}

}  // namespace
}  // namespace meshproof::cli
