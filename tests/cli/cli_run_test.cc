// `meshproof run ...` against a fake scheduler: every exit code of `run start --wait`,
// the token and deadline on each call, human error messages, and the output formats.
#include <gmock/gmock.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "tests/cli/fake_services.h"
#include "tests/cli/pty_command.h"
#include "tests/cli/yaml_matches_json.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::cli {
namespace {

using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::CommandResult;
using ::meshproof::testing::RunCommand;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
namespace schedv1 = ::meshproof::scheduler::v1;

schedv1::Run MakeRun(schedv1::RunState state) {
  schedv1::Run run;
  run.set_run_id("run-7");
  run.set_scenario("10-ingress");
  run.set_scenario_version("3f2a9c1d0e4b5a6c");
  run.set_state(state);
  return run;
}

schedv1::RunEvent RunEvent(schedv1::RunState state) {
  schedv1::RunEvent event;
  *event.mutable_run() = MakeRun(state);
  return event;
}

schedv1::RunEvent ResultEvent(const std::string& test, result::v1::TestVerdict verdict,
                              const std::string& actual) {
  schedv1::RunEvent event;
  result::v1::TestResult* r = event.mutable_result();
  r->set_scenario("10-ingress");
  r->set_test(test);
  r->set_phase(result::v1::PHASE_TEST);
  r->set_verdict(verdict);
  r->set_expected_summary("status 418");
  r->set_actual_summary(actual);
  if (verdict != result::v1::TEST_VERDICT_PASS)
    r->set_reason("expect.status: expected 418, got " + actual);
  return event;
}

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class RunCommandTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.ok()); }

  // Runs meshproof with a clean environment (no config file, no MESHPROOF_*), so only
  // the flags given here count.
  CommandResult Meshproof(std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/env", "-i", "HOME=" + home_.path(),
                                     BinaryPath("meshproof")};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  }

  // Scripts a run that goes QUEUED -> RUNNING -> `final` with one result.
  void ScriptRun(schedv1::RunState final, result::v1::TestVerdict verdict) {
    fake_.started = MakeRun(schedv1::RUN_STATE_QUEUED);
    fake_.watch_events = {
        RunEvent(schedv1::RUN_STATE_QUEUED), RunEvent(schedv1::RUN_STATE_RUNNING),
        ResultEvent("path-match-status-418", verdict,
                    verdict == result::v1::TEST_VERDICT_PASS ? "status 418" : "status 200"),
        RunEvent(final)};
    fake_.get_run = MakeRun(final);
  }

  // Scripts a run with one passing and one failing test: QUEUED, RUNNING, PASS, FAIL,
  // FAILED with its counts.
  void ScriptPassThenFail() {
    fake_.started = MakeRun(schedv1::RUN_STATE_QUEUED);
    schedv1::RunEvent failed = RunEvent(schedv1::RUN_STATE_FAILED);
    failed.mutable_run()->mutable_counts()->set_total(2);
    failed.mutable_run()->mutable_counts()->set_passed(1);
    failed.mutable_run()->mutable_counts()->set_failed(1);
    fake_.watch_events = {
        RunEvent(schedv1::RUN_STATE_QUEUED), RunEvent(schedv1::RUN_STATE_RUNNING),
        ResultEvent("http-catch-all", result::v1::TEST_VERDICT_PASS, "status 418"),
        ResultEvent("path-match-status-418", result::v1::TEST_VERDICT_FAIL, "status 200"), failed};
    fake_.get_run = failed.run();
  }

  // `run start --wait` with a terminal `columns` wide as stdout (and stdin and stderr).
  testing::PtyResult StartAndWaitOnTerminal(int columns) {
    return testing::RunOnPty(
        {"/usr/bin/env", "-i", "HOME=" + home_.path(), "TERM=xterm", BinaryPath("meshproof"), "run",
         "start", "10-ingress", "--wait", "--scheduler", server_.address()},
        columns);
  }

  CommandResult StartAndWait() {
    return Meshproof({"run", "start", "10-ingress", "--wait", "--scheduler", server_.address(),
                      "--token", "s3cret"});
  }

  testing::FakeScheduler fake_;
  testing::FakeServer server_{&fake_};
  meshproof::testing::TempDir home_;
};

