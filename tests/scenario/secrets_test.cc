// Secret variables in the scenario language: the `secrets:` list, vars-file marks,
// --secret-var, and the values a run may use as secrets.
#include "services/scenario/secrets.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/scenario/scenario_parser.h"
#include "services/scenario/vars.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::scenario {
namespace {

using ::meshproof::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kScenario[] = R"(apiVersion: meshproof/v1
kind: Scenario
name: s
vars:
  HOST: 127.0.0.1
  TOKEN: ~
secrets: [TOKEN]
tests:
  - name: t
    http:
      url: "http://${HOST}/get?token=${TOKEN}"
      headers: {Authorization: "Bearer ${TOKEN}"}
)";

TEST(ScenarioSecretsTest, DeclaredSecretIsRecordedInBothForms) {
  ParseOptions raw_options;
  raw_options.substitute_vars = false;
  absl::StatusOr<v1::Scenario> raw = ParseScenario(kScenario, raw_options);
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_THAT(raw->secret_vars(), ElementsAre("TOKEN"));
  EXPECT_EQ(raw->vars().count("TOKEN"), 0u);

  absl::StatusOr<v1::Scenario> run = SubstituteVars(*raw, {{"TOKEN", "tok-12345"}});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_THAT(run->secret_vars(), ElementsAre("TOKEN"));
  EXPECT_EQ(run->tests(0).probe().http().url(), "http://127.0.0.1/get?token=tok-12345");
  const Redactor redactor = ScenarioRedactor(*run);
  v1::Scenario shown = *run;
  redactor.RedactMessage(&shown);
  EXPECT_THAT(shown.DebugString(), Not(HasSubstr("tok-12345")));
  EXPECT_EQ(shown.tests(0).probe().http().url(), "http://127.0.0.1/get?token=***");
}

TEST(ScenarioSecretsTest, SecretWithADefaultInTheFileIsRefused) {
  const std::string yaml = R"(apiVersion: meshproof/v1
kind: Scenario
name: s
vars: {TOKEN: hunter2hunter2}
secrets: [TOKEN]
tests:
  - {name: t, tcp: {host: 127.0.0.1, port: 1}}
)";
  absl::StatusOr<v1::Scenario> parsed = ParseScenario(yaml, ParseOptions());
  EXPECT_THAT(parsed.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("secrets"));
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("cannot have a default"));
}

TEST(ScenarioSecretsTest, UndeclaredSecretIsRefused) {
  const std::string yaml = R"(apiVersion: meshproof/v1
kind: Scenario
name: s
secrets: [TOKEN]
tests:
  - {name: t, tcp: {host: 127.0.0.1, port: 1}}
)";
  absl::StatusOr<v1::Scenario> parsed = ParseScenario(yaml, ParseOptions());
  EXPECT_THAT(parsed.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("not declared under vars"));
}

TEST(ScenarioSecretsTest, ShortSecretValueIsRefusedWithoutEchoingIt) {
  ParseOptions options;
  options.vars = {{"TOKEN", "xyz"}};
  absl::StatusOr<v1::Scenario> parsed = ParseScenario(kScenario, options);
  EXPECT_THAT(parsed.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("vars.TOKEN"));
  EXPECT_THAT(std::string(parsed.status().message()), Not(HasSubstr("xyz")));

  ParseOptions raw_options;
  raw_options.substitute_vars = false;
  absl::StatusOr<v1::Scenario> raw = ParseScenario(kScenario, raw_options);
  ASSERT_TRUE(raw.ok());
  EXPECT_THAT(SubstituteVars(*raw, {{"TOKEN", ""}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ScenarioSecretsTest, CallerMarkedSecretCountsForTheRunNotTheVersion) {
  ParseOptions options;
  options.vars = {{"TOKEN", "tok-12345"}};
  options.secret_vars = {"HOST"};
  absl::StatusOr<v1::Scenario> parsed = ParseScenario(kScenario, options);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(parsed->secret_vars(), ElementsAre("HOST", "TOKEN"));
  ParseOptions plain;
  plain.vars = options.vars;
  absl::StatusOr<v1::Scenario> unmarked = ParseScenario(kScenario, plain);
  ASSERT_TRUE(unmarked.ok());
  EXPECT_EQ(parsed->source().content_hash(), unmarked->source().content_hash());
}

TEST(ScenarioSecretsTest, VarsFilesMarkSecretsInBothFormats) {
  std::set<std::string> names;
  absl::StatusOr<std::map<std::string, std::string>> lines = ParseVarsFile(
      "HOST=h\nsecret TOKEN=abcd1234\nexport secret KEY=k3y-value\n", "v.env", &names);
  ASSERT_TRUE(lines.ok()) << lines.status();
  EXPECT_EQ(lines->at("TOKEN"), "abcd1234");
  EXPECT_EQ(lines->at("KEY"), "k3y-value");
  EXPECT_THAT(names, ElementsAre("KEY", "TOKEN"));

  names.clear();
  absl::StatusOr<std::map<std::string, std::string>> yaml =
      ParseVarsFile("HOST: h\nTOKEN: !secret abcd1234\n", "v.yaml", &names);
  ASSERT_TRUE(yaml.ok()) << yaml.status();
  EXPECT_EQ(yaml->at("TOKEN"), "abcd1234");
  EXPECT_THAT(names, ElementsAre("TOKEN"));

  // Where secrets cannot be kept apart, a file that marks one is refused.
  EXPECT_THAT(ParseVarsFile("secret TOKEN=abcd1234\n", "v.env").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ScenarioSecretsTest, SecretVarFlagNeverQuotesItsText) {
  absl::StatusOr<std::pair<std::string, std::string>> ok = ParseSecretVarFlag("T=abcd1234");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->second, "abcd1234");
  absl::StatusOr<std::pair<std::string, std::string>> bad = ParseSecretVarFlag("hunter2hunter2");
  EXPECT_THAT(bad.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(bad.status().message()), Not(HasSubstr("hunter2")));
  bad = ParseSecretVarFlag("1bad name=hunter2hunter2");
  EXPECT_THAT(std::string(bad.status().message()), Not(HasSubstr("hunter2")));
}

TEST(ScenarioSecretsTest, MaskSecretVarsHidesOnlySecrets) {
  google::protobuf::Map<std::string, std::string> vars;
  vars["HOST"] = "h";
  vars["TOKEN"] = "abcd1234";
  MaskSecretVars({"TOKEN", "ABSENT"}, &vars);
  EXPECT_EQ(vars.at("HOST"), "h");
  EXPECT_EQ(vars.at("TOKEN"), "***");
  EXPECT_EQ(vars.count("ABSENT"), 0u);
}

}  // namespace
}  // namespace meshproof::scenario
