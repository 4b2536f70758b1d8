// Where the CLI finds its addresses and token: flag > environment > config file, and a
// config file with an unknown key is rejected at its line and column.
#include "clients/cli/cli_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

#include "clients/cli/output.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"
#include "tests/testing/service_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::cli {
namespace {

using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::RunCommand;
using ::meshproof::testing::StatusIs;
using ::testing::HasSubstr;

GetEnv FakeEnv(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

class CliConfigTest : public ::testing::Test {
 protected:
  void WriteConfig(const std::string& text) {
    home_.WriteFile(".config/meshproof/config.yaml", text);
  }
  std::map<std::string, std::string> Env(std::map<std::string, std::string> more = {}) {
    more["HOME"] = home_.path();
    return more;
  }
  meshproof::testing::TempDir home_;
};

TEST_F(CliConfigTest, FlagBeatsEnvironmentBeatsFile) {
  WriteConfig("scheduler: file-sched:1\nstore: file-store:2\ntoken: file-token\n");
  ConnectionFlags flags;
  // File only.
  MP_ASSERT_OK_AND_ASSIGN(CliConfig c, ResolveConfig(flags, FakeEnv(Env())));
  EXPECT_EQ(c.scheduler.value, "file-sched:1");
  EXPECT_EQ(c.store.value, "file-store:2");
  EXPECT_EQ(c.token.value, "file-token");
  EXPECT_THAT(c.scheduler.source, HasSubstr("config.yaml"));
  // Environment over file.
  auto env =
      FakeEnv(Env({{"MESHPROOF_SCHEDULER", "env-sched:3"}, {"MESHPROOF_TOKEN", "env-token"}}));
  MP_ASSERT_OK_AND_ASSIGN(c, ResolveConfig(flags, env));
  EXPECT_EQ(c.scheduler.value, "env-sched:3");
  EXPECT_EQ(c.scheduler.source, "MESHPROOF_SCHEDULER");
  EXPECT_EQ(c.store.value, "file-store:2");
  EXPECT_EQ(c.token.value, "env-token");
  // Flag over environment.
  flags.scheduler = "flag-sched:4";
  flags.token = "flag-token";
  MP_ASSERT_OK_AND_ASSIGN(c, ResolveConfig(flags, env));
  EXPECT_EQ(c.scheduler.value, "flag-sched:4");
  EXPECT_EQ(c.scheduler.source, "--scheduler");
  EXPECT_EQ(c.token.value, "flag-token");
  EXPECT_EQ(c.store.value, "file-store:2");
}

TEST_F(CliConfigTest, TheTokenCanComeFromAFileInsteadOfTheCommandLine) {
  home_.WriteFile("token", "file-flag-token\n");
  ConnectionFlags flags;
  flags.token_file = home_.path() + "/token";
  // The file beats the environment and the config file, like --token.
  WriteConfig("token: config-token\n");
  MP_ASSERT_OK_AND_ASSIGN(CliConfig c,
                          ResolveConfig(flags, FakeEnv(Env({{"MESHPROOF_TOKEN", "env-token"}}))));
  EXPECT_EQ(c.token.value, "file-flag-token");
  EXPECT_EQ(c.token.source, "--token-file");

  flags.token = "flag-token";
  EXPECT_THAT(ResolveConfig(flags, FakeEnv(Env())),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--token and --token-file")));
  flags.token.clear();
  flags.token_file = home_.path() + "/missing";
  EXPECT_THAT(ResolveConfig(flags, FakeEnv(Env())),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("--token-file")));
  home_.WriteFile("empty", "\n");
  flags.token_file = home_.path() + "/empty";
  EXPECT_THAT(ResolveConfig(flags, FakeEnv(Env())), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(CliConfigTest, EmptyEnvironmentValueDoesNotHideTheFile) {
  WriteConfig("store: file-store:2\n");
  MP_ASSERT_OK_AND_ASSIGN(CliConfig c, ResolveConfig({}, FakeEnv(Env({{"MESHPROOF_STORE", ""}}))));
  EXPECT_EQ(c.store.value, "file-store:2");
}

TEST_F(CliConfigTest, MissingDefaultFileIsFineButANamedOneIsNot) {
  MP_ASSERT_OK_AND_ASSIGN(CliConfig c, ResolveConfig({}, FakeEnv(Env())));
  EXPECT_TRUE(c.scheduler.value.empty());
  ConnectionFlags flags;
  flags.config_file = home_.File("nope.yaml");
  EXPECT_THAT(ResolveConfig(flags, FakeEnv(Env())),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope.yaml")));
  EXPECT_THAT(ResolveConfig({}, FakeEnv(Env({{"MESHPROOF_CONFIG", home_.File("gone.yaml")}}))),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("gone.yaml")));
}

TEST_F(CliConfigTest, XdgConfigHomeIsUsed) {
  meshproof::testing::TempDir xdg;
  xdg.WriteFile("meshproof/config.yaml", "scheduler: xdg:9\n");
  MP_ASSERT_OK_AND_ASSIGN(CliConfig c,
                          ResolveConfig({}, FakeEnv(Env({{"XDG_CONFIG_HOME", xdg.path()}}))));
  EXPECT_EQ(c.scheduler.value, "xdg:9");
}

TEST_F(CliConfigTest, TlsSettingsFlagBeatsEnvironmentBeatsFile) {
  WriteConfig(
      "tls_ca: file-ca.pem\ntls_server_name: file.name\ntls_cert: file.pem\ntls_key: file.key\n");
  ConnectionFlags flags;
  MP_ASSERT_OK_AND_ASSIGN(CliConfig c, ResolveConfig(flags, FakeEnv(Env())));
  EXPECT_EQ(c.tls.ca_file, "file-ca.pem");
  EXPECT_EQ(c.tls.server_name, "file.name");
  EXPECT_EQ(c.tls.cert_file, "file.pem");
  EXPECT_EQ(c.tls.key_file, "file.key");
  MP_ASSERT_OK_AND_ASSIGN(c,
                          ResolveConfig(flags, FakeEnv(Env({{"MESHPROOF_TLS_CA", "env-ca.pem"}}))));
  EXPECT_EQ(c.tls.ca_file, "env-ca.pem");
  EXPECT_EQ(c.tls.server_name, "file.name");
  flags.tls.ca_file = "flag-ca.pem";
  flags.insecure = true;
  MP_ASSERT_OK_AND_ASSIGN(c,
                          ResolveConfig(flags, FakeEnv(Env({{"MESHPROOF_TLS_CA", "env-ca.pem"}}))));
  EXPECT_EQ(c.tls.ca_file, "flag-ca.pem");
  EXPECT_TRUE(c.insecure);
}

TEST(ParseConfigFileTest, UnknownKeyNamesLineAndColumn) {
  EXPECT_THAT(ParseConfigFile("scheduler: a:1\n  \nstroe: b:2\n", "config.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "config.yaml:3:1: stroe: unknown key (expected scheduler, store, token, "
                       "tls_ca, tls_server_name, tls_cert or tls_key)"));
}

TEST(ParseConfigFileTest, RejectsNonStringValuesAndBadSyntax) {
  EXPECT_THAT(
      ParseConfigFile("scheduler: [a, b]\n", "c.yaml"),
      StatusIs(absl::StatusCode::kInvalidArgument, "c.yaml:1:12: scheduler: expected a string"));
  EXPECT_THAT(ParseConfigFile("scheduler: a\n store: : :\n", "c.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("c.yaml:")));
  EXPECT_THAT(ParseConfigFile("- a\n", "c.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("c.yaml:1:1")));
}

TEST(ParseConfigFileTest, EmptyFileSetsNothing) {
  MP_ASSERT_OK_AND_ASSIGN(FileConfig c, ParseConfigFile("# nothing yet\n", "c.yaml"));
  EXPECT_FALSE(c.scheduler.has_value());
}

TEST_F(CliConfigTest, BinaryRejectsAMalformedConfigFileWithExitTwo) {
  WriteConfig("scheduler: 127.0.0.1:1\ntimeout: 5\n");
  auto r = RunCommand(
      {"/usr/bin/env", "-i", "HOME=" + home_.path(), BinaryPath("meshproof"), "run", "list"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("config.yaml:2:1: timeout: unknown key"));
}

TEST_F(CliConfigTest, BinaryUsesTheFileWhenNothingElseIsGiven) {
  WriteConfig("scheduler: 127.0.0.1:1\n");
  auto r = RunCommand(
      {"/usr/bin/env", "-i", "HOME=" + home_.path(), BinaryPath("meshproof"), "run", "list"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("cannot reach the scheduler at 127.0.0.1:1"));
  // The environment wins over the file...
  r = RunCommand({"/usr/bin/env", "-i", "HOME=" + home_.path(), "MESHPROOF_SCHEDULER=127.0.0.1:2",
                  BinaryPath("meshproof"), "run", "list"});
  EXPECT_THAT(r.err, HasSubstr("cannot reach the scheduler at 127.0.0.1:2"));
  // ...and the flag over both.
  r = RunCommand({"/usr/bin/env", "-i", "HOME=" + home_.path(), "MESHPROOF_SCHEDULER=127.0.0.1:2",
                  BinaryPath("meshproof"), "run", "list", "--scheduler", "127.0.0.1:3"});
  EXPECT_THAT(r.err, HasSubstr("cannot reach the scheduler at 127.0.0.1:3"));
}

TEST(OutputTest, YamlQuotesStringsThatWouldChangeType) {
  scheduler::v1::Run run;
  run.set_run_id("123");     // a number if unquoted
  run.set_scenario("true");  // a boolean if unquoted
  run.set_reason("plain words");
  (*run.mutable_vars())["PORT"] = "31080";
  const std::string yaml = ToYaml(run);
  EXPECT_THAT(yaml, HasSubstr("run_id: \"123\""));
  EXPECT_THAT(yaml, HasSubstr("scenario: \"true\""));
  EXPECT_THAT(yaml, HasSubstr("reason: plain words"));
  EXPECT_THAT(yaml, HasSubstr("PORT: \"31080\""));
}

TEST(OutputTest, TableAlignsColumns) {
  Table t({"A", "LONGER"});
  t.AddRow({"wide-value", "x"});
  EXPECT_EQ(t.Render(), "A           LONGER\nwide-value  x\n");
  EXPECT_EQ(Table({"A"}).Render("nothing"), "nothing\n");
}

}  // namespace
}  // namespace meshproof::cli
