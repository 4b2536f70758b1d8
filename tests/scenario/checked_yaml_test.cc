// LoadCheckedYaml: the tree it builds in one pass is the tree YAML::Load builds (values,
// tags, styles, marks), and hostile shapes are refused with the place they start.
#include "services/scenario/checked_yaml.h"

#include <gtest/gtest.h>

#include <string>

#include "services/scenario/limits.h"

namespace meshproof::scenario {
namespace {

// Fails the test at the first difference between the two trees.
void ExpectSameTree(const YAML::Node& want, const YAML::Node& got, const std::string& path) {
  ASSERT_EQ(want.Type(), got.Type()) << path;
  EXPECT_EQ(want.Tag(), got.Tag()) << path;
  EXPECT_EQ(want.Style(), got.Style()) << path;
  EXPECT_EQ(want.Mark().line, got.Mark().line) << path;
  EXPECT_EQ(want.Mark().column, got.Mark().column) << path;
  EXPECT_EQ(want.Mark().pos, got.Mark().pos) << path;
  switch (want.Type()) {
    case YAML::NodeType::Scalar: EXPECT_EQ(want.Scalar(), got.Scalar()) << path; break;
    case YAML::NodeType::Sequence:
      ASSERT_EQ(want.size(), got.size()) << path;
      for (size_t i = 0; i < want.size(); ++i)
        ExpectSameTree(want[i], got[i], path + "[" + std::to_string(i) + "]");
      break;
    case YAML::NodeType::Map: {
      ASSERT_EQ(want.size(), got.size()) << path;
      auto w = want.begin();
      auto g = got.begin();
      for (; w != want.end(); ++w, ++g) {
        ExpectSameTree(w->first, g->first, path + "{key}");
        ExpectSameTree(w->second, g->second, path + "." + w->first.Scalar());
      }
      break;
    }
    default: break;
  }
}

TEST(CheckedYamlTest, BuildsTheSameTreeAsYamlLoad) {
  const std::string text = R"(apiVersion: meshproof/v1
kind: Scenario
name: "quoted"
labels: {team: a, 'x y': "1"}
defaults: {parallelism: 4, timeout: 10s}
empty:
tilde: ~
tests:
  - name: t1
    http: {url: "http://a/", resolve: [a:80:127.0.0.1, 'b:80:127.0.0.2']}
  - name: t2
    expect:
      status: [200, 204]
      body: |
        line one
        line two
  - [nested, [deeper, {k: v}]]
  - !custom tagged
? [complex, key]
: value
)";
  const CheckedYaml loaded = LoadCheckedYaml(text);
  ASSERT_EQ(loaded.problem, CheckedYaml::Problem::kNone) << loaded.message;
  ExpectSameTree(YAML::Load(text), loaded.root, "");
  EXPECT_EQ(loaded.root["tests"][0]["http"]["resolve"][1].as<std::string>(), "b:80:127.0.0.2");
  EXPECT_TRUE(loaded.root["tilde"].IsNull());
}

TEST(CheckedYamlTest, AnEmptyDocumentIsNull) {
  for (const std::string text : {"", "# only a comment\n", "---\n"}) {
    const CheckedYaml loaded = LoadCheckedYaml(text);
    ASSERT_EQ(loaded.problem, CheckedYaml::Problem::kNone) << text;
    EXPECT_TRUE(!loaded.root.IsDefined() || loaded.root.IsNull()) << text;
  }
}

TEST(CheckedYamlTest, RefusesAnchorsAndAliasesWhereTheyAre) {
  CheckedYaml loaded = LoadCheckedYaml("a: &x 1\nb: 2\n");
  ASSERT_EQ(loaded.problem, CheckedYaml::Problem::kRefusedShape);
  EXPECT_EQ(loaded.message, "YAML anchors (&name) are not supported");
  EXPECT_EQ(loaded.mark.line, 0);

  loaded = LoadCheckedYaml("a: 1\nb: *x\n");
  // yaml-cpp refuses an alias to an unknown anchor itself.
  EXPECT_NE(loaded.problem, CheckedYaml::Problem::kNone);
}

TEST(CheckedYamlTest, RefusesASecondDocument) {
  const CheckedYaml loaded = LoadCheckedYaml("a: 1\n---\nb: 2\n");
  ASSERT_EQ(loaded.problem, CheckedYaml::Problem::kRefusedShape);
  EXPECT_EQ(loaded.message, "expected one YAML document, found a second one");
  EXPECT_EQ(loaded.mark.line, 1);
}

TEST(CheckedYamlTest, RefusesDeepNesting) {
  const std::string text = std::string(kMaxDepth + 1, '[') + std::string(kMaxDepth + 1, ']');
  const CheckedYaml loaded = LoadCheckedYaml(text);
  ASSERT_EQ(loaded.problem, CheckedYaml::Problem::kRefusedShape);
  EXPECT_EQ(loaded.message, "nesting deeper than " + std::to_string(kMaxDepth) + " levels");

  const std::string allowed = std::string(kMaxDepth, '[') + std::string(kMaxDepth, ']');
  EXPECT_EQ(LoadCheckedYaml(allowed).problem, CheckedYaml::Problem::kNone);
}

TEST(CheckedYamlTest, RefusesTooManyEvents) {
  std::string text = "[";
  for (size_t i = 0; i < kMaxYamlEvents; ++i) text += "1,";
  text += "1]";
  const CheckedYaml loaded = LoadCheckedYaml(text);
  ASSERT_EQ(loaded.problem, CheckedYaml::Problem::kRefusedShape);
  EXPECT_EQ(loaded.message, "the document is too large");
}

TEST(CheckedYamlTest, ReportsASyntaxErrorWithItsMark) {
  const CheckedYaml loaded = LoadCheckedYaml("a: 1\nb: [1, 2\n");
  ASSERT_EQ(loaded.problem, CheckedYaml::Problem::kSyntax);
  EXPECT_FALSE(loaded.message.empty());
  EXPECT_GE(loaded.mark.line, 1);
}

}  // namespace
}  // namespace meshproof::scenario
