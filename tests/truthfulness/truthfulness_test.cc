// The truthfulness suite: one gtest (Truthfulness.NAME) per case file in tests/truthfulness/cases/
// (or in $MESHPROOF_TRUTH_CASES). Each case starts its own lab(s) with the perturbation it names, a
// real meshproof-agent process, executes its scenario(s) over gRPC, and passes only if every listed
// test ends with the right verdict AND the right words in its reason. Every judged expectation
// prints a TRUTH line (see verdict_check.h), and every case a final TRUTH_CASE line, for
// scripts/truthfulness-loop.sh.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "meshproof/agent/v1/agent.grpc.pb.h"
#include "services/scenario/scenario_parser.h"
#include "tests/testing/lab.h"
#include "tests/testing/loopback_listener.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"
#include "tests/truthfulness/case_actions.h"
#include "tests/truthfulness/netns_relay.h"
#include "tests/truthfulness/truth_case.h"
#include "tests/truthfulness/verdict_check.h"

namespace meshproof::truth {
namespace {

namespace av1 = ::meshproof::agent::v1;
namespace rv1 = ::meshproof::result::v1;
using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::Lab;
using ::meshproof::testing::ServiceProcess;

// Well under the ctest timeout, so that a hung run is reported (with the agent's log)
// instead of the case being killed without a word.
constexpr auto kExecuteDeadline = std::chrono::seconds(30);

std::string CasesDir() {
  if (const char* dir = std::getenv("MESHPROOF_TRUTH_CASES"); dir != nullptr && *dir != '\0')
    return dir;
  return absl::StrCat(MESHPROOF_SOURCE_DIR, "/tests/truthfulness/cases");
}

// Prints one line to stdout at once, so lines of cases run in parallel stay whole.
void PrintLine(const std::string& line) {
  std::string text = line + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

std::string Quote(const std::string& text) {
  return absl::StrCat("\"", absl::StrReplaceAll(text, {{"\n", " | "}, {"\"", "'"}}), "\"");
}

// lab.sh prints its usage before the error: keep the lines that say what went wrong.
std::string LabError(absl::string_view message) {
  std::vector<std::string> kept;
  for (absl::string_view line : absl::StrSplit(message, '\n')) {
    if (absl::StrContains(line, "error") || absl::StrContains(line, "failed"))
      kept.emplace_back(line);
  }
  return kept.empty() ? std::string(message) : absl::StrJoin(kept, " / ");
}

struct RunAnswer {
  std::map<std::string, Observed> tests;
  std::map<std::string, Observed> claims;
  std::optional<Observed> run;
  std::string rpc_error;  // empty when the call ended OK
};

// Gated tests (deferral.requires_approval) are SKIPPED here: approval reaches an agent only
// in a scheduler's assignment (tests/probe-agent/agent_auth_test.cc covers that path).
RunAnswer Execute(const std::string& address, const scenario::v1::Scenario& scenario) {
  auto stub = av1::ProbeAgentService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kExecuteDeadline);
  av1::ExecuteRequest request;
  *request.mutable_scenario() = scenario;
  auto reader = stub->Execute(&context, request);
  RunAnswer answer;
  av1::ExecuteEvent event;
  while (reader->Read(&event)) {
    if (event.has_result()) {
      const rv1::TestResult& r = event.result();
      answer.tests[r.test()] = {
          std::string(absl::StripPrefix(rv1::TestVerdict_Name(r.verdict()), "TEST_VERDICT_")),
          r.reason()};
    }
    if (event.has_outcome()) {
      for (const rv1::ClaimResult& claim : event.outcome().claims()) {
        answer.claims[claim.id()] = {
            std::string(
                absl::StripPrefix(rv1::ClaimVerdict_Name(claim.verdict()), "CLAIM_VERDICT_")),
            ""};
      }
      answer.run = Observed{std::string(absl::StripPrefix(
                                rv1::RunVerdict_Name(event.outcome().verdict()), "RUN_VERDICT_")),
                            event.outcome().reason()};
    }
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) answer.rpc_error = absl::StrCat("Execute: ", status.error_message());
  return answer;
}

// Runs one case and reports through gtest; returns false when the case is wrong.
class CaseRunner {
 public:
  explicit CaseRunner(TruthCase c) : case_(std::move(c)) {}
  ~CaseRunner() {
    // The agent goes first (it may hold files of the labs), then the labs.
    relay_.reset();
    agent_.reset();
    labs_.clear();
  }

