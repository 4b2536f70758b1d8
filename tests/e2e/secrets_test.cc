// Secret variables end to end, every part real: the lab's httpbin, the results store, the
// scheduler and a probe agent as separate processes, driven through the meshproof CLI.
// A run uses a secret in a header, a URL query and an expected body; the probes must
// really send it (httpbin echoes it back, so the tests PASS), and it must appear nowhere
// a caller, an operator or a report reader can look: the scheduler's answers, run
// events, the store (its SQLite files byte for byte), every service's log, every report
// format, reproduction lines, and the CLI's own output.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <iostream>
#include <map>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"
#include "meshproof/store/v1/store.grpc.pb.h"
#include "tests/testing/grpc_polling.h"
#include "tests/testing/lab.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::e2e {
namespace {

namespace rv1 = meshproof::result::v1;
namespace sv1 = meshproof::store::v1;
namespace v1 = meshproof::scheduler::v1;
using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::CommandResult;
using ::meshproof::testing::Deadline;
using ::meshproof::testing::Lab;
using ::meshproof::testing::ReadFileOrEmpty;
using ::meshproof::testing::RunCommand;
using ::meshproof::testing::ServiceProcess;
using ::meshproof::testing::TempDir;
using ::meshproof::testing::WaitForFinishedRun;
using ::testing::HasSubstr;
using ::testing::Not;

// Long enough to be unmistakable; letters only, so no format escapes it.
constexpr char kSecret[] = "Zq7SecretToken9xK";

// The scenario declares API_TOKEN secret. header-echoed and query-echoed pass only when
// httpbin saw the real value; echo-mismatch fails, and its mismatch, summary and body
// excerpt all hold the value.
constexpr char kScenario[] = R"(apiVersion: meshproof/v1
kind: Scenario
name: secret-echo
team: platform
vars:
  HTTPBIN_URL: ~
  API_TOKEN: ~
secrets: [API_TOKEN]
tests:
  - name: header-echoed
    http:
      url: "${HTTPBIN_URL}/headers"
      headers: {X-Api-Token: "${API_TOKEN}"}
    expect:
      status: 200
      body: {json: {"headers.X-Api-Token": {equals: "${API_TOKEN}"}}}
  - name: query-echoed
    http: {url: "${HTTPBIN_URL}/get?token=${API_TOKEN}"}
    expect:
      status: 200
      body: {json: {"args.token": {equals: "${API_TOKEN}"}}}
  - name: echo-mismatch
    http: {url: "${HTTPBIN_URL}/get?token=${API_TOKEN}"}
    expect:
      status: 200
      body: {contains: "${API_TOKEN}-not-echoed"}
)";

// The secret and the forms a JSON or YAML output would give it inside a bytes field
// (base64, at each of the three alignments).
std::vector<std::string> LeakForms() {
  const std::string secret = kSecret;
  std::vector<std::string> forms = {secret};
  for (size_t shift = 0; shift < 3; ++shift) {
    std::string encoded = absl::Base64Escape(std::string(shift, 'A') + secret);
    // The characters that depend only on the secret's bytes.
    forms.push_back(encoded.substr((shift * 4 + 2) / 3 + 1, 12));
  }
  return forms;
}

void ExpectNoSecret(const std::string& where, const std::string& text) {
  for (const std::string& form : LeakForms()) {
    EXPECT_THAT(text, Not(HasSubstr(form))) << where << " shows the secret (as \"" << form << "\")";
  }
}

class SecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Lab>> lab = Lab::Start(dir_.File("lab"));
    ASSERT_TRUE(lab.ok()) << lab.status();
    lab_ = std::move(*lab);
    absl::StatusOr<ServiceProcess> store = ServiceProcess::Start(
        BinaryPath("meshproof-store"), {"--listen", "127.0.0.1:0", "--db", dir_.File("store.db")},
        dir_.File("store.log"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_.emplace(std::move(*store));
    const std::string config = dir_.WriteFile(
        "scheduler.yaml", "lease: 3s\nheartbeat_interval: 500ms\ntick_interval: 100ms\n");
    absl::StatusOr<ServiceProcess> scheduler =
        ServiceProcess::Start(BinaryPath("meshproof-scheduler"),
                              {"--listen", "127.0.0.1:0", "--db", dir_.File("scheduler.db"),
                               "--store", store_->address(), "--config", config},
                              dir_.File("scheduler.log"));
    ASSERT_TRUE(scheduler.ok()) << scheduler.status();
    scheduler_.emplace(std::move(*scheduler));
    absl::StatusOr<ServiceProcess> agent = ServiceProcess::Start(
        BinaryPath("meshproof-agent"),
        {"--listen", "127.0.0.1:0", "--scheduler", scheduler_->address(), "--cluster", "lab",
         "--agent-id", "lab-agent", "--environment-kind", "lab"},
        dir_.File("agent.log"));
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_.emplace(std::move(*agent));

    scheduler_stub_ = v1::SchedulerService::NewStub(
        grpc::CreateChannel(scheduler_->address(), grpc::InsecureChannelCredentials()));
    store_stub_ = sv1::ResultsStoreService::NewStub(
        grpc::CreateChannel(store_->address(), grpc::InsecureChannelCredentials()));
    setenv("MESHPROOF_SCHEDULER", scheduler_->address().c_str(), 1);
    setenv("MESHPROOF_STORE", store_->address().c_str(), 1);
    setenv("HOME", dir_.path().c_str(), 1);
    unsetenv("MESHPROOF_TOKEN");
    ASSERT_NO_FATAL_FAILURE(WaitForAgent());
    scenario_file_ = dir_.WriteFile("secret-echo.yaml", kScenario);
    const CommandResult submit = Cli({"scenario", "submit", scenario_file_});
    ASSERT_EQ(submit.exit_code, 0) << submit.out << submit.err;
  }

  void TearDown() override {
    if (!HasFailure()) return;
    for (const char* log : {"scheduler.log", "store.log", "agent.log"}) {
      std::string text = ReadFileOrEmpty(dir_.File(log));
      if (text.size() > 6000) text = text.substr(text.size() - 6000);
      std::cerr << "---- " << log << " (tail) ----\n" << text << "\n";
    }
  }

  void WaitForAgent() {
    const absl::Time give_up = absl::Now() + absl::Seconds(15);
    while (absl::Now() < give_up) {
      grpc::ClientContext context;
      Deadline(&context);
      v1::ListAgentsResponse resp;
      if (scheduler_stub_->ListAgents(&context, v1::ListAgentsRequest(), &resp).ok()) {
        for (const v1::AgentStatus& a : resp.agents()) {
          if (a.state() == v1::AGENT_STATE_CONNECTED) return;
        }
      }
      absl::SleepFor(absl::Milliseconds(50));  // another process: nothing to wait on
    }
    FAIL() << "the agent never showed up connected at the scheduler";
  }

  CommandResult Cli(std::vector<std::string> args) {
    args.insert(args.begin(), BinaryPath("meshproof"));
    return RunCommand(args);
  }

  // Everything a CLI invocation printed, checked, and its stdout returned.
  std::string CliChecked(const std::vector<std::string>& args, int expected_exit) {
    const CommandResult r = Cli(args);
    const std::string what =
        absl::StrCat("meshproof ", args[0], " ", args.size() > 1 ? args[1] : "");
    EXPECT_EQ(r.exit_code, expected_exit) << what << "\n" << r.out << r.err;
    ExpectNoSecret(what + " (stdout)", r.out);
    ExpectNoSecret(what + " (stderr)", r.err);
    return r.out;
  }

  std::string SecretFlag() const { return absl::StrCat("API_TOKEN=", kSecret); }

  TempDir dir_;
  std::unique_ptr<Lab> lab_;
  std::optional<ServiceProcess> store_;
  std::optional<ServiceProcess> scheduler_;
  std::optional<ServiceProcess> agent_;
  std::unique_ptr<v1::SchedulerService::Stub> scheduler_stub_;
  std::unique_ptr<sv1::ResultsStoreService::Stub> store_stub_;
  std::string scenario_file_;
};