TEST_F(RunCommandTest, WaitExitsZeroWhenTheRunPassed) {
  ScriptRun(schedv1::RUN_STATE_PASSED, result::v1::TEST_VERDICT_PASS);
  CommandResult r = StartAndWait();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("started run run-7"));
  EXPECT_THAT(r.out, HasSubstr("PASS     path-match-status-418"));
  EXPECT_THAT(r.out, HasSubstr("run run-7 PASSED"));
  // Not a terminal: plain lines, no carriage returns or escape codes.
  EXPECT_THAT(r.out, Not(HasSubstr("\r")));
}

// The text of each live line as it stood when the CLI erased it ("\r ESC[K"), in order.
std::vector<std::string> LiveLines(const std::string& output) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t erase = output.find("\r\033[K"); erase != std::string::npos;
       start = erase + 4, erase = output.find("\r\033[K", start)) {
    std::string piece = output.substr(start, erase - start);
    const size_t newline = piece.rfind('\n');
    if (newline != std::string::npos) piece.erase(0, newline + 1);
    if (!piece.empty()) lines.push_back(piece);
  }
  return lines;
}

// Display width of a UTF-8 string, one column per character.
int Columns(const std::string& s) {
  int n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

TEST_F(RunCommandTest, OnATerminalALiveLineCountsAndOnlyWhatNeedsAttentionScrolls) {
  ScriptPassThenFail();
  const testing::PtyResult r = StartAndWaitOnTerminal(120);
  ASSERT_EQ(r.exit_code, 1) << r.output;
  // The live line is redrawn in place (carriage return, erase line) as the counts change.
  EXPECT_THAT(LiveLines(r.output), ElementsAre("run run-7 QUEUED: 0 results — 0 passed, 0 failed",
                                               "run run-7 RUNNING: 0 results — 0 passed, 0 failed",
                                               "run run-7 RUNNING: 1 result — 1 passed, 0 failed",
                                               "run run-7 RUNNING: 2 results — 1 passed, 1 failed",
                                               "run run-7 FAILED: 2 results — 1 passed, 1 failed"))
      << r.output;
  // What stays on screen: the failure with its reason and the verdict; the passing test
  // and the state changes were only ever on the live line, which is gone at the end.
  std::string unknown;
  EXPECT_THAT(testing::ReplayScreen(r.output, 120, &unknown),
              ElementsAre("started run run-7 (10-ingress)",
                          "FAIL     path-match-status-418  expected status 418, got status 200",
                          "         expect.status: expected 418, got status 200",
                          "run run-7 FAILED: 2 tests: 1 passed, 1 failed"))
      << r.output;
  EXPECT_EQ(unknown, "") << "escape sequences other than ESC[K";
}

TEST_F(RunCommandTest, OnANarrowTerminalTheLiveLineNeverWraps) {
  // A live line wider than the terminal wraps; "\r" then only returns to the start of
  // its last row, so every redraw would leave the first part behind on screen.
  ScriptPassThenFail();
  const std::string lasting =
      "started run run-7 (10-ingress)\n"
      "FAIL     path-match-status-418  expected status 418, got status 200\n"
      "         expect.status: expected 418, got status 200\n"
      "run run-7 FAILED: 2 tests: 1 passed, 1 failed\n";
  for (int columns : {44, 20}) {
    const testing::PtyResult r = StartAndWaitOnTerminal(columns);
    ASSERT_EQ(r.exit_code, 1) << r.output;
    const std::vector<std::string> live = LiveLines(r.output);
    ASSERT_EQ(live.size(), 5u) << r.output;
    for (const std::string& line : live) EXPECT_LT(Columns(line), columns) << line;
    if (columns == 44) {
      // Too narrow for the run id (the "started run" line names it): state and counts stay.
      EXPECT_THAT(live, ElementsAre("QUEUED: 0 results — 0 passed, 0 failed",
                                    "RUNNING: 0 results — 0 passed, 0 failed",
                                    "RUNNING: 1 result — 1 passed, 0 failed",
                                    "RUNNING: 2 results — 1 passed, 1 failed",
                                    "FAILED: 2 results — 1 passed, 1 failed"));
    }
    // The screen holds the lasting lines exactly as a terminal wraps them, nothing else.
    std::string unknown;
    EXPECT_EQ(testing::ReplayScreen(r.output, columns, &unknown),
              testing::ReplayScreen(lasting, columns, &unknown))
        << columns << " columns:\n"
        << r.output;
  }
}

TEST_F(RunCommandTest, WithoutATerminalEveryStateAndResultIsAPlainLine) {
  ScriptPassThenFail();
  CommandResult r = StartAndWait();
  ASSERT_EQ(r.exit_code, 1) << r.err;
  // A CI log: one line per state change and per result, passing ones included, in
  // order, with no carriage returns or escape codes to garble it.
  EXPECT_EQ(r.out,
            "started run run-7 (10-ingress)\n"
            "run run-7: QUEUED\n"
            "run run-7: RUNNING\n"
            "PASS     http-catch-all  expected status 418, got status 418\n"
            "FAIL     path-match-status-418  expected status 418, got status 200\n"
            "         expect.status: expected 418, got status 200\n"
            "run run-7: FAILED\n"
            "run run-7 FAILED: 2 tests: 1 passed, 1 failed\n");
  EXPECT_THAT(r.out, Not(HasSubstr("\r")));
  EXPECT_THAT(r.out, Not(HasSubstr("\033")));
}

TEST_F(RunCommandTest, WaitExitsOneWhenATestFailed) {
  ScriptRun(schedv1::RUN_STATE_FAILED, result::v1::TEST_VERDICT_FAIL);
  CommandResult r = StartAndWait();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out,
              HasSubstr("FAIL     path-match-status-418  expected status 418, got status 200"));
  EXPECT_THAT(r.out, HasSubstr("expect.status: expected 418, got status 200"));
}

