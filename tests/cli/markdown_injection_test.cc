// The Markdown report treats every string from a run as text: a scenario, test, reason,
// evidence line or claim cannot add a heading, a link, raw HTML, a table row or cell, or
// end a code block. Checked on the rendered report line by line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "clients/cli/report/markdown_escape.h"
#include "clients/cli/report/markdown_report.h"

namespace meshproof::cli::report {
namespace {

namespace rv1 = ::meshproof::result::v1;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kHostile[] =
    "x\n# Injected heading\n| forged | row |\n<script>alert(1)</script> "
    "[click](javascript:alert(1)) ![img](http://evil/x.png) **bold**";

// Pipes that end a table cell: not escaped with a backslash.
int CellBoundaries(absl::string_view line) {
  int count = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\') {
      ++i;
      continue;
    }
    if (line[i] == '|') ++count;
  }
  return count;
}

// True when `needle` occurs in `text` not preceded by a backslash.
bool HasUnescaped(absl::string_view text, absl::string_view needle) {
  for (size_t at = text.find(needle); at != absl::string_view::npos;
       at = text.find(needle, at + 1)) {
    if (at == 0 || text[at - 1] != '\\') return true;
  }
  return false;
}

ReportInput HostileInput() {
  ReportInput input;
  auto* run = input.detail.mutable_run();
  run->set_run_id("r-1");
  run->set_scenario(kHostile);
  run->set_scenario_version("0123456789abcdef");
  run->set_reason(kHostile);
  run->set_verdict(rv1::RUN_VERDICT_FAILED);
  (*run->mutable_labels())["k"] = kHostile;
  rv1::TestResult* r = input.detail.add_results();
  r->set_scenario("s");
  r->set_test(kHostile);
  r->set_phase(rv1::PHASE_TEST);
  r->set_verdict(rv1::TEST_VERDICT_FAIL);
  r->set_reason(kHostile);
  r->set_expected_summary(kHostile);
  r->set_actual_summary(kHostile);
  r->set_proves(kHostile);
  rv1::Evidence* e = r->add_evidence();
  e->set_name("log`` | x");
  e->set_source(kHostile);
  e->set_message(kHostile);
  e->add_lines("a line with ``` fence\n# and a heading");
  rv1::TestResult* deferred = input.detail.add_results();
  deferred->set_test(kHostile);
  deferred->set_phase(rv1::PHASE_TEST);
  deferred->set_verdict(rv1::TEST_VERDICT_SKIPPED);
  deferred->set_reason(kHostile);
  rv1::ClaimResult* claim = input.detail.add_claims();
  claim->set_id(kHostile);
  claim->set_text(kHostile);
  claim->set_reference("https://example.org/a> <script>");
  claim->set_note(kHostile);
  return input;
}

TEST(MarkdownInjectionTest, HostileStringsStayText) {
  const std::string md = RenderMarkdown(HostileInput());
  bool in_fence = false;
  std::string fence;
  for (absl::string_view line : absl::StrSplit(md, '\n')) {
    absl::string_view bare = absl::StripLeadingAsciiWhitespace(line);
    if (absl::StartsWith(bare, "```")) {
      const std::string ticks(bare.substr(0, bare.find_first_not_of('`')));
      if (!in_fence) {
        in_fence = true;
        fence = ticks;
      } else if (ticks.size() >= fence.size() && bare.size() == ticks.size()) {
        in_fence = false;
      } else {
        ADD_FAILURE() << "a line inside a fenced block can close it: " << line;
      }
      continue;
    }
    if (in_fence) continue;
    EXPECT_FALSE(absl::StartsWith(line, "# Injected")) << line;
    if (absl::StartsWith(line, "#")) {
      EXPECT_THAT(line, Not(HasSubstr("Injected heading\n")));
    }
    EXPECT_FALSE(absl::StartsWith(line, "| forged")) << line;
    EXPECT_THAT(line, Not(HasSubstr("<script")));
    EXPECT_FALSE(HasUnescaped(line, "[click]")) << line;
    EXPECT_FALSE(HasUnescaped(line, "![img]")) << line;
    EXPECT_FALSE(HasUnescaped(line, "**bold**")) << line;
    // Every table row keeps the cell count of its header.
    if (absl::StartsWith(line, "| test |")) EXPECT_EQ(CellBoundaries(line), 7) << line;
    if (absl::StartsWith(line, "| ") && absl::StrContains(line, "FAIL")) {
      EXPECT_EQ(CellBoundaries(line), 7) << line;
    }
    if (absl::StartsWith(line, "| Labels |") || absl::StartsWith(line, "| Scenario |")) {
      EXPECT_EQ(CellBoundaries(line), 3) << line;
    }
  }
  EXPECT_FALSE(in_fence) << "a fenced block was left open";
}

TEST(MarkdownEscapeTest, CodeSpanCannotBeClosedByTheText) {
  EXPECT_EQ(MarkdownCodeSpan("a`b"), "`` a`b ``");
  EXPECT_EQ(MarkdownCodeSpan("a``b"), "``` a``b ```");
  EXPECT_EQ(MarkdownCodeSpan("plain"), "`plain`");
  EXPECT_EQ(MarkdownFence({"x", "a ```` b"}), "`````");
}

TEST(MarkdownEscapeTest, LinksOnlyForPlainWebUrls) {
  EXPECT_EQ(MarkdownLink("https://istio.io/docs"), "<https://istio.io/docs>");
  EXPECT_EQ(MarkdownLink("javascript:alert(1)"), "javascript:alert(1)");
  EXPECT_THAT(MarkdownLink("https://a> <script>"), Not(HasSubstr("<script")));
}

}  // namespace
}  // namespace meshproof::cli::report