TEST_F(SecretsTest, ASecretRunUsesTheValueAndNothingShowsIt) {
  // One failing test on purpose: run start --wait exits 1.
  const std::string started =
      CliChecked({"run", "start", "secret-echo", "--vars-file", lab_->env_file(), "--secret-var",
                  SecretFlag(), "--wait", "--output", "json"},
                 1);
  const size_t at = started.find("\"run_id\": \"");
  ASSERT_NE(at, std::string::npos) << started;
  const std::string run_id = started.substr(at + 11, started.find('"', at + 11) - at - 11);

  std::optional<sv1::RunDetail> stored = WaitForFinishedRun(*store_stub_, run_id, 3,
                                                            /*include_evidence=*/true);
  ASSERT_TRUE(stored.has_value());
  std::map<std::string, rv1::TestResult> results;
  for (const rv1::TestResult& r : stored->results()) results[r.test()] = r;
  // The probes sent the real value: httpbin echoed it and the expectations held.
  EXPECT_EQ(results["header-echoed"].verdict(), rv1::TEST_VERDICT_PASS)
      << results["header-echoed"].reason();
  EXPECT_EQ(results["query-echoed"].verdict(), rv1::TEST_VERDICT_PASS)
      << results["query-echoed"].reason();
  EXPECT_EQ(results["echo-mismatch"].verdict(), rv1::TEST_VERDICT_FAIL)
      << results["echo-mismatch"].reason();
  // What the store keeps says *** where the secret was.
  EXPECT_THAT(results["query-echoed"].reproduction(), HasSubstr("token=***"));
  EXPECT_THAT(std::string(results["header-echoed"].outcome().http().body_excerpt()),
              HasSubstr("***"));
  ExpectNoSecret("the store's RunDetail", stored->DebugString());

  // The scheduler's answers.
  {
    grpc::ClientContext context;
    Deadline(&context);
    v1::GetRunRequest req;
    req.set_run_id(run_id);
    v1::Run run;
    ASSERT_TRUE(scheduler_stub_->GetRun(&context, req, &run).ok());
    EXPECT_EQ(run.vars().at("API_TOKEN"), "***");
    EXPECT_THAT(run.secret_vars(), ::testing::ElementsAre("API_TOKEN"));
    ExpectNoSecret("GetRun", run.DebugString());
  }
  {
    grpc::ClientContext context;
    Deadline(&context);
    v1::ListRunsResponse runs;
    ASSERT_TRUE(scheduler_stub_->ListRuns(&context, v1::ListRunsRequest(), &runs).ok());
    ExpectNoSecret("ListRuns", runs.DebugString());
  }
  {
    grpc::ClientContext context;
    Deadline(&context);
    v1::GetScenarioRequest req;
    req.set_name("secret-echo");
    v1::ScenarioVersion version;
    ASSERT_TRUE(scheduler_stub_->GetScenario(&context, req, &version).ok());
    ExpectNoSecret("GetScenario", version.DebugString());
  }
  {
    grpc::ClientContext context;
    Deadline(&context, absl::Seconds(10));
    v1::WatchRunRequest req;
    req.set_run_id(run_id);
    std::unique_ptr<grpc::ClientReader<v1::RunEvent>> reader =
        scheduler_stub_->WatchRun(&context, req);
    std::string events;
    v1::RunEvent event;
    int count = 0;
    while (reader->Read(&event)) {
      absl::StrAppend(&events, event.DebugString());
      ++count;
    }
    EXPECT_GE(count, 4);
    ExpectNoSecret("WatchRun", events);
  }

  // The CLI's views and every report format.
  for (const char* output : {"json", "yaml", "table"}) {
    CliChecked({"run", "show", run_id, "--output", output}, 0);
    CliChecked({"run", "list", "--output", output}, 0);
  }
  CliChecked({"run", "watch", run_id, "--output", "json"}, 1);
  for (const char* format : {"md", "html", "junit", "json"}) {
    const std::string report = CliChecked({"report", run_id, "--format", format}, 0);
    // Markdown escapes the stars.
    EXPECT_TRUE(report.find("***") != std::string::npos ||
                report.find("\\*\\*\\*") != std::string::npos)
        << format << ":\n"
        << report;
  }

  // The services' logs and the store's files, byte for byte.
  for (const char* file : {"scheduler.log", "store.log", "agent.log", "store.db", "store.db-wal"}) {
    ExpectNoSecret(file, ReadFileOrEmpty(dir_.File(file)));
  }
}

