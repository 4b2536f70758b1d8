// One poll of a file log source holds a bounded number of lines: a log that grew by far
// more lines than one read takes gives the first ones and a gap saying later lines were
// not read, so "no matching line" can never be concluded from a partial read.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "services/probe-agent/log_source.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::agent {
namespace {

using ::testing::HasSubstr;

TEST(LogSourceBoundsTest, AFloodOfLinesIsCutWithAGap) {
  ::meshproof::testing::TempDir dir;
  const std::string path = dir.WriteFile("access.log", "before\n");
  FileLogSource source(path);
  auto position = source.Position();
  ASSERT_TRUE(position.ok()) << position.status();
  {
    std::ofstream out(path, std::ios::app);
    const std::string flood(300000, '\n');  // 300 000 empty lines, 300 KB
    out << flood;
  }
  auto lines = source.LinesSince(*position);
  ASSERT_TRUE(lines.ok()) << lines.status();
  EXPECT_LE(lines->size(), 200000u);
  EXPECT_THAT(source.Gap(), HasSubstr("later lines were not read"));
}

TEST(LogSourceBoundsTest, AnOrdinaryLogHasNoGap) {
  ::meshproof::testing::TempDir dir;
  const std::string path = dir.WriteFile("access.log", "before\n");
  FileLogSource source(path);
  auto position = source.Position();
  ASSERT_TRUE(position.ok());
  {
    std::ofstream out(path, std::ios::app);
    for (int i = 0; i < 1000; ++i) out << "line " << i << "\n";
  }
  auto lines = source.LinesSince(*position);
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ(lines->size(), 1000u);
  EXPECT_EQ(source.Gap(), "");
}

}  // namespace
}  // namespace meshproof::agent