TEST_F(RunCommandTest, WaitExitsFourWhenInconclusive) {
  ScriptRun(schedv1::RUN_STATE_INCONCLUSIVE, result::v1::TEST_VERDICT_BLOCKED);
  CommandResult r = StartAndWait();
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("preflight failed"));
}

TEST_F(RunCommandTest, WaitExitsOneWhenTheRunErrorsOrIsCancelled) {
  ScriptRun(schedv1::RUN_STATE_ERROR, result::v1::TEST_VERDICT_ERROR);
  EXPECT_EQ(StartAndWait().exit_code, 1);
  ScriptRun(schedv1::RUN_STATE_CANCELLED, result::v1::TEST_VERDICT_NOT_RUN);
  EXPECT_EQ(StartAndWait().exit_code, 1);
}

TEST_F(RunCommandTest, UnknownScenarioExitsTwoWithTheSchedulersMessage) {
  fake_.start_status =
      grpc::Status(grpc::StatusCode::NOT_FOUND, "scenario: no scenario named 10-ingres");
  CommandResult r = StartAndWait();
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("scenario: no scenario named 10-ingres"));
}

TEST_F(RunCommandTest, BadFlagsExitTwoBeforeAnyCall) {
  EXPECT_EQ(Meshproof({"run", "start", "10-ingress", "--label", "novalue", "--scheduler",
                       server_.address()})
                .exit_code,
            2);
  EXPECT_EQ(Meshproof({"run", "start", "10-ingress", "--run-timeout", "soon", "--scheduler",
                       server_.address()})
                .exit_code,
            2);
  EXPECT_EQ(Meshproof({"run", "start", "--scheduler", server_.address()}).exit_code,
            2);  // no scenario
  EXPECT_TRUE(fake_.calls().empty());
}

