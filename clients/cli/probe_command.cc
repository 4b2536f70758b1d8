#include "clients/cli/probe_command.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "clients/cli/agent_client.h"
#include "clients/cli/cli_config.h"
#include "clients/cli/command_support.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/json_lines.h"
#include "clients/cli/proto_json.h"
#include "clients/cli/rpc_caller.h"
#include "clients/cli/scenario_input.h"
#include "services/common/results/attempts.h"
#include "services/common/results/verdict_words.h"
#include "services/common/usable_cpus.h"

namespace meshproof::cli {
namespace {

namespace rv1 = ::meshproof::result::v1;

struct ProbeFlags {
  std::vector<std::string> files;
  std::string agent;
  std::string output = "table";
  std::vector<std::string> only;
  int timeout_seconds = 600;
  VarFlags vars;
  // Token and TLS, resolved like every other command's (cli_config.h).
  ConnectionFlags connection;
};

void PrintResult(const rv1::TestResult& r) {
  std::printf("%-8s %-32s expected %-28s got %s\n", results::TestVerdictWord(r.verdict()).c_str(),
              r.test().c_str(), r.expected_summary().c_str(),
              r.actual_summary().empty() ? "-" : r.actual_summary().c_str());
  if (r.verdict() != rv1::TEST_VERDICT_PASS && !r.reason().empty()) {
    std::printf("         %s\n", r.reason().c_str());
  }
  if (r.flaky()) {
    std::printf("         flaky: the attempts disagreed (%s)\n",
                results::AttemptSequence(r.attempt_history()).c_str());
  }
  for (const rv1::Evidence& e : r.evidence()) {
    for (const std::string& line : e.lines())
      std::printf("         [%s] %s\n", e.name().c_str(), line.c_str());
  }
  std::fflush(stdout);
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string out;
  (void)AppendProtoJson(message, &out);
  return out;
}

// Parses every file, on up to one thread per CPU: nothing runs until all are parsed,
// and parsing a large scenario takes as long as running it on a fast target. Reports
// the first file in the given order that fails, as a parse one by one would. Returns
// kExitOk or kExitBadInput.
int LoadAll(const std::vector<std::string>& files, const std::map<std::string, std::string>& vars,
            const std::set<std::string>& secret_names,
            std::vector<meshproof::scenario::v1::Scenario>* scenarios) {
  struct Loaded {
    absl::StatusOr<meshproof::scenario::v1::Scenario> parsed = absl::UnknownError("not parsed");
    std::vector<scenario::Diagnostic> diagnostics;
  };
  std::vector<Loaded> loaded(files.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < files.size(); i = next++) {
      loaded[i].parsed = LoadScenario(files[i], vars, /*substitute_vars=*/true,
                                      &loaded[i].diagnostics, secret_names);
    }
  };
  const size_t threads = std::min<size_t>(files.size(), static_cast<size_t>(UsableCpus()));
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& helper : helpers) helper.join();
  for (Loaded& file : loaded) {
    if (!file.parsed.ok()) {
      if (file.diagnostics.empty())
        std::fprintf(stderr, "%s\n", std::string(file.parsed.status().message()).c_str());
      for (const auto& d : file.diagnostics) std::fprintf(stderr, "%s\n", d.ToString().c_str());
      return kExitBadInput;
    }
    scenarios->push_back(*std::move(file.parsed));
  }
  return kExitOk;
}