  bool Run() {
    if (!StartLabs() || !StartAgent()) return false;
    ActionRunner actions(lab_dirs_, vars_);
    bool ok = true;
    for (size_t i = 0; i < case_.runs.size(); ++i) {
      ok &= RunOne(actions, static_cast<int>(i) + 1, case_.runs[i]);
      // Later runs build on this one's perturbation: once it did not happen, stop.
      if (!broken_.empty()) break;
    }
    if (!ok) PrintAgentLog();
    return ok;
  }

  // Why the case could not be carried out, if it could not (printed in TRUTH_CASE).
  const std::string& broken() const { return broken_; }

 private:
  bool Broken(const std::string& why) {
    broken_ = why;
    ADD_FAILURE() << case_.file << ": " << why;
    return false;
  }

  bool StartLabs() {
    // One after the other: RunCommand's pipes are inherited by a command forked at the
    // same moment from another thread, and lab.sh's daemons would then hold the other
    // call's pipe open for ever (it would never see end-of-file).
    for (int i = 1; i <= case_.labs; ++i) {
      lab_dirs_.push_back(dir_.File(absl::StrCat("lab", i)));
      Lab::Options options;
      options.extra_args = case_.lab_args;
      auto lab = Lab::Start(lab_dirs_.back(), options);
      if (!lab.ok())
        return Broken(
            absl::StrCat("lab ", i, " did not start: ", LabError(lab.status().message())));
      for (const auto& [key, value] : (*lab)->env())
        vars_[i == 1 ? key : absl::StrCat("LAB", i, "_", key)] = value;
      labs_.push_back(std::move(*lab));
    }
    if (case_.agent_in_mesh_netns) UseMeshView();
    vars_["CASE_DIR"] = dir_.File("case");
    std::filesystem::create_directories(vars_["CASE_DIR"]);
    vars_["CLOSED_PORT"] = absl::StrCat(closed_port_.port());
    return true;
  }

  // An agent inside the mesh namespace reaches the lab at other addresses: the lab's
  // mesh.env (when it writes one) has lab 1's keys with the mesh's values.
  void UseMeshView() {
    const std::string file = vars_["MESH_ENV_FILE"];
    if (file.empty()) return;
    for (absl::string_view line : absl::StrSplit(testing::ReadFileOrEmpty(file), '\n')) {
      const size_t eq = line.find('=');
      if (eq == absl::string_view::npos || absl::StartsWith(line, "#")) continue;
      vars_[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
    }
  }

  bool StartAgent() {
    const std::vector<std::string> args = {"--listen", "127.0.0.1:0", "--cluster", "lab"};
    if (!case_.agent_in_mesh_netns) {
      auto agent = ServiceProcess::Start(BinaryPath("meshproof-agent"), args, AgentLog());
      if (!agent.ok())
        return Broken(absl::StrCat("agent did not start: ", agent.status().message()));
      agent_.emplace(std::move(*agent));
      agent_address_ = agent_->address();
      return true;
    }
    // Inside the mesh namespace, as a pod's agent; the relay carries gRPC in.
    const std::string ns = vars_["MESH_NETNS"];
    if (ns.empty())
      return Broken(
          "agent.netns: mesh needs a lab started with --netns (no MESH_NETNS in lab.env)");
    std::vector<std::string> argv = {"netns", "exec", ns, BinaryPath("meshproof-agent")};
    argv.insert(argv.end(), args.begin(), args.end());
    auto agent = ServiceProcess::Start("/usr/bin/ip", argv, AgentLog());
    if (!agent.ok())
      return Broken(absl::StrCat("agent did not start in ", ns, ": ", agent.status().message()));
    agent_.emplace(std::move(*agent));
    const std::string inner = agent_->address();
    int port = 0;
    if (!absl::SimpleAtoi(inner.substr(inner.rfind(':') + 1), &port))
      return Broken("agent printed no port");
    auto relay = NetnsRelay::Start(ns, "127.0.0.1", port);
    if (!relay.ok()) return Broken(std::string(relay.status().message()));
    relay_ = std::move(*relay);
    agent_address_ = relay_->address();
    return true;
  }

  std::string AgentLog() const { return dir_.File("agent.log"); }

  void PrintAgentLog() const {
    std::printf("---- agent log (%s) ----\n%s---- end of agent log ----\n", case_.name.c_str(),
                testing::ReadFileOrEmpty(AgentLog()).c_str());
  }

  absl::StatusOr<scenario::v1::Scenario> ParseScenario(const CaseRun& run) const {
    scenario::ParseOptions options;
    options.file_name = case_.file;
    options.vars = vars_;
    options.vars["NOW_ISO8601"] = NowIso8601();
    std::vector<scenario::Diagnostic> diagnostics;
    auto parsed = scenario::ParseScenario(run.scenario, options, &diagnostics);
    if (parsed.ok()) return parsed;
    // Positions are relative to the scenario text; shift them to the case file's lines.
    std::vector<std::string> lines;
    for (scenario::Diagnostic d : diagnostics) {
      if (d.line > 0) d.line += run.scenario_line - 1;
      if (d.column > 0) d.column += run.scenario_indent;
      lines.push_back(d.ToString());
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "scenario does not parse:\n",
        lines.empty() ? std::string(parsed.status().message()) : absl::StrJoin(lines, "\n")));
  }

