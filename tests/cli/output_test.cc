// Tables are padded by the columns a terminal shows: "±" and accented letters take one,
// Hangul and other East Asian wide characters two, combining marks none.
#include "clients/cli/output.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "clients/cli/display_width.h"

namespace meshproof::cli {
namespace {

TEST(DisplayWidthTest, CountsColumnsNotBytes) {
  EXPECT_EQ(DisplayWidth(""), 0u);
  EXPECT_EQ(DisplayWidth("p95"), 3u);
  EXPECT_EQ(DisplayWidth("±3 ms"), 5u);           // "±" is two bytes, one column
  EXPECT_EQ(DisplayWidth("통과"), 4u);            // Hangul syllables: two columns each
  EXPECT_EQ(DisplayWidth("検証"), 4u);            // CJK ideographs
  EXPECT_EQ(DisplayWidth("ｔｅｓｔ"), 8u);        // fullwidth Latin
  EXPECT_EQ(DisplayWidth("e\u0301t\u00e9"), 3u);  // "é" as e + combining acute, then "té"
  EXPECT_EQ(DisplayWidth("a\u200Bb"), 2u);        // zero-width space
  EXPECT_EQ(DisplayWidth("\xff\xfe"), 2u);        // not UTF-8: one column a byte
  EXPECT_EQ(DisplayWidth("\xe2\x82"), 2u);        // a truncated sequence
}

TEST(DisplayWidthTest, CodePointWidthsAtTheRangeEdges) {
  EXPECT_EQ(CodePointWidth(U'\u10FF'), 1);
  EXPECT_EQ(CodePointWidth(U'\u1100'), 2);  // first Hangul initial jamo
  EXPECT_EQ(CodePointWidth(U'\u1160'), 0);  // first Hangul medial vowel
  EXPECT_EQ(CodePointWidth(U'\uABFF'), 1);
  EXPECT_EQ(CodePointWidth(U'\uAC00'), 2);  // 가
  EXPECT_EQ(CodePointWidth(U'\uD7A3'), 2);  // 힣
  EXPECT_EQ(CodePointWidth(U'\uD7A4'), 1);
  EXPECT_EQ(CodePointWidth(U'\u036F'), 0);
  EXPECT_EQ(CodePointWidth(U'\u0370'), 1);
  EXPECT_EQ(CodePointWidth(U'\U0001F600'), 2);
}

// The byte offset in `line` where column `column` starts.
size_t ByteAtColumn(const std::string& line, size_t column) {
  for (size_t i = 0; i <= line.size(); ++i) {
    if (DisplayWidth(line.substr(0, i)) == column) return i;
  }
  return std::string::npos;
}

TEST(TableTest, ColumnsLineUpWithKoreanTextAndPlusMinus) {
  Table table({"TEST", "결과", "LATENCY", "NOTE"});
  table.AddRow({"인그레스 라우팅", "통과", "12 ±3 ms", "ok"});
  table.AddRow({"egress", "실패", "7 ±1 ms", "re\u0301try"});
  table.AddRow({"mTLS 검증", "PASS", "100 ms", "x"});
  const std::string text = table.Render();
  const std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 4u) << text;
  // Widest first column: "인그레스 라우팅" = 7 wide characters + a space = 15 columns.
  const std::vector<size_t> starts = {0, 17, 23, 33};
  const std::vector<std::vector<std::string>> cells = {
      {"TEST", "결과", "LATENCY", "NOTE"},
      {"인그레스 라우팅", "통과", "12 ±3 ms", "ok"},
      {"egress", "실패", "7 ±1 ms", "re\u0301try"},
      {"mTLS 검증", "PASS", "100 ms", "x"}};
  for (size_t row = 0; row < lines.size(); ++row) {
    for (size_t column = 0; column < starts.size(); ++column) {
      const size_t at = ByteAtColumn(lines[row], starts[column]);
      ASSERT_NE(at, std::string::npos) << lines[row];
      EXPECT_EQ(lines[row].compare(at, cells[row][column].size(), cells[row][column]), 0)
          << "row " << row << " column " << column << ": " << lines[row];
    }
  }
  EXPECT_EQ(lines[2], "egress           실패  7 ±1 ms   re\u0301try");
}

}  // namespace
}  // namespace meshproof::cli
