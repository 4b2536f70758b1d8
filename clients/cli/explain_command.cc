#include "clients/cli/explain_command.h"

#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/scenario_input.h"
#include "services/scenario/curl_command.h"
#include "services/scenario/describe.h"

namespace meshproof::cli {
namespace {

namespace v1 = ::meshproof::scenario::v1;

struct ExplainFlags {
  std::string file;
  VarFlags vars;
};

void AppendTest(const char* section, const v1::Test& test, const v1::Defaults& defaults,
                std::string* out) {
  absl::StrAppend(out, "\n[", section, "] ", test.name(), "\n");
  if (!test.description().empty()) absl::StrAppend(out, "  ", test.description(), "\n");
  if (test.has_deferral()) absl::StrAppend(out, "  deferred: ", test.deferral().reason(), "\n");
  absl::StrAppend(out, "  expect:  ", scenario::DescribeExpectation(test), "\n");
  if (!test.proves().empty()) absl::StrAppend(out, "  proves:  ", test.proves(), "\n");
  if (test.claims_size() > 0) {
    absl::StrAppend(out, "  claims:  ", absl::StrJoin(test.claims(), ", "), "\n");
  }
  const std::string command = scenario::ReproductionCommand(test, defaults);
  if (!command.empty()) absl::StrAppend(out, "  $ ", command, "\n");
  for (const std::string& line : scenario::EvidenceCommands(test)) {
    absl::StrAppend(out, "  evidence $ ", line, "\n");
  }
}

int RunExplain(const ExplainFlags& flags) {
  std::set<std::string> secret_names;
  auto vars = MergeVars(flags.vars, &secret_names);
  if (!vars.ok()) {
    std::fprintf(stderr, "%s\n", std::string(vars.status().message()).c_str());
    return kExitBadInput;
  }
  std::vector<scenario::Diagnostic> diagnostics;
  auto parsed =
      LoadScenario(flags.file, *vars, /*substitute_vars=*/true, &diagnostics, secret_names);
  if (!parsed.ok()) {
    if (diagnostics.empty())
      std::fprintf(stderr, "%s\n", std::string(parsed.status().message()).c_str());
    for (const auto& d : diagnostics) std::fprintf(stderr, "%s\n", d.ToString().c_str());
    return kExitBadInput;
  }
  std::fputs(ExplainScenario(*parsed).c_str(), stdout);
  return kExitOk;
}

}  // namespace

std::string ExplainScenario(const v1::Scenario& scenario) {
  std::string out = absl::StrCat("scenario ", scenario.name(), " (version ",
                                 scenario.source().content_hash().substr(0, 12), ")\n");
  if (!scenario.description().empty()) absl::StrAppend(&out, scenario.description(), "\n");
  for (const v1::Test& test : scenario.preflight())
    AppendTest("preflight", test, scenario.defaults(), &out);
  for (const v1::Test& test : scenario.setup())
    AppendTest("setup", test, scenario.defaults(), &out);
  for (const v1::Test& test : scenario.tests()) {
    AppendTest(test.has_deferral() ? "deferred" : "test", test, scenario.defaults(), &out);
  }
  for (const v1::Test& test : scenario.teardown())
    AppendTest("teardown", test, scenario.defaults(), &out);
  if (scenario.claims_size() > 0) {
    absl::StrAppend(&out, "\nclaims\n");
    for (const v1::Claim& claim : scenario.claims()) {
      absl::StrAppend(&out, "  ", claim.id(), "  ", claim.text(), "\n");
      if (!claim.reference().empty()) absl::StrAppend(&out, "      ", claim.reference(), "\n");
    }
  }
  return out;
}

void AddExplainCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ExplainFlags>();
  CLI::App* explain = app.add_subcommand(
      "explain", "Show what each test does, expects and proves, with the curl line to repeat it");
  explain->footer(
      "Example:\n  meshproof explain examples/scenarios/10-ingress.yaml --vars-file lab.env\n"
      "Exit codes: 0 ok, 2 the file is not a valid scenario.");
  explain->add_option("file", flags->file, "scenario YAML file")->required();
  explain->add_option("--var", flags->vars.vars, "set a variable, NAME=VALUE (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  explain
      ->add_option("--vars-file", flags->vars.vars_files,
                   "read variables from a file of NAME=VALUE lines or a YAML map")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  AddSecretVarFlag(explain, &flags->vars);
  explain->callback([flags, exit_code] { *exit_code = RunExplain(*flags); });
}

}  // namespace meshproof::cli