  bool RunOne(const ActionRunner& actions, int index, const CaseRun& run) {
    const std::string label = absl::StrCat("run ", index);
    if (absl::Status s = actions.RunAll(run.before); !s.ok())
      return Broken(absl::StrCat(label, ": ", s.message()));
    auto scenario = ParseScenario(run);
    if (!scenario.ok()) return Broken(absl::StrCat(label, ": ", scenario.status().message()));

    // `during` actions run beside the call, against marks taken before it starts.
    const std::vector<uint64_t> marks = actions.TakeMarks(run.during);
    absl::Status during_status;
    std::thread during([&] { during_status = actions.RunAll(run.during, marks); });
    RunAnswer answer = Execute(agent_address_, *scenario);
    during.join();

    bool ok = true;
    for (const Expectation& e : run.expect) {
      std::optional<Observed> observed;
      const auto& answers =
          e.subject == Expectation::Subject::kClaim ? answer.claims : answer.tests;
      if (e.subject == Expectation::Subject::kRun) {
        observed = answer.run;
      } else if (auto it = answers.find(e.name); it != answers.end()) {
        observed = it->second;
      }
      const Judgement j = Judge(e, observed);
      PrintLine(TruthLine(case_.name, index, e, observed, j));
      if (!j.ok) {
        ADD_FAILURE() << e.where << ": " << label << ": " << j.why;
        ok = false;
      }
    }
    if (!answer.rpc_error.empty()) {
      ADD_FAILURE() << case_.file << ": " << label << ": " << answer.rpc_error;
      ok = false;
    }
    if (!during_status.ok()) {
      // The perturbation did not happen as written: whatever the verdicts, the case
      // proved nothing.
      ADD_FAILURE() << label << ": " << during_status.message();
      if (broken_.empty()) broken_ = std::string(during_status.message());
      ok = false;
    }
    return ok;
  }

  TruthCase case_;
  testing::TempDir dir_;
  testing::RefusingPort closed_port_;
  std::vector<std::unique_ptr<Lab>> labs_;
  std::vector<std::string> lab_dirs_;
  std::map<std::string, std::string> vars_;
  std::optional<ServiceProcess> agent_;
  std::unique_ptr<NetnsRelay> relay_;
  std::string agent_address_;
  std::string broken_;
};

// One registered test per case file (registered in main, from the files found).
class Truthfulness : public ::testing::Test {
 public:
  explicit Truthfulness(std::string path) : path_(std::move(path)) {}

  void TestBody() override {
    const std::string stem = std::filesystem::path(path_).stem().string();
    auto loaded = LoadTruthCase(path_);
    if (!loaded.ok()) {
      PrintLine(absl::StrCat("TRUTH_CASE case=", stem,
                             " ok=0 broken=", Quote(std::string(loaded.status().message()))));
      FAIL() << loaded.status().message();
    }
    std::printf("case %s: %s\n", loaded->name.c_str(), loaded->about.c_str());
    CaseRunner runner(*loaded);
    const bool ok = runner.Run();
    PrintLine(absl::StrCat(
        "TRUTH_CASE case=", stem, " ok=", ok ? 1 : 0,
        runner.broken().empty() ? "" : absl::StrCat(" broken=", Quote(runner.broken()))));
  }

 private:
  std::string path_;
};

// A gtest name for a case file: its stem with every character other than letters and
// digits as '_' ('-' would read as a negative pattern in --gtest_filter).
std::string CaseTestName(const std::string& path) {
  std::string name = std::filesystem::path(path).stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

void RegisterCases() {
  for (const std::string& path : ListCaseFiles(CasesDir())) {
    ::testing::RegisterTest("Truthfulness", CaseTestName(path).c_str(), nullptr, nullptr,
                            path.c_str(), 1,
                            [path]() -> ::testing::Test* { return new Truthfulness(path); });
  }
}

}  // namespace
}  // namespace meshproof::truth

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  meshproof::truth::RegisterCases();
  return RUN_ALL_TESTS();
}
