// The strict YAML reader: paths, positions, unknown and duplicate keys, scalar types.
#include "services/scenario/yaml_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/time_util.h"

namespace meshproof::scenario {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Loads `yaml` and reads it through a YamlField rooted at path "root".
class YamlReaderTest : public ::testing::Test {
 protected:
  YamlField Load(const std::string& yaml, bool substitute = true) {
    vars_ = std::make_unique<VarSubstituter>(
        std::map<std::string, std::string>{{"PORT", "8080"}, {"WAIT", "3s"}}, substitute,
        std::set<std::string>{"REQUIRED"});
    return YamlField(YAML::Load(yaml), "root", &sink_, vars_.get());
  }
  std::vector<std::string> Messages() {
    std::vector<std::string> out;
    for (const Diagnostic& d : sink_.Take()) out.push_back(d.ToString());
    return out;
  }

  DiagnosticCollector sink_{"f.yaml"};
  std::unique_ptr<VarSubstituter> vars_;
};

TEST_F(YamlReaderTest, UnknownKeyGetsTheNearestValidKey) {
  YamlField f = Load("url: x\ntimout: 2s\n");
  EXPECT_TRUE(f.CheckMap({"url", "timeout", "connect_timeout"}));
  EXPECT_THAT(
      Messages(),
      ElementsAre("f.yaml:2:1: root.timout: unknown key \"timout\"; did you mean \"timeout\"?"));
}

TEST_F(YamlReaderTest, UnknownKeyFarFromAllListsTheValidKeys) {
  YamlField f = Load("zzzzzz: 1\n");
  f.CheckMap({"url", "timeout"});
  EXPECT_THAT(Messages(), ElementsAre("f.yaml:1:1: root.zzzzzz: unknown key \"zzzzzz\"; "
                                      "expected one of: url, timeout"));
}

TEST_F(YamlReaderTest, DuplicateKeyPointsAtTheFirst) {
  YamlField f = Load("url: a\nurl: b\n");
  f.CheckMap({"url"});
  EXPECT_THAT(Messages(),
              ElementsAre("f.yaml:2:1: root.url: duplicate key \"url\" (first defined at 1:1)"));
}

TEST_F(YamlReaderTest, ChildPathsAndPositions) {
  YamlField f = Load("a:\n  - {b: fast}\n");
  std::vector<YamlField> items;
  ASSERT_TRUE(f.Child("a").Items(&items));
  ASSERT_EQ(items.size(), 1u);
  google::protobuf::Duration d;
  EXPECT_FALSE(items[0].Child("b").Duration(absl::Minutes(10), &d));
  EXPECT_THAT(Messages(), ElementsAre("f.yaml:2:9: root.a[0].b: expected a duration like 500ms "
                                      "or 2s, got \"fast\""));
}

TEST_F(YamlReaderTest, AMapWhereAStringIsExpected) {
  std::string out;
  EXPECT_FALSE(Load("{a: 1}").String(&out));
  EXPECT_FALSE(Load("[1, 2]").String(&out));
  EXPECT_THAT(Messages(), ElementsAre("f.yaml:1:1: root: expected a string, got a map",
                                      "f.yaml:1:1: root: expected a string, got a list"));
}

TEST_F(YamlReaderTest, RequiredStringMustNotBeEmpty) {
  std::string out;
  EXPECT_FALSE(Load("a: 1").Child("name").NonEmptyString(&out));
  EXPECT_FALSE(Load("\"  \"").NonEmptyString(&out));
  EXPECT_THAT(Messages(), ElementsAre("f.yaml:1:1: root.name: is required and must not be empty",
                                      "f.yaml:1:1: root: must not be empty"));
}

TEST_F(YamlReaderTest, IntegersAreCheckedForTypeAndRange) {
  int64_t value = 0;
  EXPECT_TRUE(Load("42").Int(1, 100, &value));
  EXPECT_EQ(value, 42);
  EXPECT_TRUE(Load("\"${PORT}\"").Int(1, 65535, &value));
  EXPECT_EQ(value, 8080);
  EXPECT_FALSE(Load("4.5").Int(1, 100, &value));
  EXPECT_FALSE(Load("0").Int(1, 100, &value));
  EXPECT_THAT(Messages(), ElementsAre("f.yaml:1:1: root: expected an integer, got \"4.5\"",
                                      "f.yaml:1:1: root: must be between 1 and 100, got 0"));
}

TEST_F(YamlReaderTest, BooleansAreOnlyTrueOrFalse) {
  bool flag = true;
  EXPECT_TRUE(Load("false").Bool(&flag));
  EXPECT_FALSE(flag);
  EXPECT_FALSE(Load("yes").Bool(&flag));
  EXPECT_THAT(Messages(), ElementsAre("f.yaml:1:1: root: expected true or false, got \"yes\""));
}

TEST_F(YamlReaderTest, DurationsNeedAUnitAndABound) {
  google::protobuf::Duration d;
  EXPECT_TRUE(Load("1m30s").Duration(absl::Minutes(10), &d));
  EXPECT_EQ(FromProtoDuration(d), absl::Seconds(90));
  EXPECT_TRUE(Load("500ms").Duration(absl::Minutes(10), &d));
  EXPECT_EQ(FromProtoDuration(d), absl::Milliseconds(500));
  EXPECT_TRUE(Load("${WAIT}").Duration(absl::Minutes(10), &d));
  EXPECT_EQ(FromProtoDuration(d), absl::Seconds(3));
  EXPECT_FALSE(Load("5").Duration(absl::Minutes(10), &d));
  EXPECT_FALSE(Load("0s").Duration(absl::Minutes(10), &d));
  EXPECT_FALSE(Load("-1s").Duration(absl::Minutes(10), &d));
  EXPECT_FALSE(Load("11m").Duration(absl::Minutes(10), &d));
  EXPECT_THAT(Messages(),
              ElementsAre("f.yaml:1:1: root: expected a duration like 500ms or 2s, got \"5\"",
                          "f.yaml:1:1: root: must be positive, got \"0s\"",
                          "f.yaml:1:1: root: must be positive, got \"-1s\"",
                          "f.yaml:1:1: root: must be at most 10m, got \"11m\""));
}

TEST_F(YamlReaderTest, UnsubstitutedTypedReferenceIsAcceptedAndNoted) {
  int64_t value = 0;
  EXPECT_FALSE(sink_.saw_typed_reference());
  EXPECT_TRUE(Load("\"${PORT}\"", /*substitute=*/false).Int(1, 65535, &value));
  EXPECT_EQ(value, 1);  // a placeholder: the lowest valid value
  EXPECT_TRUE(sink_.saw_typed_reference());
  EXPECT_THAT(Messages(), IsEmpty());
}

TEST_F(YamlReaderTest, UndefinedAndValuelessVariablesAreNamed) {
  std::string out;
  EXPECT_FALSE(Load("${NOPE}").String(&out));
  EXPECT_FALSE(Load("${REQUIRED}").String(&out));
  const std::vector<std::string> messages = Messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_THAT(messages[0], ::testing::HasSubstr("undefined variable ${NOPE}"));
  EXPECT_THAT(messages[1],
              ::testing::HasSubstr("${REQUIRED} is declared without a default (~) and no value"));
}

TEST_F(YamlReaderTest, EntriesKeepFileOrder) {
  std::vector<std::pair<std::string, YamlField>> entries;
  ASSERT_TRUE(Load("z: 1\na: 2\nm: 3\n").Entries(&entries));
  std::vector<std::string> keys;
  for (const auto& [key, value] : entries) keys.push_back(key);
  EXPECT_THAT(keys, ElementsAre("z", "a", "m"));
}

TEST_F(YamlReaderTest, ListsAreBounded) {
  std::string yaml = "[";
  for (int i = 0; i < 1001; ++i) yaml += "1,";
  yaml += "1]";
  std::vector<YamlField> items;
  EXPECT_FALSE(Load(yaml).Items(&items));
  EXPECT_THAT(Messages(), ElementsAre("f.yaml:1:1: root: has more than 1000 items"));
}

TEST_F(YamlReaderTest, LongStringsAreRejected) {
  std::string out;
  EXPECT_FALSE(Load(std::string(64 * 1024 + 1, 'a')).String(&out));
  EXPECT_THAT(Messages(), ElementsAre("f.yaml:1:1: root: is longer than 65536 bytes"));
}

TEST(DiagnosticTest, ToStringLeavesOutWhatIsUnknown) {
  EXPECT_EQ((Diagnostic{"f.yaml", 3, 7, "tests[0].name", "bad"}).ToString(),
            "f.yaml:3:7: tests[0].name: bad");
  EXPECT_EQ((Diagnostic{"f.yaml", 0, 0, "name", "bad"}).ToString(), "f.yaml: name: bad");
  EXPECT_EQ((Diagnostic{"", 0, 0, "", "bad"}).ToString(), "bad");
}

TEST(DiagnosticTest, SortsByLineThenColumnKeepingTies) {
  std::vector<Diagnostic> d = {
      {"f", 5, 1, "", "c"}, {"f", 2, 9, "", "b"}, {"f", 2, 3, "", "a"}, {"f", 5, 1, "", "d"}};
  SortDiagnostics(&d);
  std::vector<std::string> order;
  for (const auto& x : d) order.push_back(x.message);
  EXPECT_THAT(order, ElementsAre("a", "b", "c", "d"));
}

}  // namespace
}  // namespace meshproof::scenario
