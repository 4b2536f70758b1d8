// The option table: defaults, the strict configuration file (unknown keys and wrong types
// named with FILE:LINE:COLUMN), flags winning over the file, required options, checks,
// and --help naming every row.
#include "services/common/bootstrap/option_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "services/common/bootstrap/command_line.h"
#include "services/common/server_runner.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::bootstrap {
namespace {

using ::meshproof::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

// A table with one row of every type.
struct Settings {
  std::string name = "default-name";
  std::string path;
  bool on = false;
  int count = 3;
  absl::Duration wait = absl::Seconds(5);
  std::string mode = "fast";
  std::string only_flag;
  std::string only_file;
  std::vector<std::string> items;
};

void Declare(OptionTable* table, Settings* s) {
  table->String("name", &s->name, "a name");
  table->Path("path", &s->path, "a file");
  table->Bool("on", &s->on, "a switch");
  table->Int("count", &s->count, 1, 10, "a count");
  table->Duration("wait", &s->wait, "a wait");
  table->Choice("mode", &s->mode, {"fast", "SAFE"}, "a mode");
  table->String("only-flag", &s->only_flag, "command line only").FlagOnly();
  table->String("only-file", &s->only_file, "file only").FileOnly();
  table->Section("items", "a list", [s](const scenario::YamlField& f) { f.StringList(&s->items); });
}

// Runs ParseCommandLine over `args` (the program name is added).
std::optional<int> Parse(OptionTable& table, std::vector<std::string> args) {
  args.insert(args.begin(), "meshproof-test");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  return ParseCommandLine(table, {"meshproof-test", "a test binary", "test"},
                          static_cast<int>(argv.size()), argv.data());
}

TEST(OptionTableTest, DefaultsStayWhenNothingIsGiven) {
  Settings s;
  OptionTable table;
  Declare(&table, &s);
  EXPECT_EQ(Parse(table, {}), std::nullopt);
  EXPECT_EQ(s.name, "default-name");
  EXPECT_EQ(s.count, 3);
  EXPECT_EQ(s.wait, absl::Seconds(5));
  EXPECT_FALSE(s.on);
}

TEST(OptionTableTest, TheFileSetsEveryTypeAndSections) {
  Settings s;
  OptionTable table;
  Declare(&table, &s);
  MP_ASSERT_OK(
      table.ReadFile("name: n\npath: /p\non: true\ncount: 7\nwait: 1m\nmode: safe\n"
                     "only_file: x\nitems: [a, b]\n",
                     "f.yaml"));
  EXPECT_EQ(s.name, "n");
  EXPECT_EQ(s.path, "/p");
  EXPECT_TRUE(s.on);
  EXPECT_EQ(s.count, 7);
  EXPECT_EQ(s.wait, absl::Minutes(1));
  EXPECT_EQ(s.mode, "SAFE");  // the declared spelling, whatever the case written
  EXPECT_EQ(s.only_file, "x");
  EXPECT_EQ(s.items, (std::vector<std::string>{"a", "b"}));
}

TEST(OptionTableTest, AFlagWinsOverTheFileWhichWinsOverTheDefault) {
  ::meshproof::testing::TempDir dir;
  const std::string config = dir.WriteFile("c.yaml", "name: from-file\ncount: 7\non: true\n");
  Settings s;
  OptionTable table;
  Declare(&table, &s);
  EXPECT_EQ(Parse(table, {"--config", config, "--count", "9", "--wait=2s"}), std::nullopt);
  EXPECT_EQ(s.name, "from-file");       // file over default
  EXPECT_EQ(s.count, 9);                // flag over file
  EXPECT_EQ(s.wait, absl::Seconds(2));  // flag over default
  EXPECT_TRUE(s.on);
}

TEST(OptionTableTest, AnUnknownKeyIsNamedWithLineAndColumn) {
  Settings s;
  OptionTable table;
  Declare(&table, &s);
  EXPECT_THAT(table.ReadFile("name: n\n  # comment\ncounts: 3\n", "f.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("f.yaml:3:1: unknown key \"counts\"; did you mean \"count\"?")));
  // A command-line-only option has no key.
  EXPECT_THAT(table.ReadFile("only_flag: x\n", "f.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("f.yaml:1:1: unknown key \"only_flag\"")));
  EXPECT_THAT(
      table.ReadFile("name: a\nname: b\n", "f.yaml"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("f.yaml:2:1: name: duplicate")));
}

