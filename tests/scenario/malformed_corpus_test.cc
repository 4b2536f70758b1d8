// Every file under malformed/ is a broken scenario; its .expected file holds the exact
// first diagnostic (location and message) the parser must report. Nothing is returned.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/strip.h"
#include "services/scenario/scenario_parser.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::scenario {
namespace {

namespace fs = std::filesystem;

std::string CorpusDir() { return std::string(MESHPROOF_SOURCE_DIR) + "/tests/scenario/malformed"; }

std::vector<std::string> CorpusFiles() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(CorpusDir())) {
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class MalformedScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MalformedScenarioTest, ReportsTheExpectedFirstDiagnostic) {
  const std::string base = CorpusDir() + "/" + GetParam();
  const std::string yaml = testing::ReadFileOrEmpty(base + ".yaml");
  const std::string expected =
      std::string(absl::StripTrailingAsciiWhitespace(testing::ReadFileOrEmpty(base + ".expected")));
  ASSERT_FALSE(expected.empty()) << "missing " << base << ".expected";

  ParseOptions options;
  options.file_name = GetParam() + ".yaml";
  std::vector<Diagnostic> diagnostics;
  auto parsed = ParseScenario(yaml, options, &diagnostics);
  ASSERT_FALSE(parsed.ok()) << "a malformed scenario was accepted";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_FALSE(diagnostics.empty());
  EXPECT_EQ(diagnostics.front().ToString(), expected);
  // The status message carries every diagnostic, the first one first.
  EXPECT_EQ(std::string(parsed.status().message()).substr(0, expected.size()), expected);
}

INSTANTIATE_TEST_SUITE_P(Corpus, MalformedScenarioTest, ::testing::ValuesIn(CorpusFiles()),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(MalformedCorpusTest, HoldsAtLeastFortyFiveCases) { EXPECT_GE(CorpusFiles().size(), 45u); }

}  // namespace
}  // namespace meshproof::scenario
