#include "clients/cli/scenario_commands.h"

#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "clients/cli/command_support.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/explain_command.h"
#include "clients/cli/output.h"
#include "clients/cli/scenario_input.h"

namespace meshproof::cli {
namespace {

struct ScenarioFlags {
  ConnectionFlags connection;
  std::string output = "table";
  std::vector<std::string> files;
  std::string name;
  std::string version;
  std::string team;
  uint32_t limit = 50;
  std::string page_token;
};

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

int Submit(const ScenarioFlags& flags) {
  // Check every file here first: errors come back with file:line:column before anything
  // is sent, and nothing is stored unless all files are valid. Variables stay as
  // written; each run substitutes its own.
  std::vector<std::pair<std::string, std::string>> texts;
  bool bad = false;
  for (const std::string& file : flags.files) {
    auto text = ReadFile(file);
    if (!text.ok()) return PrintError(absl::InvalidArgumentError(text.status().message()));
    std::vector<scenario::Diagnostic> diagnostics;
    auto parsed = LoadScenario(file, {}, /*substitute_vars=*/false, &diagnostics);
    if (!parsed.ok()) {
      bad = true;
      if (diagnostics.empty())
        std::fprintf(stderr, "%s\n", std::string(parsed.status().message()).c_str());
      for (const auto& d : diagnostics) std::fprintf(stderr, "%s\n", d.ToString().c_str());
      continue;
    }
    texts.emplace_back(file, *text);
  }
  if (bad) return kExitBadInput;
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return PrintError(format.status());
  auto client = ConnectScheduler(flags.connection);
  if (!client.ok()) return PrintError(client.status());
  for (const auto& [file, text] : texts) {
    schedv1::SubmitScenarioRequest request;
    request.mutable_yaml()->set_text(text);
    request.mutable_yaml()->set_file_name(BaseName(file));
    request.set_team(flags.team);
    auto response = (*client)->SubmitScenario(request);
    if (!response.ok()) return PrintError(response.status());
    if (*format != OutputFormat::kTable) {
      std::fputs(FormatMessage(*response, *format).c_str(), stdout);
      continue;
    }
    const schedv1::ScenarioVersion& v = response->version();
    std::printf("%s: %s %s revision %u (version %s)\n", file.c_str(),
                response->created() ? "stored" : "unchanged,", v.name().c_str(), v.revision(),
                v.version().substr(0, 12).c_str());
  }
  return kExitOk;
}

int List(const ScenarioFlags& flags) {
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return PrintError(format.status());
  auto client = ConnectScheduler(flags.connection);
  if (!client.ok()) return PrintError(client.status());
  schedv1::ListScenariosRequest request;
  request.set_team(flags.team);
  request.set_page_size(flags.limit);
  request.set_page_token(flags.page_token);
  auto response = (*client)->ListScenarios(request);
  if (!response.ok()) return PrintError(response.status());
  if (*format != OutputFormat::kTable) {
    std::fputs(FormatMessage(*response, *format).c_str(), stdout);
    return kExitOk;
  }
  Table table({"NAME", "REVISION", "VERSION", "TEAM", "TESTS", "CREATED"});
  for (const schedv1::ScenarioVersion& v : response->scenarios()) {
    table.AddRow({v.name(), absl::StrCat(v.revision()), v.version().substr(0, 12), v.team(),
                  absl::StrCat(v.scenario().tests_size()), ShortTime(v.created_at())});
  }
  std::fputs(table.Render("no scenarios").c_str(), stdout);
  if (!response->next_page_token().empty())
    std::printf("more: --page-token %s\n", response->next_page_token().c_str());
  return kExitOk;
}

int Show(const ScenarioFlags& flags) {
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return PrintError(format.status());
  auto client = ConnectScheduler(flags.connection);
  if (!client.ok()) return PrintError(client.status());
  schedv1::GetScenarioRequest request;
  request.set_name(flags.name);
  request.set_version(flags.version);
  auto v = (*client)->GetScenario(request);
  if (!v.ok()) return PrintError(v.status());
  if (*format != OutputFormat::kTable) {
    std::fputs(FormatMessage(*v, *format).c_str(), stdout);
    return kExitOk;
  }
  std::printf("# %s revision %u, version %s, team %s, stored %s\n", v->name().c_str(),
              v->revision(), v->version().c_str(), v->team().empty() ? "-" : v->team().c_str(),
              ShortTime(v->created_at()).c_str());
  // The YAML as submitted is what its authors recognise; a scenario submitted as a
  // message has none, so show what each test does instead.
  if (!v->yaml().empty()) {
    std::fputs(v->yaml().c_str(), stdout);
    if (v->yaml().back() != '\n') std::fputs("\n", stdout);
  } else {
    std::fputs(ExplainScenario(v->scenario()).c_str(), stdout);
  }
  return kExitOk;
}

int Versions(const ScenarioFlags& flags) {
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return PrintError(format.status());
  auto client = ConnectScheduler(flags.connection);
  if (!client.ok()) return PrintError(client.status());
  schedv1::ListScenarioVersionsRequest request;
  request.set_name(flags.name);
  request.set_page_size(flags.limit);
  request.set_page_token(flags.page_token);
  auto response = (*client)->ListScenarioVersions(request);
  if (!response.ok()) return PrintError(response.status());
  if (*format != OutputFormat::kTable) {
    std::fputs(FormatMessage(*response, *format).c_str(), stdout);
    return kExitOk;
  }
  Table table({"REVISION", "VERSION", "TESTS", "CREATED"});
  for (const schedv1::ScenarioVersion& v : response->versions()) {
    table.AddRow({absl::StrCat(v.revision()), v.version().substr(0, 12),
                  absl::StrCat(v.scenario().tests_size()), ShortTime(v.created_at())});
  }
  std::fputs(table.Render("no versions").c_str(), stdout);
  if (!response->next_page_token().empty())
    std::printf("more: --page-token %s\n", response->next_page_token().c_str());
  return kExitOk;
}

int Delete(const ScenarioFlags& flags) {
  auto client = ConnectScheduler(flags.connection);
  if (!client.ok()) return PrintError(client.status());
  schedv1::DeleteScenarioRequest request;
  request.set_name(flags.name);
  auto response = (*client)->DeleteScenario(request);
  if (!response.ok()) return PrintError(response.status());
  std::printf("deleted scenario %s and its schedules; its runs stay in the history\n",
              flags.name.c_str());
  return kExitOk;
}

}  // namespace

void AddScenarioCommands(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ScenarioFlags>();
  CLI::App* group =
      app.add_subcommand("scenario", "Submit, list, show and delete scenarios (scheduler)");
  group->require_subcommand(1);
  group->footer("Exit codes: 0 ok, 2 bad input or unknown scenario, 3 scheduler unreachable.");

  CLI::App* submit =
      group->add_subcommand("submit", "Check scenario files and store them as new versions");
  submit->footer(
      "Example:\n  meshproof scenario submit examples/scenarios/10-ingress.yaml "
      "examples/scenarios/20-egress.yaml");
  submit->add_option("files", flags->files, "scenario YAML files")->required();
  submit->add_option("--team", flags->team, "owning team (default: the token's team)");
  AddOutputFlag(submit, &flags->output);
  AddConnectionFlags(submit, &flags->connection, true, false);
  submit->callback([flags, exit_code] { *exit_code = Submit(*flags); });

  CLI::App* list = group->add_subcommand("list", "List scenarios (latest version of each)");
  list->footer("Example:\n  meshproof scenario list --team platform");
  list->add_option("--team", flags->team, "only this team's scenarios");
  list->add_option("--limit", flags->limit, "scenarios per page")->capture_default_str();
  list->add_option("--page-token", flags->page_token, "continue a listing");
  AddOutputFlag(list, &flags->output);
  AddConnectionFlags(list, &flags->connection, true, false);
  list->callback([flags, exit_code] { *exit_code = List(*flags); });

  CLI::App* show = group->add_subcommand("show", "Show a scenario as submitted");
  show->footer("Example:\n  meshproof scenario show 20-egress --version 9f2c4e1ab3d5");
  show->add_option("name", flags->name, "scenario name")->required();
  show->add_option("--version", flags->version, "content hash (default latest)");
  AddOutputFlag(show, &flags->output);
  AddConnectionFlags(show, &flags->connection, true, false);
  show->callback([flags, exit_code] { *exit_code = Show(*flags); });

  CLI::App* versions =
      group->add_subcommand("versions", "List a scenario's versions, newest first");
  versions->footer("Example:\n  meshproof scenario versions 10-ingress");
  versions->add_option("name", flags->name, "scenario name")->required();
  versions->add_option("--limit", flags->limit, "versions per page")->capture_default_str();
  versions->add_option("--page-token", flags->page_token, "continue a listing");
  AddOutputFlag(versions, &flags->output);
  AddConnectionFlags(versions, &flags->connection, true, false);
  versions->callback([flags, exit_code] { *exit_code = Versions(*flags); });

  CLI::App* del =
      group->add_subcommand("delete", "Delete a scenario and its schedules (runs stay)");
  del->footer("Example:\n  meshproof scenario delete 10-ingress-t10");
  del->add_option("name", flags->name, "scenario name")->required();
  AddConnectionFlags(del, &flags->connection, true, false);
  del->callback([flags, exit_code] { *exit_code = Delete(*flags); });
}

}  // namespace meshproof::cli