TEST_F(RunCommandTest, UnreachableSchedulerExitsThreeWithAHint) {
  // Port 1 on loopback: nothing listens there.
  CommandResult r =
      Meshproof({"run", "start", "10-ingress", "--wait", "--scheduler", "127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(
      r.err,
      HasSubstr("cannot reach the scheduler at 127.0.0.1:1: connection refused — is it running? "
                "set --scheduler or MESHPROOF_SCHEDULER"));
}

TEST_F(RunCommandTest, NoSchedulerAddressExitsTwo) {
  CommandResult r = Meshproof({"run", "list"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(
      r.err,
      HasSubstr("no scheduler address: pass --scheduler HOST:PORT, set MESHPROOF_SCHEDULER"));
}

TEST_F(RunCommandTest, WatchGivesUpWithThreeAtItsDeadlineWhenTheSchedulerStaysAway) {
  ScriptRun(schedv1::RUN_STATE_PASSED, result::v1::TEST_VERDICT_PASS);
  fake_.watch_events.pop_back();  // never reaches a final state...
  fake_.watch_status =
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down");  // ...the scheduler stops
  fake_.get_run = MakeRun(schedv1::RUN_STATE_RUNNING);
  CommandResult r = Meshproof({"run", "start", "10-ingress", "--wait", "--wait-timeout", "2s",
                               "--scheduler", server_.address(), "--token", "s3cret"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("had not finished when the watch's deadline passed"));
  // It kept trying until its deadline, and showed the one result once.
  int watches = 0;
  for (const auto& call : fake_.calls()) watches += call.method == "WatchRun";
  EXPECT_GE(watches, 2);
  EXPECT_EQ(Count(r.out, "path-match-status-418"), 1) << r.out;
}

TEST_F(RunCommandTest, WatchReconnectsAfterAGracefulRestartAndShowsEachEventOnce) {
  ScriptPassThenFail();
  // First stream: QUEUED, RUNNING, the passing result, then the scheduler shuts down.
  std::vector<schedv1::RunEvent> full = fake_.watch_events;
  fake_.watch_events = {full[0], full[1], full[2]};
  fake_.watch_status =
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "scheduler shutting down; watch again");
  // After the restart the scheduler replays the run (RUNNING) and the result so far, then
  // goes on with the failing result and the end.
  fake_.later_watches = {{{full[1], full[2], full[3], full[4]}, grpc::Status::OK}};
  CommandResult r = StartAndWait();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(Count(r.out, "PASS "), 1) << r.out;
  EXPECT_EQ(Count(r.out, "FAIL "), 1) << r.out;
  EXPECT_EQ(Count(r.out, ": RUNNING"), 1) << r.out;  // the replayed state is not shown again
  EXPECT_THAT(r.out, HasSubstr("run run-7 FAILED"));
}

TEST_F(RunCommandTest, WatchEndedEarlyAsksForTheFinalState) {
  ScriptRun(schedv1::RUN_STATE_FAILED, result::v1::TEST_VERDICT_FAIL);
  fake_.watch_events.pop_back();  // the stream ends cleanly while RUNNING; GetRun says FAILED
  CommandResult r = StartAndWait();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("run run-7 FAILED"));
}

TEST_F(RunCommandTest, EveryCallCarriesTheTokenAndADeadline) {
  ScriptRun(schedv1::RUN_STATE_PASSED, result::v1::TEST_VERDICT_PASS);
  ASSERT_EQ(StartAndWait().exit_code, 0);
  const auto calls = fake_.calls();
  ASSERT_GE(calls.size(), 2u);
  for (const auto& call : calls) {
    EXPECT_EQ(call.authorization, "Bearer s3cret") << call.method;
    EXPECT_TRUE(call.had_deadline) << call.method;
  }
}

TEST_F(RunCommandTest, StartSendsVarsLabelsAndTarget) {
  fake_.started = MakeRun(schedv1::RUN_STATE_QUEUED);
  meshproof::testing::TempDir dir;
  const std::string vars =
      dir.WriteFile("lab.env", "INGRESS_HOST=127.0.0.1\nINGRESS_HTTP_PORT=18001\n");
  CommandResult r =
      Meshproof({"run", "start", "10-ingress", "--vars-file", vars, "--var",
                 "INGRESS_HTTP_PORT=18081", "--label", "variant=t10", "--cluster", "lab", "--only",
                 "http-catch-all", "--scheduler", server_.address()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("started run run-7 (10-ingress @ 3f2a9c1d0e4b, QUEUED)"));
  EXPECT_EQ(fake_.last_start.vars().at("INGRESS_HOST"), "127.0.0.1");
  EXPECT_EQ(fake_.last_start.vars().at("INGRESS_HTTP_PORT"), "18081");  // --var wins over the file
  EXPECT_EQ(fake_.last_start.labels().at("variant"), "t10");
  EXPECT_EQ(fake_.last_start.target().cluster(), "lab");
  ASSERT_EQ(fake_.last_start.only_tests_size(), 1);
}

TEST_F(RunCommandTest, ApproveNeedsAReasonAndReportsTheWrongState) {
  fake_.get_run = MakeRun(schedv1::RUN_STATE_RUNNING);
  EXPECT_EQ(Meshproof({"run", "approve", "run-7", "--scheduler", server_.address()}).exit_code, 2);
  CommandResult r =
      Meshproof({"run", "approve", "run-7", "--reason", "CHG-1", "--scheduler", server_.address()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("run run-7 is not awaiting approval"));
  fake_.get_run = MakeRun(schedv1::RUN_STATE_AWAITING_APPROVAL);
  r = Meshproof({"run", "approve", "run-7", "--reason", "CHG-1", "--scheduler", server_.address()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("run run-7: QUEUED"));
  EXPECT_EQ(fake_.last_approval.reason(), "CHG-1");
}

TEST_F(RunCommandTest, ListAsTableJsonAndYaml) {
  *fake_.list_runs.add_runs() = MakeRun(schedv1::RUN_STATE_PASSED);
  *fake_.list_runs.add_runs() = MakeRun(schedv1::RUN_STATE_FAILED);
  fake_.list_runs.mutable_runs(1)->set_run_id("run-6");
  fake_.list_runs.mutable_runs(1)->mutable_counts()->set_total(4);
  fake_.list_runs.mutable_runs(1)->mutable_counts()->set_failed(1);
  fake_.list_runs.mutable_runs(1)->mutable_counts()->set_passed(3);

  CommandResult table = Meshproof({"run", "list", "--scheduler", server_.address()});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("RUN    SCENARIO    STATE   COUNTS"));
  EXPECT_THAT(table.out, HasSubstr("run-6  10-ingress  FAILED  4 tests: 3 passed, 1 failed"));

  CommandResult json = Meshproof({"run", "list", "-o", "json", "--scheduler", server_.address()});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  schedv1::ListRunsResponse parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json.out, &parsed).ok()) << json.out;
  EXPECT_EQ(parsed.SerializeAsString(), fake_.list_runs.SerializeAsString());
  EXPECT_THAT(json.out, HasSubstr("\"run_id\": \"run-6\""));  // proto field names

  CommandResult yaml = Meshproof({"run", "list", "-o", "yaml", "--scheduler", server_.address()});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  YAML::Node doc = YAML::Load(yaml.out);
  ASSERT_TRUE(doc["runs"].IsSequence()) << yaml.out;
  EXPECT_EQ(doc["runs"][1]["run_id"].as<std::string>(), "run-6");
  EXPECT_EQ(doc["runs"][1]["state"].as<std::string>(), "RUN_STATE_FAILED");
  EXPECT_EQ(doc["runs"][1]["counts"]["total"].as<int>(), 4);

  EXPECT_EQ(Meshproof({"run", "list", "-o", "xml", "--scheduler", server_.address()}).exit_code, 2);
}

// Strings YAML would read as something else, or that need escaping, in every place the
// data can carry them: plain fields, map keys and map values.
schedv1::Run TrickyRun() {
  schedv1::Run run = MakeRun(schedv1::RUN_STATE_PASSED);
  run.set_scenario("2026-12-02T00:00:00Z");
  run.set_reason("first line\nsecond line: with a colon # and a hash");
  run.set_scenario_version("1e3");
  run.mutable_created_at()->set_seconds(1796169600);  // 2026-12-02T00:00:00Z
  auto& vars = *run.mutable_vars();
  vars["yes"] = "no";
  vars["null"] = "null";
  vars["colon"] = ": x";
  vars["hash"] = "#";
  vars["trailing"] = "x # y";
  vars["date"] = "2026-12-02";
  vars["octal"] = "0o17";
  vars["sexagesimal"] = "1:30";
  vars["tilde"] = "~";
  vars["On"] = "Off";
  vars["empty"] = "";
  vars["spaces"] = " padded ";
  (*run.mutable_labels())["team"] = "메시 검증 ±3";
  return run;
}

TEST_F(RunCommandTest, YamlReadsBackAsTheJsonDocument) {
  fake_.get_run = TrickyRun();
  *fake_.list_runs.add_runs() = TrickyRun();
  *fake_.list_runs.add_runs() = MakeRun(schedv1::RUN_STATE_FAILED);
  fake_.list_runs.mutable_runs(1)->mutable_counts()->set_total(4);
  const std::vector<std::vector<std::string>> commands = {{"run", "show", "run-7"},
                                                          {"run", "list"}};
  for (std::vector<std::string> command : commands) {
    command.push_back("--scheduler");
    command.push_back(server_.address());
    std::vector<std::string> as_json = command, as_yaml = command;
    as_json.insert(as_json.end(), {"-o", "json"});
    as_yaml.insert(as_yaml.end(), {"-o", "yaml"});
    CommandResult json = Meshproof(as_json);
    CommandResult yaml = Meshproof(as_yaml);
    ASSERT_EQ(json.exit_code, 0) << json.err;
    ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
    SCOPED_TRACE(command[0] + " " + command[1]);
    testing::ExpectYamlMatchesJson(yaml.out, json.out);
    // The timestamp reads back as the string JSON has, not as a date.
    EXPECT_THAT(yaml.out, HasSubstr("\"2026-12-02T00:00:00Z\""));
  }
}

TEST_F(RunCommandTest, StartWaitWithJsonPrintsTheFinalRunOnly) {
  ScriptRun(schedv1::RUN_STATE_FAILED, result::v1::TEST_VERDICT_FAIL);
  CommandResult r = Meshproof(
      {"run", "start", "10-ingress", "--wait", "-o", "json", "--scheduler", server_.address()});
  EXPECT_EQ(r.exit_code, 1);
  schedv1::Run parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &parsed).ok()) << r.out;
  EXPECT_EQ(parsed.state(), schedv1::RUN_STATE_FAILED);
}