TEST(OptionTableTest, AWrongTypeIsNamedWithWhatWasExpected) {
  Settings s;
  OptionTable table;
  Declare(&table, &s);
  EXPECT_THAT(
      table.ReadFile("count: many\n", "f.yaml"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("f.yaml:1:8: count: expected a whole number 1..10, got \"many\"")));
  EXPECT_THAT(table.ReadFile("count: 11\n", "f.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("count: expected")));
  EXPECT_THAT(table.ReadFile("path: [a]\n", "f.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("f.yaml:1:7: path: expected a file path, got a list")));
  EXPECT_THAT(
      table.ReadFile("path: \"\"\n", "f.yaml"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("path: expected a file path")));
  EXPECT_THAT(table.ReadFile("wait: -1s\n", "f.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("wait: expected a positive")));
  EXPECT_THAT(
      table.ReadFile("on: maybe\n", "f.yaml"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("on: expected true or false")));
  EXPECT_THAT(
      table.ReadFile("mode: slow\n", "f.yaml"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mode: expected fast or SAFE")));
  EXPECT_THAT(table.ReadFile("name:\n", "f.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name: expected a string")));
  EXPECT_THAT(table.ReadFile("- a\n", "f.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected a mapping")));
  EXPECT_THAT(table.ReadFile("a: [\n", "f.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not valid YAML")));
  MP_EXPECT_OK(table.ReadFile("", "f.yaml"));
}

TEST(OptionTableTest, BadFlagsAndBadFilesExitTwo) {
  ::meshproof::testing::TempDir dir;
  {
    Settings s;
    OptionTable table;
    Declare(&table, &s);
    EXPECT_EQ(Parse(table, {"--count", "0"}), kExitUsage);
  }
  {
    Settings s;
    OptionTable table;
    Declare(&table, &s);
    EXPECT_EQ(Parse(table, {"--no-such-flag"}), kExitUsage);
  }
  {
    Settings s;
    OptionTable table;
    Declare(&table, &s);
    EXPECT_EQ(Parse(table, {"--only-file", "x"}), kExitUsage);  // not a flag
  }
  {
    Settings s;
    OptionTable table;
    Declare(&table, &s);
    EXPECT_EQ(Parse(table, {"--config", dir.WriteFile("bad.yaml", "nope: 1\n")}), kExitUsage);
  }
  {
    Settings s;
    OptionTable table;
    Declare(&table, &s);
    EXPECT_EQ(Parse(table, {"--config", dir.File("missing.yaml")}), kExitUsage);
  }
}

TEST(OptionTableTest, ARequiredOptionMustBeGiven) {
  std::string value;
  OptionTable table;
  table.String("needed", &value, "must be given").Required();
  MP_ASSERT_OK(table.ReadFile("", "f.yaml"));
  EXPECT_THAT(table.Finish(), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("--needed or the configuration key needed: "
                                                 "required")));
  EXPECT_EQ(Parse(table, {}), kExitUsage);

  OptionTable by_file;
  by_file.String("needed", &value, "must be given").Required();
  MP_ASSERT_OK(by_file.ReadFile("needed: yes\n", "f.yaml"));
  MP_EXPECT_OK(by_file.Finish());
  EXPECT_EQ(value, "yes");

  OptionTable by_flag;
  by_flag.String("needed", &value, "must be given").Required();
  EXPECT_EQ(Parse(by_flag, {"--needed", "x"}), std::nullopt);
}

TEST(OptionTableTest, ChecksRunAfterEveryValueIsIn) {
  int low = 1, high = 5;
  OptionTable table;
  table.Int("low", &low, 0, 100, "");
  table.Int("high", &high, 0, 100, "");
  table.Check([&]() -> absl::Status {
    if (low > high) return absl::InvalidArgumentError("low: must not exceed high");
    return absl::OkStatus();
  });
  MP_ASSERT_OK(table.ReadFile("low: 9\n", "f.yaml"));
  EXPECT_THAT(table.Finish(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("low:")));
  EXPECT_EQ(Parse(table, {"--high", "10"}), std::nullopt);
}

TEST(OptionTableTest, HelpNamesEveryFlagWithItsKeyAndDefault) {
  Settings s;
  OptionTable table;
  Declare(&table, &s);
  const std::string help = HelpText(table, {"meshproof-test", "a test binary", "test"});
  for (const OptionRow& row : table.rows()) {
    if (row.has_flag) {
      EXPECT_THAT(help, HasSubstr("--" + row.name)) << help;
    } else {
      EXPECT_THAT(help, Not(HasSubstr("--" + row.name + " "))) << help;
    }
    if (!row.key.empty() && row.has_flag) EXPECT_THAT(help, HasSubstr("key: " + row.key)) << help;
    if (!row.has_flag) EXPECT_THAT(help, HasSubstr("  " + row.key + ": " + row.help)) << help;
  }
  for (const SectionRow& section : table.sections()) {
    EXPECT_THAT(help, HasSubstr("  " + section.key + ": " + section.help)) << help;
  }
  EXPECT_THAT(help, HasSubstr("--config"));
  EXPECT_THAT(help, HasSubstr("default: default-name"));
  const std::string reference = table.MarkdownReference();
  for (const OptionRow& row : table.rows()) EXPECT_THAT(reference, HasSubstr(row.help));
  EXPECT_THAT(reference, HasSubstr("`items`"));
}

}  // namespace
}  // namespace meshproof::bootstrap
