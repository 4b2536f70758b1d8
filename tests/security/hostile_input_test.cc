// The hostile-input suite: every table in tests/security/inputs/ sent to the real
// meshproof-store, meshproof-scheduler and meshproof-agent processes on loopback (with
// bearer tokens on the store and scheduler), and hostile files given to the binaries.
// Each input must get the status its row names, within a bounded deadline (a
// DEADLINE_EXCEEDED is a hang); afterwards every process is alive and reports SERVING
// over grpc.health.v1.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "services/common/auth/token_hash.h"
#include "tests/security/hostile_runner.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::security {
namespace {

using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::ServiceProcess;
using ::meshproof::testing::TempDir;

constexpr char kAdminToken[] = "hostile-suite-admin-token-0123456789";
constexpr char kViewerToken[] = "hostile-suite-viewer-token-0123456789";
constexpr absl::Duration kCallDeadline = absl::Seconds(5);

std::string InputPath(const std::string& name) {
  return absl::StrCat(MESHPROOF_SOURCE_DIR, "/tests/security/inputs/", name);
}

std::string TokensYaml() {
  return absl::StrCat("tokens:\n  - name: suite-admin\n    roles: [admin]\n    sha256: ",
                      auth::HashToHex(auth::HashToken(kAdminToken)),
                      "\n  - name: suite-viewer\n    roles: [viewer]\n    sha256: ",
                      auth::HashToHex(auth::HashToken(kViewerToken)), "\n");
}

// The three services, started once per test program.
class Services {
 public:
  absl::Status Start() {
    const std::string tokens = dir_.WriteFile("tokens.yaml", TokensYaml());
    const std::string store_token = dir_.WriteFile("store-token", absl::StrCat(kAdminToken, "\n"));
    auto store = ServiceProcess::Start(
        BinaryPath("meshproof-store"),
        {"--listen", "127.0.0.1:0", "--db", dir_.File("store.db"), "--tokens", tokens},
        dir_.File("store.log"));
    if (!store.ok()) return store.status();
    store_ = std::make_unique<ServiceProcess>(std::move(*store));
    auto scheduler = ServiceProcess::Start(
        BinaryPath("meshproof-scheduler"),
        {"--listen", "127.0.0.1:0", "--db", dir_.File("scheduler.db"), "--tokens", tokens,
         "--store", store_->address(), "--store-token-file", store_token},
        dir_.File("scheduler.log"));
    if (!scheduler.ok()) return scheduler.status();
    scheduler_ = std::make_unique<ServiceProcess>(std::move(*scheduler));
    auto agent = ServiceProcess::Start(
        BinaryPath("meshproof-agent"),
        {"--listen", "127.0.0.1:0", "--cluster", "suite", "--agent-id", "suite-agent"},
        dir_.File("agent.log"));
    if (!agent.ok()) return agent.status();
    agent_ = std::make_unique<ServiceProcess>(std::move(*agent));
    return absl::OkStatus();
  }

  // A connection of its own per case: a case the server answers by closing the
  // connection (oversized headers) must not decide the next case's outcome.
  std::shared_ptr<grpc::Channel> ChannelFor(const std::string& rpc) {
    const std::string& address = absl::StartsWith(rpc, "meshproof.store.") ? store_->address()
                                 : absl::StartsWith(rpc, "meshproof.agent.")
                                     ? agent_->address()
                                     : scheduler_->address();
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    // Room for every answer a case may get (GetInfo, a page of 500 runs).
    args.SetMaxReceiveMessageSize(64 << 20);
    return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  }

  // Alive and SERVING, each of them; failures name the service and show its log.
  void ExpectHealthy() {
    const std::vector<std::pair<std::string, ServiceProcess*>> all = {
        {"store", store_.get()}, {"scheduler", scheduler_.get()}, {"agent", agent_.get()}};
    for (const auto& [name, process] : all) {
      int status = 0;
      const bool exited = waitpid(process->pid(), &status, WNOHANG) == process->pid();
      EXPECT_FALSE(exited) << name << " exited (status " << status << ")\n" << Log(name);
      if (exited) continue;
      auto channel = grpc::CreateChannel(process->address(), grpc::InsecureChannelCredentials());
      EXPECT_TRUE(Serving(channel, absl::Seconds(3))) << name << " is not SERVING\n" << Log(name);
    }
  }