TEST_F(SecretsTest, ProbeExplainAndLintNeverPrintTheSecret) {
  // probe runs the same scenario on the agent directly; its table and JSON come back
  // redacted by the agent and pass the CLI's own redaction.
  for (const char* output : {"table", "json"}) {
    const std::string out =
        CliChecked({"probe", "--agent", agent_->address(), scenario_file_, "--vars-file",
                    lab_->env_file(), "--secret-var", SecretFlag(), "--output", output},
                   1);
    EXPECT_THAT(out, HasSubstr("header-echoed"));
  }
  const std::string explained = CliChecked(
      {"explain", scenario_file_, "--vars-file", lab_->env_file(), "--secret-var", SecretFlag()},
      0);
  EXPECT_THAT(explained, HasSubstr("***"));
  CliChecked(
      {"lint", scenario_file_, "--vars-file", lab_->env_file(), "--secret-var", SecretFlag()}, 0);
  // A declared secret given with a plain --var is still hidden.
  CliChecked({"explain", scenario_file_, "--vars-file", lab_->env_file(), "--var", SecretFlag()},
             0);
  ExpectNoSecret("agent.log", ReadFileOrEmpty(dir_.File("agent.log")));
}

TEST_F(SecretsTest, ValidationErrorsAndSchedulesDoNotEchoTheSecret) {
  // A space makes the URL invalid: the scheduler's refusal quotes the URL, redacted.
  const std::string bad = "Zq7Secret Token9xK";
  const CommandResult refused = Cli({"run", "start", "secret-echo", "--vars-file", lab_->env_file(),
                                     "--secret-var", absl::StrCat("API_TOKEN=", bad)});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_THAT(refused.err, Not(HasSubstr(bad)));
  EXPECT_THAT(ReadFileOrEmpty(dir_.File("scheduler.log")), Not(HasSubstr(bad)));

  // Too short to be a secret: refused, naming the variable, not quoting the value.
  const CommandResult short_secret = Cli(
      {"run", "start", "secret-echo", "--vars-file", lab_->env_file(), "--var", "API_TOKEN=q7z"});
  EXPECT_EQ(short_secret.exit_code, 2) << short_secret.out << short_secret.err;
  EXPECT_THAT(short_secret.err, HasSubstr("API_TOKEN"));
  EXPECT_THAT(short_secret.err, Not(HasSubstr("q7z")));

  // A schedule keeps the value to start its runs, and shows it nowhere.
  CliChecked({"schedule", "create", "nightly-secret", "--scenario", "secret-echo", "--every", "1h",
              "--var", absl::StrCat("HTTPBIN_URL=", lab_->Get("HTTPBIN_URL")), "--secret-var",
              SecretFlag(), "--output", "json"},
             0);
  grpc::ClientContext context;
  Deadline(&context);
  v1::GetScheduleRequest req;
  req.set_schedule_id("nightly-secret");
  v1::Schedule schedule;
  ASSERT_TRUE(scheduler_stub_->GetSchedule(&context, req, &schedule).ok());
  EXPECT_EQ(schedule.vars().at("API_TOKEN"), "***");
  ExpectNoSecret("GetSchedule", schedule.DebugString());
  const std::string triggered =
      CliChecked({"schedule", "trigger", "nightly-secret", "--output", "json"}, 0);
  CliChecked({"schedule", "list", "--output", "yaml"}, 0);
  ExpectNoSecret("scheduler.log", ReadFileOrEmpty(dir_.File("scheduler.log")));
}

TEST_F(SecretsTest, DatabaseFilesAreOwnerOnly) {
  // Both services have written (a run finished) by the end of a run; WAL and shared
  // memory files exist beside each database.
  CliChecked({"run", "start", "secret-echo", "--vars-file", lab_->env_file(), "--secret-var",
              SecretFlag(), "--wait", "--output", "json"},
             1);
  for (const char* file : {"store.db", "store.db-wal", "store.db-shm", "scheduler.db",
                           "scheduler.db-wal", "scheduler.db-shm"}) {
    struct stat info {};
    ASSERT_EQ(stat(dir_.File(file).c_str(), &info), 0) << file;
    EXPECT_EQ(info.st_mode & 0777, 0600u) << file;
  }
}

}  // namespace
}  // namespace meshproof::e2e
