// File log sources: new complete lines since the noted offset, truncation and rotation.
#include "services/probe-agent/log_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>

#include "tests/testing/temp_dir.h"

namespace meshproof::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
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

TEST(FileLogSourceTest, ATruncatedFileIsReadFromItsStartAndSaysLinesMayBeLost) {
  testing::TempDir dir;
  const std::string path = dir.WriteFile("egress.log", "a long line before truncation\n");
  FileLogSource source(path);
  const uint64_t position = *source.Position();
  EXPECT_EQ(source.Gap(), "");
  dir.WriteFile("egress.log", "fresh\n");  // same inode, shorter
  EXPECT_THAT(*source.LinesSince(position), ElementsAre("fresh"));
  EXPECT_THAT(source.Gap(), HasSubstr("truncated while it was read (copytruncate rotation)"));
}

TEST(FileLogSourceTest, ATruncationIsRememberedWhenTheFileRegrowsPastTheOldSize) {
  testing::TempDir dir;
  const std::string path = dir.WriteFile("egress.log", "old line one\nold line two\n");
  FileLogSource source(path);
  const uint64_t position = *source.Position();
  Append(path, "written before the copy\n");
  EXPECT_THAT(*source.LinesSince(position), ElementsAre("written before the copy"));
  // copytruncate between two polls, then the writer appends more than there was.
  {
    std::ofstream(path, std::ios::trunc)
        << "after the truncation, a much longer line than before\n";
  }
  EXPECT_THAT(*source.LinesSince(position),
              ElementsAre("after the truncation, a much longer line than before"));
  EXPECT_THAT(source.Gap(), HasSubstr("truncated"));
  Append(path, "next\n");
  // Still read from the start: the old offset means nothing in the new content.
  EXPECT_THAT(*source.LinesSince(position),
              ElementsAre("after the truncation, a much longer line than before", "next"));
}

TEST(FileLogSourceTest, ATruncationRegrownToTheSameSizeIsSeenByItsContent) {
  testing::TempDir dir;
  const std::string path = dir.WriteFile("egress.log", "aaaa\n");
  FileLogSource source(path);
  const uint64_t position = *source.Position();
  // Truncated and rewritten between two polls to more than the old size.
  { std::ofstream(path, std::ios::trunc) << "bbbb\ncccc\n"; }
  EXPECT_THAT(*source.LinesSince(position), ElementsAre("bbbb", "cccc"));
  EXPECT_THAT(source.Gap(), HasSubstr("truncated"));
}

TEST(FileLogSourceTest, ARenamedFileIsFollowedToItsEndAndTheNewFileReadFromItsStart) {
  testing::TempDir dir;
  const std::string path = dir.WriteFile("egress.log", "x\n");
  std::ofstream writer(path, std::ios::app);  // the gateway's descriptor
  FileLogSource source(path);
  const uint64_t position = *source.Position();
  ASSERT_EQ(std::rename(path.c_str(), dir.File("egress.log.1").c_str()), 0);
  // The writer has not reopened yet: its lines go to the renamed file.
  writer << "old writer 1\n" << std::flush;
  EXPECT_THAT(*source.LinesSince(position), ElementsAre("old writer 1"));
  // It reopens: the new file at the path, already longer than the old position.
  dir.WriteFile("egress.log", "new 1\nnew 2\n");
  writer << "old writer 2\n" << std::flush;
  EXPECT_THAT(*source.LinesSince(position),
              ElementsAre("old writer 1", "old writer 2", "new 1", "new 2"));
  EXPECT_EQ(source.Gap(), "");  // nothing was lost
}

TEST(FileLogSourceTest, OnlyRegularFilesAreRead) {
  testing::TempDir dir;
  const std::string fifo = dir.File("pipe");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  FileLogSource source(fifo);
  auto position = source.Position();  // must not block waiting for a writer
  EXPECT_EQ(position.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(position.status().message()), HasSubstr("not a regular file"));
  FileLogSource directory(dir.path());
  EXPECT_FALSE(directory.Position().ok());
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
