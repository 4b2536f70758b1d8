// The HTML report of the fixed run (report_fixture.h, with comparison and history) opened
// in headless Chromium from a file:// URL: no console errors or exceptions, no request but
// the file itself (the report is self-contained), the history grid on screen with one row
// per test and one cell per run, passed-on-retry drawn apart from a plain pass — checked
// in the DOM and in the pixels of the screenshot — and no horizontal overflow at desktop
// or phone width; at phone width with a long history the grid opens at the newest runs.
// Chromium is required: without it these tests fail and say how to get it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>
#include <string>

#include "absl/strings/str_format.h"
#include "clients/cli/report/html_report.h"
#include "tests/cli/headless_chromium.h"
#include "tests/cli/png_image.h"
#include "tests/cli/report_fixture.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::cli {
namespace {

using ::google::protobuf::Value;
using ::testing::ElementsAre;
using testing::HeadlessChromium;
using ::testing::IsEmpty;
using testing::PngImage;
using testing::Rgb;
using testing::Viewport;

// The grid's facts as the browser laid it out. The grid is scrolled to the top of the
// viewport first, so the boxes are where the screenshot shows them.
constexpr char kGridFacts[] = R"js((() => {
  const grid = document.querySelector('table.grid');
  if (!grid) return {found: false};
  grid.scrollIntoView({block: 'start'});
  const box = (el) => { const r = el.getBoundingClientRect();
                        return {x: r.left, y: r.top, w: r.width, h: r.height}; };
  const style = (el) => getComputedStyle(el);
  const rows = [...grid.querySelectorAll('tbody tr')];
  const cells = [...grid.querySelectorAll('tbody td.h')];
  const retry = grid.querySelectorAll('tbody td.h.retry');
  const pass = grid.querySelector('tbody td.h.pass');
  const stackHead = document.querySelector('table.stack thead');
  return {
    found: true,
    visible: style(grid).display !== 'none' && style(grid).visibility === 'visible',
    grid: box(grid),
    runColumns: grid.querySelectorAll('thead th.r').length,
    cellsPerRow: rows.map(r => r.querySelectorAll('td.h').length),
    smallestCell: Math.min(...cells.map(c => Math.min(box(c).w, box(c).h))),
    retryCount: retry.length,
    retry: retry.length ? box(retry[0]) : null,
    retryBackground: retry.length ? style(retry[0]).backgroundImage : '',
    pass: pass ? box(pass) : null,
    passBackground: pass ? style(pass).backgroundImage : '',
    viewportWidth: window.innerWidth,
    viewportHeight: window.innerHeight,
    documentWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
    stackHeadDisplay: stackHead ? style(stackHead).display : '',
  };
})())js";

double Number(const Value& facts, const char* key) {
  return facts.struct_value().fields().at(key).number_value();
}
const Value& Get(const Value& facts, const char* key) {
  return facts.struct_value().fields().at(key);
}

bool Near(const Rgb& a, const Rgb& b, int tolerance = 8) {
  return std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance &&
         std::abs(a.b - b.b) <= tolerance;
}

// How many pixels inside `box` (a CSS box; one CSS pixel is one image pixel here) are `colour`.
int CountColour(const PngImage& image, const Value& box, const Rgb& colour) {
  int count = 0;
  const int x0 = static_cast<int>(std::ceil(Number(box, "x"))),
            y0 = static_cast<int>(std::ceil(Number(box, "y")));
  const int x1 = static_cast<int>(Number(box, "x") + Number(box, "w")),
            y1 = static_cast<int>(Number(box, "y") + Number(box, "h"));
  for (int y = std::max(0, y0); y < std::min(image.height(), y1); ++y) {
    for (int x = std::max(0, x0); x < std::min(image.width(), x1); ++x)
      count += Near(image.At(x, y), colour);
  }
  return count;
}

constexpr Rgb kPassGreen{0x2e, 0x7d, 0x32};    // --pass in the report's CSS
constexpr Rgb kRetryYellow{0xf9, 0xa8, 0x25};  // --retry

class ReportInBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto binary = testing::FindChromium();
    // Fail, not skip: a machine set up with scripts/setup.sh has chromium, and a browser
    // check that silently does not run would let a broken report through.
    ASSERT_TRUE(binary.ok()) << binary.status().message();
    auto browser =
        HeadlessChromium::Start(*binary, dir_.File("profile"), dir_.File("chromium.log"));
    ASSERT_TRUE(browser.ok()) << browser.status().message() << "\n"
                              << meshproof::testing::ReadFileOrEmpty(dir_.File("chromium.log"));
    browser_ = std::move(*browser);
    report_path_ = dir_.WriteFile(
        "report.html", report::RenderHtml(testing::FixtureInput(/*with_comparison=*/true)));
    report_url_ = "file://" + report_path_;
  }

  // Where screenshots are kept: $MESHPROOF_SCREENSHOT_DIR (for a CI job to attach), else
  // the test's temporary directory.
  std::string ScreenshotPath(const std::string& name) {
    const char* dir = std::getenv("MESHPROOF_SCREENSHOT_DIR");
    return (dir != nullptr && *dir != '\0' ? std::string(dir) : dir_.path()) + "/" + name;
  }

  // Loads the report at `viewport` and checks what holds at every width: no errors, no
  // fetches, the grid laid out and on screen, retry cells distinct, no horizontal
  // overflow, and a screenshot of the right size that shows the grid's colours.
  Value CheckReportAt(const Viewport& viewport, const std::string& screenshot_name) {
    auto load = browser_->Load(report_url_, viewport);
    EXPECT_TRUE(load.ok()) << load.status().message();
    if (!load.ok()) return Value();
    EXPECT_THAT(load->errors, IsEmpty()) << "console errors or exceptions while loading the report";
    // Self-contained: the only request is the file itself (no fonts, images, styles, scripts).
    EXPECT_THAT(load->requests, ElementsAre(report_url_));

    auto evaluated = browser_->Evaluate(kGridFacts);
    EXPECT_TRUE(evaluated.ok()) << evaluated.status().message();
    if (!evaluated.ok()) return Value();
    const Value facts = *evaluated;
    EXPECT_TRUE(Get(facts, "found").bool_value()) << "no history grid in the report";
    if (!Get(facts, "found").bool_value()) return facts;

    // One row per test of the test phase, one cell per run in the history.
    const auto input = testing::FixtureInput(true);
    int tests = 0, retries = 0;
    std::set<std::string> runs;
    for (const auto& r : input.detail.results()) tests += r.phase() == result::v1::PHASE_TEST;
    for (const auto& [test, points] : input.history) {
      for (const auto& p : points) {
        runs.insert(p.run_id());
        retries += p.passed_on_retry();
      }
    }
    EXPECT_TRUE(Get(facts, "visible").bool_value());
    EXPECT_EQ(Number(facts, "runColumns"), static_cast<double>(runs.size()));
    const auto& per_row = Get(facts, "cellsPerRow").list_value().values();
    EXPECT_EQ(per_row.size(), static_cast<size_t>(tests));
    for (const Value& cells : per_row)
      EXPECT_EQ(cells.number_value(), static_cast<double>(runs.size()));
    EXPECT_GE(Number(facts, "smallestCell"), 10) << "grid squares collapsed";
    EXPECT_EQ(Number(facts, "retryCount"), retries);
    EXPECT_THAT(Get(facts, "retryBackground").string_value(),
                ::testing::HasSubstr("repeating-linear-gradient"));
    EXPECT_EQ(Get(facts, "passBackground").string_value(), "none")
        << "a plain pass must look different from a retry";

    // On screen: the grid starts inside the viewport and is not wider than the page.
    const Value& grid = Get(facts, "grid");
    EXPECT_GE(Number(grid, "y"), 0);
    EXPECT_LT(Number(grid, "y"), viewport.height);
    EXPECT_GT(Number(grid, "h"), 0);
    EXPECT_LE(Number(grid, "x") + Number(grid, "w"), Number(facts, "viewportWidth") + 0.5);
    EXPECT_EQ(Number(facts, "viewportWidth"), viewport.width);
    // No horizontal overflow: wide tables scroll inside their own box, the page does not.
    EXPECT_LE(Number(facts, "documentWidth"), Number(facts, "clientWidth"))
        << "the page scrolls sideways at " << viewport.width << " px";

    auto png = browser_->Screenshot();
    EXPECT_TRUE(png.ok()) << png.status().message();
    if (!png.ok()) return facts;
    std::ofstream(ScreenshotPath(screenshot_name), std::ios::binary) << *png;
    RecordProperty("screenshot_" + screenshot_name, ScreenshotPath(screenshot_name));
    auto image = PngImage::Decode(*png);
    EXPECT_TRUE(image.ok()) << image.status().message();
    if (!image.ok()) return facts;
    EXPECT_EQ(image->width(), viewport.width);
    EXPECT_EQ(image->height(), viewport.height);
    // The pixels show the grid: a pass square is solid green; the retry square has the
    // retry stripes' yellow, which no plain pass square has.
    EXPECT_TRUE(Get(facts, "pass").has_struct_value() && Get(facts, "retry").has_struct_value());
    if (!Get(facts, "pass").has_struct_value() || !Get(facts, "retry").has_struct_value())
      return facts;
    const Value& pass = Get(facts, "pass");
    EXPECT_GT(CountColour(*image, pass, kPassGreen), Number(pass, "w") * Number(pass, "h") / 2)
        << "the pass square is not green in " << ScreenshotPath(screenshot_name);
    EXPECT_EQ(CountColour(*image, pass, kRetryYellow), 0);
    EXPECT_GT(CountColour(*image, Get(facts, "retry"), kRetryYellow), 10)
        << "no retry stripes in the screenshot " << ScreenshotPath(screenshot_name);
    return facts;
  }

  meshproof::testing::TempDir dir_;
  std::unique_ptr<HeadlessChromium> browser_;
  std::string report_path_;
  std::string report_url_;
};

