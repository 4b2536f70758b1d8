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

// Lists up to kMaxNames items with `list` on a client from `connect` and returns
// `name_of` each: the one shape every kind of name shares.
template <typename Request, typename Connect, typename List, typename NameOf>
absl::StatusOr<std::vector<std::string>> ListNames(const ConnectionFlags& flags, Connect connect,
                                                   List list, NameOf name_of) {
  auto client = connect(flags);
  if (!client.ok()) return client.status();
  Request request;
  request.set_page_size(kMaxNames);
  auto response = list(**client, request);
  if (!response.ok()) return response.status();
  return name_of(*response);
}

absl::StatusOr<std::vector<std::string>> Scenarios(const ConnectionFlags& flags) {
  return ListNames<schedv1::ListScenariosRequest>(
      flags, ConnectScheduler, [](auto& client, const auto& r) { return client.ListScenarios(r); },
      [](const auto& response) {
        std::vector<std::string> names;
        for (const auto& s : response.scenarios()) names.push_back(s.name());
        return names;
      });
}

absl::StatusOr<std::vector<std::string>> Schedules(const ConnectionFlags& flags) {
  return ListNames<schedv1::ListSchedulesRequest>(
      flags, ConnectScheduler, [](auto& client, const auto& r) { return client.ListSchedules(r); },
      [](const auto& response) {
        std::vector<std::string> ids;
        for (const auto& s : response.schedules()) ids.push_back(s.schedule_id());
        return ids;
      });
}

// Run ids from the scheduler, or, for a user who configured only the store (the report
// commands talk only to it), from the store.
absl::StatusOr<std::vector<std::string>> Runs(const ConnectionFlags& flags) {
  auto run_ids = [](const auto& response) {
    std::vector<std::string> ids;
    for (const auto& r : response.runs()) ids.push_back(r.run_id());
    return ids;
  };
  auto from_scheduler = ListNames<schedv1::ListRunsRequest>(
      flags, ConnectScheduler, [](auto& client, const auto& r) { return client.ListRuns(r); },
      run_ids);
  if (from_scheduler.ok()) return from_scheduler;
  return ListNames<storev1::ListRunsRequest>(
      flags, ConnectStore, [](auto& client, const auto& r) { return client.ListRuns(r); }, run_ids);
}

absl::StatusOr<std::vector<std::string>> Names(const CompleteFlags& flags) {
  if (flags.kind == "scenarios") return Scenarios(flags.connection);
  if (flags.kind == "schedules") return Schedules(flags.connection);
  return Runs(flags.connection);
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
