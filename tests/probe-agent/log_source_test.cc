// File log sources: new complete lines since the noted offset, truncation and rotation.
#include "services/probe-agent/log_source.h"

#include <cstdio>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/temp_dir.h"

namespace meshproof::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

void Append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::app) << text;
}

TEST(CompleteLinesTest, KeepsOnlyNewlineTerminatedLines) {
  EXPECT_THAT(CompleteLines("a\nb\npartial"), ElementsAre("a", "b"));
  EXPECT_THAT(CompleteLines("partial"), IsEmpty());
  EXPECT_THAT(CompleteLines("a\n\nb\n"), ElementsAre("a", "", "b"));
}

TEST(FileLogSourceTest, ReadsOnlyLinesWrittenAfterThePosition) {
  testing::TempDir dir;
  const std::string path = dir.WriteFile("egress.log", "before 1\nbefore 2\n");
  FileLogSource source(path);
  auto position = source.Position();
  ASSERT_TRUE(position.ok()) << position.status();
  EXPECT_EQ(*position, 18u);
  EXPECT_THAT(*source.LinesSince(*position), IsEmpty());
  Append(path, "after 1\nafter 2 still being writ");
  EXPECT_THAT(*source.LinesSince(*position), ElementsAre("after 1"));
  Append(path, "ten\n");
  EXPECT_THAT(*source.LinesSince(*position), ElementsAre("after 1", "after 2 still being written"));
}

TEST(FileLogSourceTest, ATruncatedFileIsReadFromItsStart) {
  testing::TempDir dir;
  const std::string path = dir.WriteFile("egress.log", "a long line before truncation\n");
  FileLogSource source(path);
  const uint64_t position = *source.Position();
  dir.WriteFile("egress.log", "fresh\n");  // same inode, shorter
  EXPECT_THAT(*source.LinesSince(position), ElementsAre("fresh"));
}

TEST(FileLogSourceTest, ARotatedFileIsReadFromItsStart) {
  testing::TempDir dir;
  const std::string path = dir.WriteFile("egress.log", "x\n");
  FileLogSource source(path);
  const uint64_t position = *source.Position();
  ASSERT_EQ(std::rename(path.c_str(), dir.File("egress.log.1").c_str()), 0);
  // The new file is already longer than the old position: only the inode tells.
  dir.WriteFile("egress.log", "new 1\nnew 2\n");
  EXPECT_THAT(*source.LinesSince(position), ElementsAre("new 1", "new 2"));
}

TEST(FileLogSourceTest, AMissingFileIsUnavailable) {
  testing::TempDir dir;
  FileLogSource source(dir.File("absent.log"));
  auto position = source.Position();
  EXPECT_EQ(position.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(position.status().message()), ::testing::HasSubstr("absent.log"));
  EXPECT_EQ(source.Describe(), "file " + dir.File("absent.log"));
}

}  // namespace
}  // namespace meshproof::agent
