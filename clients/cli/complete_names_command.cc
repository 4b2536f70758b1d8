#include "clients/cli/complete_names_command.h"

#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clients/cli/command_support.h"
#include "clients/cli/exit_codes.h"

namespace meshproof::cli {
namespace {

// A shell waits for these names while the user waits for the prompt: a service that
// does not answer quickly is treated as absent.
constexpr int kCompletionTimeoutSeconds = 2;
constexpr uint32_t kMaxNames = 100;

struct CompleteFlags {
  ConnectionFlags connection;
  std::string kind;
};

absl::StatusOr<std::vector<std::string>> Scenarios(const ConnectionFlags& flags) {
  auto client = ConnectScheduler(flags);
  if (!client.ok()) return client.status();
  schedv1::ListScenariosRequest request;
  request.set_page_size(kMaxNames);
  auto response = (*client)->ListScenarios(request);
  if (!response.ok()) return response.status();
  std::vector<std::string> names;
  for (const auto& s : response->scenarios()) names.push_back(s.name());
  return names;
}

absl::StatusOr<std::vector<std::string>> SchedulerRuns(const ConnectionFlags& flags) {
  auto client = ConnectScheduler(flags);
  if (!client.ok()) return client.status();
  schedv1::ListRunsRequest request;
  request.set_page_size(kMaxNames);
  auto response = (*client)->ListRuns(request);
  if (!response.ok()) return response.status();
  std::vector<std::string> ids;
  for (const auto& r : response->runs()) ids.push_back(r.run_id());
  return ids;
}

// The report commands talk only to the store; a user who configured only the store
// still gets run ids from it.
absl::StatusOr<std::vector<std::string>> StoreRuns(const ConnectionFlags& flags) {
  auto client = ConnectStore(flags);
  if (!client.ok()) return client.status();
  storev1::ListRunsRequest request;
  request.set_page_size(kMaxNames);
  auto response = (*client)->ListRuns(request);
  if (!response.ok()) return response.status();
  std::vector<std::string> ids;
  for (const auto& r : response->runs()) ids.push_back(r.run_id());
  return ids;
}

absl::StatusOr<std::vector<std::string>> Schedules(const ConnectionFlags& flags) {
  auto client = ConnectScheduler(flags);
  if (!client.ok()) return client.status();
  schedv1::ListSchedulesRequest request;
  request.set_page_size(kMaxNames);
  auto response = (*client)->ListSchedules(request);
  if (!response.ok()) return response.status();
  std::vector<std::string> ids;
  for (const auto& s : response->schedules()) ids.push_back(s.schedule_id());
  return ids;
}

absl::StatusOr<std::vector<std::string>> Names(const CompleteFlags& flags) {
  if (flags.kind == "scenarios") return Scenarios(flags.connection);
  if (flags.kind == "schedules") return Schedules(flags.connection);
  auto runs = SchedulerRuns(flags.connection);
  if (runs.ok()) return runs;
  return StoreRuns(flags.connection);
}

}  // namespace

void AddCompleteNamesCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<CompleteFlags>();
  flags->connection.timeout_seconds = kCompletionTimeoutSeconds;
  CLI::App* cmd = app.add_subcommand("__complete", "Names for shell completion");
  cmd->group("");  // hidden from --help
  cmd->add_option("kind", flags->kind, "scenarios, runs or schedules")
      ->required()
      ->check(CLI::IsMember({"scenarios", "runs", "schedules"}));
  AddConnectionFlags(cmd, &flags->connection, /*scheduler=*/true, /*store=*/true);
  cmd->callback([flags, exit_code] {
    auto names = Names(*flags);
    if (!names.ok()) {
      // Silent by design: a completion that prints errors corrupts the command line.
      *exit_code = kExitUnavailable;
      return;
    }
    std::set<std::string> seen;
    for (const std::string& name : *names) {
      if (seen.insert(name).second) std::printf("%s\n", name.c_str());
    }
    *exit_code = kExitOk;
  });
}

}  // namespace meshproof::cli
