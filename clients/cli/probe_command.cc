#include "clients/cli/probe_command.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "clients/cli/cli_config.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/rpc_caller.h"
#include "clients/cli/scenario_input.h"
#include "meshproof/agent/v1/agent.grpc.pb.h"
#include "services/common/results/attempts.h"
#include "services/common/results/verdict_words.h"

namespace meshproof::cli {
namespace {

namespace av1 = ::meshproof::agent::v1;
namespace rv1 = ::meshproof::result::v1;

struct ProbeFlags {
  std::vector<std::string> files;
  std::string agent;
  std::string output = "table";
  std::vector<std::string> only;
  bool approved = false;
  int timeout_seconds = 600;
  VarFlags vars;
  // Token and TLS, resolved like every other command's (cli_config.h).
  ConnectionFlags connection;
};

void PrintResult(const rv1::TestResult& r) {
  std::printf("%-8s %-32s expected %-28s got %s\n", results::TestVerdictWord(r.verdict()).c_str(), r.test().c_str(),
              r.expected_summary().c_str(), r.actual_summary().empty() ? "-" : r.actual_summary().c_str());
  if (r.verdict() != rv1::TEST_VERDICT_PASS && !r.reason().empty()) {
    std::printf("         %s\n", r.reason().c_str());
  }
  if (r.flaky()) {
    std::printf("         flaky: the attempts disagreed (%s)\n", results::AttemptSequence(r.attempt_history()).c_str());
  }
  for (const rv1::Evidence& e : r.evidence()) {
    for (const std::string& line : e.lines()) std::printf("         [%s] %s\n", e.name().c_str(), line.c_str());
  }
  std::fflush(stdout);
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

int RunProbe(const ProbeFlags& flags) {
  std::string agent = flags.agent;
  if (agent.empty()) {
    if (const char* env = std::getenv("MESHPROOF_AGENT")) agent = env;
  }
  if (agent.empty()) {
    std::fprintf(stderr, "probe: no agent address; pass --agent HOST:PORT or set MESHPROOF_AGENT\n");
    return kExitBadInput;
  }
  if (flags.output != "table" && flags.output != "json") {
    std::fprintf(stderr, "--output: expected table or json, got \"%s\"\n", flags.output.c_str());
    return kExitBadInput;
  }
  auto vars = MergeVars(flags.vars);
  if (!vars.ok()) {
    std::fprintf(stderr, "%s\n", std::string(vars.status().message()).c_str());
    return kExitBadInput;
  }
  // Parse every file first: bad input is reported before anything runs.
  std::vector<meshproof::scenario::v1::Scenario> scenarios;
  for (const std::string& file : flags.files) {
    std::vector<scenario::Diagnostic> diagnostics;
    auto parsed = LoadScenario(file, *vars, /*substitute_vars=*/true, &diagnostics);
    if (!parsed.ok()) {
      if (diagnostics.empty()) std::fprintf(stderr, "%s\n", std::string(parsed.status().message()).c_str());
      for (const auto& d : diagnostics) std::fprintf(stderr, "%s\n", d.ToString().c_str());
      return kExitBadInput;
    }
    scenarios.push_back(std::move(*parsed));
  }
  auto config = ResolveConfig(flags.connection, ProcessEnv());
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", std::string(config.status().message()).c_str());
    return kExitBadInput;
  }
  auto channel = MakeChannel(agent, config->token.value, config->tls, config->insecure);
  if (!channel.ok()) {
    std::fprintf(stderr, "probe: %s\n", std::string(channel.status().message()).c_str());
    return kExitBadInput;
  }
  auto stub = av1::ProbeAgentService::NewStub(*channel);
  bool any_failed = false, any_inconclusive = false;
  for (const auto& scenario : scenarios) {
    av1::ExecuteRequest request;
    *request.mutable_scenario() = scenario;
    for (const std::string& test : flags.only) request.add_only_tests(test);
    request.set_approved(flags.approved);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(flags.timeout_seconds));
    auto reader = stub->Execute(&context, request);
    if (flags.output == "table") std::printf("== %s\n", scenario.name().c_str());
    av1::ExecuteEvent event;
    rv1::ScenarioOutcome outcome;
    while (reader->Read(&event)) {
      if (event.has_result()) {
        if (flags.output == "table") PrintResult(event.result());
        if (flags.output == "json") std::printf("%s\n", ToJson(event.result()).c_str());
      } else if (event.has_outcome()) {
        outcome = event.outcome();
      }
    }
    grpc::Status status = reader->Finish();
    if (!status.ok()) {
      if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
          status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
        std::fprintf(stderr, "cannot reach the agent at %s: %s — is it running? set --agent or MESHPROOF_AGENT\n",
                     agent.c_str(), status.error_message().c_str());
        return kExitUnavailable;
      }
      std::fprintf(stderr, "the agent refused scenario %s: %s\n", scenario.name().c_str(),
                   status.error_message().c_str());
      return status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ? kExitBadInput : kExitFailed;
    }
    if (flags.output == "table") {
      const rv1::RunCounts& c = outcome.counts();
      std::printf("-> %s: %u passed, %u failed, %u errors, %u skipped, %u blocked%s%s\n",
                  results::RunVerdictWord(outcome.verdict()).c_str(), c.passed(), c.failed(), c.errors(), c.skipped(),
                  c.blocked(), outcome.reason().empty() ? "" : " — ", outcome.reason().c_str());
      for (const rv1::ClaimResult& claim : outcome.claims()) {
        std::printf("   claim %-4s %s\n", claim.id().c_str(),
                    results::ClaimVerdictWord(claim.verdict()).c_str());
      }
    } else {
      std::printf("%s\n", ToJson(outcome).c_str());
    }
    std::fflush(stdout);
    any_failed |= outcome.verdict() == rv1::RUN_VERDICT_FAILED || outcome.verdict() == rv1::RUN_VERDICT_ERROR;
    any_inconclusive |= outcome.verdict() == rv1::RUN_VERDICT_INCONCLUSIVE;
  }
  if (any_failed) return kExitFailed;
  if (any_inconclusive) return kExitInconclusive;
  return kExitOk;
}

}  // namespace

void AddProbeCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ProbeFlags>();
  CLI::App* probe = app.add_subcommand("probe", "Run scenarios on an agent now, without scheduler or store");
  probe->footer(
      "Example:\n  meshproof probe examples/scenarios/10-ingress.yaml --agent 127.0.0.1:7070 --vars-file lab.env\n"
      "Exit codes: 0 every scenario passed, 1 a test failed, 2 bad input, 3 agent unreachable, 4 inconclusive.");
  probe->add_option("files", flags->files, "scenario YAML files")->required();
  probe->add_option("--agent", flags->agent, "agent HOST:PORT (or MESHPROOF_AGENT)");
  probe->add_option("--output", flags->output, "table or json")->capture_default_str();
  probe->add_option("--only", flags->only, "run only this test (repeatable)")
      ->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  probe->add_flag("--approved", flags->approved, "also run deferred tests that require approval");
  probe->add_option("--timeout", flags->timeout_seconds, "seconds a scenario may take")->capture_default_str();
  probe->add_option("--var", flags->vars.vars, "set a variable, NAME=VALUE (repeatable)")
      ->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  probe->add_option("--vars-file", flags->vars.vars_files, "read variables from a file")
      ->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  AddTokenFlags(probe, &flags->connection);
  AddTlsFlags(probe, &flags->connection);
  probe->callback([flags, exit_code] { *exit_code = RunProbe(*flags); });
}

}  // namespace meshproof::cli
