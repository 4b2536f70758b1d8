// The scenario version: same content, same hash; any change of content, a new one.
#include "services/scenario/content_hash.h"

#include <gtest/gtest.h>

#include "services/scenario/scenario_parser.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::scenario {
namespace {

namespace v1 = ::meshproof::scenario::v1;

v1::Scenario Sample() {
  v1::Scenario s;
  s.set_name("sample");
  (*s.mutable_labels())["area"] = "ingress";
  (*s.mutable_labels())["layer"] = "call";
  v1::Test* t = s.add_tests();
  t->set_name("a");
  t->mutable_probe()->mutable_tcp()->set_host("127.0.0.1");
  t->mutable_probe()->mutable_tcp()->set_port(80);
  return s;
}

TEST(ContentHashTest, IsTheLowerCaseHexSha256OfTheSerialization) {
  // An empty scenario serializes to no bytes: SHA-256 of the empty string.
  EXPECT_EQ(ContentHash(v1::Scenario()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(ContentHashTest, SameContentSameHash) {
  v1::Scenario a = Sample();
  v1::Scenario b;
  // Same labels inserted in the other order: maps serialize deterministically.
  b.set_name("sample");
  (*b.mutable_labels())["layer"] = "call";
  (*b.mutable_labels())["area"] = "ingress";
  *b.add_tests() = a.tests(0);
  EXPECT_EQ(ContentHash(a), ContentHash(b));
  EXPECT_EQ(ContentHash(a).size(), 64u);
}

TEST(ContentHashTest, AnyFieldChangesIt) {
  const std::string base = ContentHash(Sample());
  v1::Scenario s = Sample();
  s.mutable_tests(0)->mutable_probe()->mutable_tcp()->set_port(81);
  EXPECT_NE(ContentHash(s), base);
  s = Sample();
  s.mutable_tests(0)->set_description("x");
  EXPECT_NE(ContentHash(s), base);
  s = Sample();
  (*s.mutable_vars())["HOST"] = "default";
  EXPECT_NE(ContentHash(s), base);
}

TEST(ContentHashTest, SourceIsNotContentExceptItsText) {
  v1::Scenario s = Sample();
  s.mutable_source()->set_file_name("other.yaml");
  s.mutable_source()->set_content_hash("abc");
  EXPECT_EQ(ContentHash(s), ContentHash(Sample()));
  s.mutable_source()->set_text("port: \"${PORT}\"");
  EXPECT_NE(ContentHash(s), ContentHash(Sample()));
}

constexpr char kScenario[] = R"(apiVersion: meshproof/v1
kind: Scenario
name: hashed
vars: {HOST: 127.0.0.1}
tests:
  - name: a
    http: {url: "http://${HOST}:8080/get"}
)";

TEST(ContentHashTest, ParsedVersionIgnoresVariableValuesButNotDeclaredDefaults) {
  ParseOptions options;
  MP_ASSERT_OK_AND_ASSIGN(v1::Scenario plain, ParseScenario(kScenario, options));
  options.vars = {{"HOST", "10.0.0.1"}};
  MP_ASSERT_OK_AND_ASSIGN(v1::Scenario overridden, ParseScenario(kScenario, options));
  EXPECT_EQ(plain.source().content_hash(), overridden.source().content_hash());

  std::string changed_default = kScenario;
  changed_default.replace(changed_default.find("127.0.0.1"), 9, "127.0.0.2");
  MP_ASSERT_OK_AND_ASSIGN(v1::Scenario other, ParseScenario(changed_default, ParseOptions()));
  EXPECT_NE(other.source().content_hash(), plain.source().content_hash());
}

TEST(ContentHashTest, ParsedVersionIsContentHashOfTheUnsubstitutedForm) {
  ParseOptions options;
  options.substitute_vars = false;
  MP_ASSERT_OK_AND_ASSIGN(v1::Scenario raw, ParseScenario(kScenario, options));
  EXPECT_EQ(ContentHash(raw), raw.source().content_hash());
}

}  // namespace
}  // namespace meshproof::scenario