  std::string Log(const std::string& name) {
    std::string log = ::meshproof::testing::ReadFileOrEmpty(dir_.File(name + ".log"));
    return log.size() > 4000 ? log.substr(log.size() - 4000) : log;
  }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::unique_ptr<ServiceProcess> store_, scheduler_, agent_;
};

// Runs a file case: the binary with the hostile file, bounded by timeout(1).
void RunFileCase(const HostileCase& c, const TempDir& dir, std::vector<std::string>* failures) {
  const std::string file = dir.WriteFile(absl::StrCat("case-", c.name), c.content);
  std::vector<std::string> argv = {"timeout", "-k", "2", "10", BinaryPath(c.binary)};
  for (const std::string& arg : c.args) {
    argv.push_back(absl::StrReplaceAll(arg, {{"{file}", file},
                                             {"{dir}", dir.path()},
                                             {"{src}", MESHPROOF_SOURCE_DIR},
                                             {"{db}", dir.File("files-" + c.name + ".db")}}));
  }
  ::meshproof::testing::CommandResult result = ::meshproof::testing::RunCommand(argv);
  if (result.exit_code == 124 || result.exit_code == 137) {
    failures->push_back(absl::StrCat(c.name, ": hung (killed after 10 s)"));
  } else if (result.exit_code >= 128) {
    failures->push_back(absl::StrCat(c.name, ": crashed with signal ", result.exit_code - 128, "\n",
                                     result.err.substr(0, 600)));
  } else if (result.exit_code != c.expect_exit) {
    failures->push_back(absl::StrCat(c.name, ": exit ", result.exit_code, ", expected ",
                                     c.expect_exit, "\n", result.err.substr(0, 600)));
  } else if (!c.message.empty() && !absl::StrContains(result.err + result.out, c.message)) {
    failures->push_back(
        absl::StrCat(c.name, ": output lacks \"", c.message, "\":\n", result.err.substr(0, 600)));
  }
}

// Each table gets fresh services, so its rows (and what they expect to be stored) do not
// depend on another table's.
class HostileInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    services_ = std::make_unique<Services>();
    absl::Status started = services_->Start();
    ASSERT_TRUE(started.ok()) << "services did not start: " << started;
  }

  // Runs every case of `table`; returns how many ran.
  size_t RunTable(const std::string& table) {
    absl::StatusOr<std::vector<HostileCase>> cases = LoadCases(InputPath(table));
    EXPECT_TRUE(cases.ok()) << cases.status();
    if (!cases.ok()) return 0;
    std::vector<std::string> failures;
    for (const HostileCase& c : *cases) {
      if (!c.binary.empty()) {
        RunFileCase(c, services_->dir(), &failures);
        continue;
      }
      absl::StatusOr<CallOutcome> outcome =
          CallCase(c, services_->ChannelFor(c.rpc), kAdminToken, kCallDeadline);
      if (!outcome.ok()) {
        failures.push_back(absl::StrCat(c.name, ": bad case: ", outcome.status().message()));
        continue;
      }
      if (outcome->took > absl::Seconds(2)) {
        std::cerr << table << ": " << c.name << " took " << absl::FormatDuration(outcome->took)
                  << "\n";
      }
      const std::string code = CodeName(outcome->code);
      if (outcome->code == grpc::StatusCode::DEADLINE_EXCEEDED &&
          std::find(c.expect.begin(), c.expect.end(), code) == c.expect.end()) {
        failures.push_back(absl::StrCat(c.name, ": hung (no answer within ",
                                        absl::FormatDuration(kCallDeadline), ")"));
      } else if (std::find(c.expect.begin(), c.expect.end(), code) == c.expect.end()) {
        failures.push_back(absl::StrCat(c.name, ": got ", code, " \"",
                                        outcome->message.substr(0, 300), "\", expected ",
                                        absl::StrJoin(c.expect, " or ")));
      } else if (c.count >= 0 && outcome->count != c.count) {
        failures.push_back(absl::StrCat(c.name, ": ", c.count_field, " holds ", outcome->count,
                                        " items, expected ", c.count));
      } else if (!c.message.empty() && !absl::StrContains(outcome->message, c.message)) {
        failures.push_back(absl::StrCat(c.name, ": ", code, " but the message \"",
                                        outcome->message.substr(0, 300), "\" lacks \"", c.message,
                                        "\""));
      }
    }
    for (const std::string& f : failures) ADD_FAILURE() << table << ": " << f;
    services_->ExpectHealthy();
    return cases->size();
  }

  std::unique_ptr<Services> services_;
};

TEST_F(HostileInputTest, Scenarios) { RunTable("scenarios.yaml"); }
TEST_F(HostileInputTest, SchedulerRequests) { RunTable("scheduler.yaml"); }
TEST_F(HostileInputTest, AgentGatewayStreams) { RunTable("gateway.yaml"); }
TEST_F(HostileInputTest, StoreRequests) { RunTable("store.yaml"); }
TEST_F(HostileInputTest, AgentRequests) { RunTable("agent.yaml"); }
TEST_F(HostileInputTest, Headers) { RunTable("headers.yaml"); }
TEST_F(HostileInputTest, Variables) { RunTable("variables.yaml"); }
TEST_F(HostileInputTest, Files) { RunTable("files.yaml"); }

// The suite's size is part of its promise: at least 150 hostile inputs in all.
TEST(HostileInputTables, HoldAtLeast150Inputs) {
  size_t total = 0;
  for (const char* table : {"scenarios.yaml", "scheduler.yaml", "gateway.yaml", "store.yaml",
                            "agent.yaml", "headers.yaml", "variables.yaml", "files.yaml"}) {
    auto cases = LoadCases(InputPath(table));
    ASSERT_TRUE(cases.ok()) << cases.status();
    total += cases->size();
  }
  EXPECT_GE(total, 150u);
}

}  // namespace
}  // namespace meshproof::security