TEST_F(ReportInBrowserTest, DesktopShowsTheGridWithoutErrorsOrFetches) {
  const Value facts =
      CheckReportAt(Viewport{.width = 1280, .height = 800, .mobile = false}, "report-desktop.png");
  if (HasFailure()) return;
  EXPECT_NE(Get(facts, "stackHeadDisplay").string_value(), "none")
      << "tables are stacked on a desktop";
}

TEST_F(ReportInBrowserTest, PhoneWidthStacksTablesAndDoesNotOverflow) {
  const Value facts =
      CheckReportAt(Viewport{.width = 390, .height = 844, .mobile = true}, "report-phone.png");
  if (HasFailure()) return;
  // Below 640 px the tables become cards: their header rows are hidden.
  EXPECT_EQ(Get(facts, "stackHeadDisplay").string_value(), "none");
}

// Where the newest runs and the test names are right after loading, before anyone scrolls.
constexpr char kNewestFacts[] = R"js((() => {
  const grid = document.querySelector('table.grid');
  const box = grid.parentElement;
  const cur = grid.querySelector('tbody td.h.cur').getBoundingClientRect();
  const name = grid.querySelector('tbody td.t').getBoundingClientRect();
  return {boxScrolls: box.scrollWidth > box.clientWidth, viewportWidth: window.innerWidth,
          curLeft: cur.left, curRight: cur.right, nameLeft: name.left, nameRight: name.right};
})())js";

// A phone with 20 runs of history: the grid is wider than the screen, yet the newest run
// (this run's column) is on screen as the page opens, with the test names beside it.
TEST_F(ReportInBrowserTest, PhoneOpensTheGridAtTheNewestRuns) {
  report::ReportInput input = testing::FixtureInput(/*with_comparison=*/true);
  for (auto& [test, points] : input.history) {
    const store::v1::HistoryPoint newest = points.front();
    for (int i = 1; i <= 17; ++i) {
      store::v1::HistoryPoint p = newest;
      p.set_run_id(absl::StrFormat("run-%04d", 40 - i));
      p.mutable_started_at()->set_seconds(newest.started_at().seconds() - (i + 2) * 86400);
      points.push_back(p);
    }
  }
  const std::string url = "file://" + dir_.WriteFile("long.html", report::RenderHtml(input));
  auto load = browser_->Load(url, Viewport{.width = 390, .height = 844, .mobile = true});
  ASSERT_TRUE(load.ok()) << load.status().message();
  EXPECT_THAT(load->errors, IsEmpty());
  auto facts = browser_->Evaluate(kNewestFacts);
  ASSERT_TRUE(facts.ok()) << facts.status().message();
  // Meaningful only when the grid really is wider than the phone.
  EXPECT_TRUE(Get(*facts, "boxScrolls").bool_value()) << "the grid fits: nothing to check";
  const double width = Number(*facts, "viewportWidth");
  EXPECT_GE(Number(*facts, "curLeft"), 0) << "the newest run is scrolled out of view";
  EXPECT_LE(Number(*facts, "curRight"), width) << "the newest run is scrolled out of view";
  EXPECT_GE(Number(*facts, "nameLeft"), 0) << "the test names are scrolled out of view";
  EXPECT_LT(Number(*facts, "nameRight"), Number(*facts, "curLeft"));
}

// The checks above must be able to fail: a page with a console error, an uncaught
// exception and an external fetch is reported as such by the same harness.
TEST_F(ReportInBrowserTest, HarnessSeesErrorsExceptionsAndFetches) {
  const std::string bad = dir_.WriteFile(
      "bad.html",
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><link rel=\"icon\" "
      "href=\"data:,\"></head><body>"
      "<div style=\"width:3000px\">wide</div>"
      "<img src=\"http://127.0.0.1:9/pixel.png\">"
      "<script>console.error('broken on purpose'); throw new Error('thrown on purpose');</script>"
      "</body></html>");
  auto load = browser_->Load("file://" + bad, Viewport{});
  ASSERT_TRUE(load.ok()) << load.status().message();
  EXPECT_THAT(load->errors, ::testing::Contains(::testing::HasSubstr("broken on purpose")));
  EXPECT_THAT(load->errors, ::testing::Contains(::testing::HasSubstr("thrown on purpose")));
  EXPECT_THAT(load->requests, ::testing::Contains("http://127.0.0.1:9/pixel.png"));
  auto facts = browser_->Evaluate(kGridFacts);
  ASSERT_TRUE(facts.ok()) << facts.status().message();
  EXPECT_FALSE(Get(*facts, "found").bool_value());
  auto overflow = browser_->Evaluate(
      "document.documentElement.scrollWidth > document.documentElement.clientWidth");
  ASSERT_TRUE(overflow.ok()) << overflow.status().message();
  EXPECT_TRUE(overflow->bool_value());
}

}  // namespace
}  // namespace meshproof::cli