TEST_F(RunCommandTest, ShowUnknownRunExitsTwo) {
  fake_.get_run = MakeRun(schedv1::RUN_STATE_PASSED);
  CommandResult r = Meshproof({"run", "show", "run-404", "--scheduler", server_.address()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("run run-404 not found"));
}

TEST_F(RunCommandTest, SubmitChecksEveryFileBeforeSendingAny) {
  meshproof::testing::TempDir dir;
  const std::string bad =
      dir.WriteFile("bad.yaml", "apiVersion: meshproof/v1\nkind: Scenario\nname: t\n");
  const std::string good =
      std::string(MESHPROOF_SOURCE_DIR) + "/examples/scenarios/10-ingress.yaml";
  CommandResult r = Meshproof({"scenario", "submit", good, bad, "--scheduler", server_.address()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("bad.yaml:"));
  EXPECT_TRUE(fake_.submitted.empty());

  r = Meshproof(
      {"scenario", "submit", good, "--team", "platform", "--scheduler", server_.address()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(fake_.submitted.size(), 1u);
  EXPECT_EQ(fake_.submitted[0].yaml().file_name(), "10-ingress.yaml");
  EXPECT_THAT(fake_.submitted[0].yaml().text(), HasSubstr("name: 10-ingress"));
  EXPECT_THAT(fake_.submitted[0].yaml().text(),
              HasSubstr("${INGRESS_HOST}"));  // sent unsubstituted
  EXPECT_EQ(fake_.submitted[0].team(), "platform");
  EXPECT_THAT(r.out, HasSubstr("stored scenario-1 revision 1 (version abcdef012345)"));
}

TEST_F(RunCommandTest, ScheduleCreateTakesCronOrInterval) {
  EXPECT_EQ(Meshproof({"schedule", "create", "nightly", "--scenario", "20-egress", "--scheduler",
                       server_.address()})
                .exit_code,
            2);
  EXPECT_EQ(Meshproof({"schedule", "create", "nightly", "--scenario", "20-egress", "--cron",
                       "0 2 * * *", "--every", "1h", "--scheduler", server_.address()})
                .exit_code,
            2);
  EXPECT_EQ(Meshproof({"schedule", "create", "nightly", "--scenario", "20-egress", "--every", "1h",
                       "--concurrency", "sometimes", "--scheduler", server_.address()})
                .exit_code,
            2);
  EXPECT_TRUE(fake_.calls().empty());
  CommandResult r = Meshproof({"schedule", "create", "nightly", "--scenario", "20-egress", "--cron",
                               "0 2 * * *", "--time-zone", "Europe/Berlin", "--concurrency",
                               "replace", "--var", "A=1", "--scheduler", server_.address()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake_.last_schedule.cron(), "0 2 * * *");
  EXPECT_EQ(fake_.last_schedule.time_zone(), "Europe/Berlin");
  EXPECT_EQ(fake_.last_schedule.concurrency_policy(), schedv1::CONCURRENCY_POLICY_REPLACE);
  EXPECT_EQ(fake_.last_schedule.vars().at("A"), "1");
  EXPECT_THAT(r.out, HasSubstr("0 2 * * *"));
}

TEST_F(RunCommandTest, EverySubcommandHasHelpWithAnExample) {
  for (const std::vector<std::string>& cmd :
       std::vector<std::vector<std::string>>{{"run", "start"},
                                             {"run", "list"},
                                             {"run", "show"},
                                             {"run", "watch"},
                                             {"run", "cancel"},
                                             {"run", "approve"},
                                             {"run", "reject"},
                                             {"scenario", "submit"},
                                             {"scenario", "list"},
                                             {"scenario", "show"},
                                             {"scenario", "versions"},
                                             {"scenario", "delete"},
                                             {"schedule", "create"},
                                             {"schedule", "list"},
                                             {"schedule", "show"},
                                             {"schedule", "pause"},
                                             {"schedule", "resume"},
                                             {"schedule", "trigger"},
                                             {"schedule", "delete"},
                                             {"agents"},
                                             {"compare"},
                                             {"history"},
                                             {"flaky"},
                                             {"clusters"},
                                             {"trend"},
                                             {"report"},
                                             {"lint"},
                                             {"explain"},
                                             {"probe"},
                                             {"completion"}}) {
    std::vector<std::string> args = cmd;
    args.push_back("--help");
    CommandResult r = Meshproof(args);
    EXPECT_EQ(r.exit_code, 0) << cmd.back();
    EXPECT_THAT(r.out, HasSubstr("Example")) << cmd.back();
    EXPECT_THAT(r.out, HasSubstr("meshproof ")) << cmd.back();
  }
}

TEST_F(RunCommandTest, BashCompletionKnowsTheCommands) {
  CommandResult r = Meshproof({"completion", "bash"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("complete -o filenames -F _meshproof meshproof"));
  EXPECT_THAT(r.out, HasSubstr("\"run start\") subs=\"\" flags=\""));
  EXPECT_THAT(r.out, HasSubstr("--wait"));
  EXPECT_EQ(RunCommand({"bash", "-n", "-c", r.out}).exit_code, 0) << "not valid bash";
}

}  // namespace
}  // namespace meshproof::cli
