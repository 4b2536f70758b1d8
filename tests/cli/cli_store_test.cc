// `meshproof report|compare|history` against a fake results store: the report command
// prints exactly what the renderer makes of the store's answer, --against previous finds
// the run before, and store errors come back as exit codes with human messages.
#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "clients/cli/report/html_report.h"
#include "clients/cli/report/junit_report.h"
#include "clients/cli/report/markdown_report.h"
#include "tests/cli/fake_services.h"
#include "tests/cli/report_fixture.h"
#include "tests/cli/yaml_matches_json.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::cli {
namespace {

using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::CommandResult;
using ::meshproof::testing::RunCommand;
using ::testing::HasSubstr;
using ::testing::Not;

class StoreCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.ok());
    fake_.detail = testing::FixtureRunDetail();
    fake_.comparison = testing::FixtureComparison();
    fake_.history = testing::FixtureHistory();
    store::v1::RunRecord* previous = fake_.runs.add_runs();
    previous->set_run_id("run-0041");
    previous->set_verdict(result::v1::RUN_VERDICT_PASSED);
  }

  CommandResult Meshproof(std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/env", "-i", "HOME=" + home_.path(),
                                     BinaryPath("meshproof")};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--store");
    argv.push_back(server_.address());
    return RunCommand(argv);
  }

  testing::FakeStore fake_;
  testing::FakeServer server_{&fake_};
  meshproof::testing::TempDir home_;
};

TEST_F(StoreCommandTest, MarkdownReportIsTheRenderersOutput) {
  CommandResult r = Meshproof({"report", "run-0042"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, report::RenderMarkdown(testing::FixtureInput(/*with_comparison=*/false)));
}

TEST_F(StoreCommandTest, AgainstPreviousComparesWithTheRunBefore) {
  CommandResult r = Meshproof({"report", "run-0042", "--against", "previous"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake_.last_list.scenario(), "20-egress");
  EXPECT_EQ(fake_.last_list.cluster(), "homelab");
  EXPECT_EQ(fake_.last_list.until().seconds(), fake_.detail.run().started_at().seconds());
  EXPECT_EQ(fake_.last_compare.base_run_id(), "run-0041");
  EXPECT_EQ(fake_.last_compare.head_run_id(), "run-0042");
  EXPECT_EQ(r.out, report::RenderMarkdown(testing::FixtureInput(/*with_comparison=*/true)));
}

TEST_F(StoreCommandTest, NoPreviousRunExitsTwo) {
  fake_.runs.clear_runs();
  CommandResult r = Meshproof({"report", "run-0042", "--against", "previous"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("no finished run of 20-egress in cluster homelab before run-0042"));
}

TEST_F(StoreCommandTest, HtmlReportFetchesHistoryAndWritesAFile) {
  const std::string out = home_.File("report.html");
  CommandResult r =
      Meshproof({"report", "run-0042", "--format", "html", "--against", "run-0041", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(out);
  std::stringstream html;
  html << in.rdbuf();
  EXPECT_EQ(html.str(), report::RenderHtml(testing::FixtureInput(/*with_comparison=*/true)));
}

TEST_F(StoreCommandTest, JunitWithExitWithVerdictFailsForAFailedRun) {
  CommandResult r = Meshproof({"report", "run-0042", "--format", "junit", "--exit-with-verdict"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, report::RenderJunit(testing::FixtureInput(false)));
}

TEST_F(StoreCommandTest, JsonReportIsTheRunDetail) {
  CommandResult r = Meshproof({"report", "run-0042", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  store::v1::RunDetail parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &parsed).ok());
  EXPECT_EQ(parsed.SerializeAsString(), fake_.detail.SerializeAsString());
}

TEST_F(StoreCommandTest, UnknownRunAndFormat) {
  CommandResult r = Meshproof({"report", "run-9999"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("run run-9999 not found"));
  EXPECT_EQ(Meshproof({"report", "run-0042", "--format", "pdf"}).exit_code, 2);
}

TEST_F(StoreCommandTest, CompareTableAndFailOnRegression) {
  CommandResult r = Meshproof({"compare", "run-0041", "run-0042"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("REGRESSED      bypass-is-not-proof"));
  EXPECT_LT(r.out.find("REGRESSED"), r.out.find("FIXED"));
  EXPECT_EQ(Meshproof({"compare", "run-0041", "run-0042", "--fail-on-regression"}).exit_code, 1);
  fake_.comparison.mutable_tests(0)->set_change(store::v1::CHANGE_STILL_PASSING);
  EXPECT_EQ(Meshproof({"compare", "run-0041", "run-0042", "--fail-on-regression"}).exit_code, 0);
}

// `compare` says when a version of the environment changed between the two runs (the
// seed report's istioctl/control-plane mismatch), and says nothing when none did.
TEST_F(StoreCommandTest, CompareNamesAVersionThatChanged) {
  CommandResult same = Meshproof({"compare", "run-0041", "run-0042"});
  ASSERT_EQ(same.exit_code, 0) << same.err;
  EXPECT_THAT(same.out, Not(HasSubstr("versions:")));
  store::v1::VersionChange* change = fake_.comparison.add_version_changes();
  change->set_component("Istio");
  change->set_base("1.29.1");
  change->set_head("1.30.0");
  CommandResult r = Meshproof({"compare", "run-0041", "run-0042"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("versions: Istio 1.29.1 → 1.30.0 since the last run\n"));
}

TEST_F(StoreCommandTest, HistoryTable) {
  CommandResult r = Meshproof({"history", "20-egress", "egress-through-gateway"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("STARTED"));
  EXPECT_THAT(r.out, HasSubstr("run-0042  homelab  PASS (retry)"));
  EXPECT_LT(r.out.find("run-0042"), r.out.find("run-0040"));  // newest first
}

// `-o yaml` of compare and history reads back as their `-o json` (the fixture carries
// Korean text, timestamps and version strings).
TEST_F(StoreCommandTest, YamlReadsBackAsTheJsonDocument) {
  store::v1::VersionChange* change = fake_.comparison.add_version_changes();
  change->set_component("yes");
  change->set_base("1.29");
  change->set_head("null");
  const std::vector<std::vector<std::string>> commands = {
      {"compare", "run-0041", "run-0042"}, {"history", "20-egress", "egress-through-gateway"}};
  for (const std::vector<std::string>& command : commands) {
    std::vector<std::string> as_json = command, as_yaml = command;
    as_json.insert(as_json.end(), {"-o", "json"});
    as_yaml.insert(as_yaml.end(), {"-o", "yaml"});
    CommandResult json = Meshproof(as_json);
    CommandResult yaml = Meshproof(as_yaml);
    ASSERT_EQ(json.exit_code, 0) << json.err;
    ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
    SCOPED_TRACE(command[0]);
    testing::ExpectYamlMatchesJson(yaml.out, json.out);
  }
}

TEST_F(StoreCommandTest, UnreachableStoreExitsThree) {
  std::vector<std::string> argv = {
      "/usr/bin/env", "-i",      "HOME=" + home_.path(), BinaryPath("meshproof"), "report",
      "run-0042",     "--store", "127.0.0.1:1"};
  CommandResult r = RunCommand(argv);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(
      r.err,
      HasSubstr(
          "cannot reach the results store at 127.0.0.1:1: connection refused — is it running? "
          "set --store or MESHPROOF_STORE"));
  EXPECT_THAT(r.err, Not(HasSubstr("UNAVAILABLE")));
}

}  // namespace
}  // namespace meshproof::cli