int RunProbe(const ProbeFlags& flags) {
  std::string agent = flags.agent;
  if (agent.empty()) {
    if (const char* env = std::getenv("MESHPROOF_AGENT")) agent = env;
  }
  if (agent.empty()) {
    std::fprintf(stderr,
                 "probe: no agent address; pass --agent HOST:PORT or set MESHPROOF_AGENT\n");
    return kExitBadInput;
  }
  if (flags.output != "table" && flags.output != "json") {
    std::fprintf(stderr, "--output: expected table or json, got \"%s\"\n", flags.output.c_str());
    return kExitBadInput;
  }
  std::set<std::string> secret_names;
  auto vars = MergeVars(flags.vars, &secret_names);
  if (!vars.ok()) {
    std::fprintf(stderr, "%s\n", std::string(vars.status().message()).c_str());
    return kExitBadInput;
  }
  // Parse every file first: bad input is reported before anything runs.
  std::vector<meshproof::scenario::v1::Scenario> scenarios;
  if (int code = LoadAll(flags.files, *vars, secret_names, &scenarios); code != kExitOk)
    return code;
  // The token and TLS come from where every command finds them: flags, environment, config file.
  auto config = ResolveConfig(flags.connection, ProcessEnv());
  if (!config.ok()) return PrintError(config.status());
  auto channel = MakeChannel(agent, config->token.value, config->tls, config->insecure);
  if (!channel.ok()) {
    std::fprintf(stderr, "probe: %s\n", std::string(channel.status().message()).c_str());
    return kExitBadInput;
  }
  const Peer peer{"agent", agent, "--agent", "MESHPROOF_AGENT"};
  const AgentClient client(*channel, RpcCaller(peer, absl::Seconds(flags.timeout_seconds)));
  bool any_failed = false, any_inconclusive = false;
  // JSON lines are converted and written on a thread of their own, in batches, while
  // the next results arrive.
  std::unique_ptr<JsonLineWriter> json_lines;
  if (flags.output == "json") json_lines = std::make_unique<JsonLineWriter>(stdout);
  for (const auto& scenario : scenarios) {
    if (flags.output == "table") std::printf("== %s\n", scenario.name().c_str());
    absl::StatusOr<rv1::ScenarioOutcome> result = client.Execute(
        scenario, flags.only, absl::Seconds(flags.timeout_seconds), [&](const rv1::TestResult& r) {
          if (flags.output == "table") PrintResult(r);
          if (json_lines) json_lines->Push(r);
        });
    // The scenario's results come before its outcome (or the error).
    if (json_lines) json_lines->Flush();
    if (!result.ok()) {
      if (result.status().code() != absl::StatusCode::kUnavailable &&
          result.status().code() != absl::StatusCode::kDeadlineExceeded) {
        return PrintError(absl::Status(result.status().code(),
                                       absl::StrCat("the agent refused scenario ", scenario.name(),
                                                    ": ", result.status().message())));
      }
      return PrintError(result.status());
    }
    const rv1::ScenarioOutcome& outcome = *result;
    if (flags.output == "table") {
      const rv1::RunCounts& c = outcome.counts();
      std::printf("-> %s: %u passed, %u failed, %u errors, %u skipped, %u blocked%s%s\n",
                  results::RunVerdictWord(outcome.verdict()).c_str(), c.passed(), c.failed(),
                  c.errors(), c.skipped(), c.blocked(), outcome.reason().empty() ? "" : " — ",
                  outcome.reason().c_str());
      for (const rv1::ClaimResult& claim : outcome.claims()) {
        std::printf("   claim %-4s %s\n", claim.id().c_str(),
                    results::ClaimVerdictWord(claim.verdict()).c_str());
      }
    } else {
      std::printf("%s\n", ToJson(outcome).c_str());
    }
    std::fflush(stdout);
    any_failed |=
        outcome.verdict() == rv1::RUN_VERDICT_FAILED || outcome.verdict() == rv1::RUN_VERDICT_ERROR;
    any_inconclusive |= outcome.verdict() == rv1::RUN_VERDICT_INCONCLUSIVE;
  }
  if (any_failed) return kExitFailed;
  if (any_inconclusive) return kExitInconclusive;
  return kExitOk;
}

}  // namespace

void AddProbeCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ProbeFlags>();
  CLI::App* probe =
      app.add_subcommand("probe", "Run scenarios on an agent now, without scheduler or store");
  probe->footer(
      "Example:\n  meshproof probe examples/scenarios/10-ingress.yaml --agent 127.0.0.1:7070 "
      "--vars-file lab.env\n"
      "Deferred tests that require approval are skipped here: they run only in a scheduler run an "
      "approver\n"
      "approved (meshproof run start, then meshproof run approve).\n"
      "Exit codes: 0 every scenario passed, 1 a test failed, 2 bad input or a refused token, 3 "
      "agent unreachable\n"
      "or busy, 4 inconclusive.");
  probe->add_option("files", flags->files, "scenario YAML files")->required();
  probe->add_option("--agent", flags->agent, "agent HOST:PORT (or MESHPROOF_AGENT)");
  probe->add_option("--output", flags->output, "table or json")->capture_default_str();
  probe->add_option("--only", flags->only, "run only this test (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  probe->add_option("--timeout", flags->timeout_seconds, "seconds a scenario may take")
      ->capture_default_str();
  probe->add_option("--config", flags->connection.config_file,
                    "config file for the token (default ~/.config/meshproof/config.yaml)");
  probe->add_option("--var", flags->vars.vars, "set a variable, NAME=VALUE (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  probe->add_option("--vars-file", flags->vars.vars_files, "read variables from a file")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  AddSecretVarFlag(probe, &flags->vars);
  AddTokenFlags(probe, &flags->connection);
  AddTlsFlags(probe, &flags->connection);
  probe->callback([flags, exit_code] { *exit_code = RunProbe(*flags); });
}

}  // namespace meshproof::cli
