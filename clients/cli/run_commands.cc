#include "clients/cli/run_commands.h"

#include <unistd.h>

#include <cstdio>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/cli/command_support.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/output.h"
#include "clients/cli/report/report_text.h"
#include "clients/cli/run_watch.h"
#include "clients/cli/scenario_input.h"
#include "services/common/time_util.h"

namespace meshproof::cli {
namespace {

struct RunFlags {
  ConnectionFlags connection;
  std::string output = "table";
  std::string run_id;
  // start
  std::string scenario;
  std::string version;
  std::vector<std::string> only;
  VarFlags vars;
  std::vector<std::string> labels;
  std::string cluster;
  std::string ns;
  std::string request_id;
  std::string run_timeout;
  bool wait = false;
  std::string wait_timeout = "1h";
  // list
  std::string schedule_id;
  std::vector<std::string> states;
  uint32_t limit = 20;
  std::string page_token;
  // cancel, approve, reject
  std::string reason;
};

void PrintRun(const schedv1::Run& run) {
  Table table({"FIELD", "VALUE"});
  table.AddRow({"run", run.run_id()});
  table.AddRow(
      {"scenario", absl::StrCat(run.scenario(), " @ ", run.scenario_version().substr(0, 12))});
  table.AddRow({"state", RunStateWord(run.state())});
  if (!run.reason().empty()) table.AddRow({"reason", run.reason()});
  table.AddRow({"counts", report::DescribeCounts(run.counts())});
  table.AddRow(
      {"trigger",
       absl::StrCat(report::TriggerWord(run.trigger()),
                    run.schedule_id().empty() ? "" : absl::StrCat(" (", run.schedule_id(), ")"))});
  if (!run.agent_id().empty())
    table.AddRow({"agent", absl::StrCat(run.agent_id(), ", attempt ", run.attempt())});
  if (run.needs_approval()) {
    table.AddRow(
        {"approval",
         run.has_approval()
             ? absl::StrCat(run.approval().approved() ? "approved" : "rejected", " by ",
                            run.approval().by(), ": ", run.approval().reason())
         : run.has_approval_deadline()
             ? absl::StrCat("required, not given yet; waits until ",
                            ShortTime(run.approval_deadline()), " UTC, then ",
                            run.on_approval_timeout() == schedv1::APPROVAL_TIMEOUT_POLICY_CANCEL
                                ? "cancel"
                                : "run without the gated tests")
             : "required, not given yet"});
  }
  if (run.has_timeout())
    table.AddRow({"timeout", absl::FormatDuration(FromProtoDuration(run.timeout()))});
  table.AddRow({"created", ShortTime(run.created_at())});
  table.AddRow({"started", ShortTime(run.started_at())});
  table.AddRow({"finished", ShortTime(run.finished_at())});
  std::fputs(table.Render().c_str(), stdout);
}

int RunStart(const RunFlags& flags) {
  schedv1::StartRunRequest request;
  request.set_scenario(flags.scenario);
  request.set_version(flags.version);
  for (const std::string& t : flags.only) request.add_only_tests(t);
  std::set<std::string> secret_names;
  auto vars = MergeVars(flags.vars, &secret_names);
  if (!vars.ok()) return PrintError(vars.status());
  request.mutable_vars()->insert(vars->begin(), vars->end());
  for (const std::string& name : secret_names) request.add_secret_vars(name);
  auto labels = ParseKeyValues(flags.labels, "--label");
  if (!labels.ok()) return PrintError(labels.status());
  request.mutable_labels()->insert(labels->begin(), labels->end());
  if (!flags.cluster.empty()) request.mutable_target()->set_cluster(flags.cluster);
  if (!flags.ns.empty()) request.mutable_target()->set_namespace_(flags.ns);
  request.set_request_id(flags.request_id);
  // A person at a terminal or a script calling the CLI: either way someone asked for this
  // run by hand, which the history distinguishes from tooling on the API and schedules.
  request.set_trigger(meshproof::result::v1::TRIGGER_MANUAL);
  if (!flags.run_timeout.empty()) {
    auto timeout = ParseDurationFlag(flags.run_timeout, "--run-timeout");
    if (!timeout.ok()) return PrintError(timeout.status());
    *request.mutable_timeout() = ToProtoDuration(*timeout);
  }
  auto wait_timeout = ParseDurationFlag(flags.wait_timeout, "--wait-timeout");
  if (!wait_timeout.ok()) return PrintError(wait_timeout.status());
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return PrintError(format.status());

  auto client = ConnectScheduler(flags.connection);
  if (!client.ok()) return PrintError(client.status());
  auto run = (*client)->StartRun(request);
  if (!run.ok()) return PrintError(run.status());
  const bool table = *format == OutputFormat::kTable;
  if (!flags.wait) {
    if (table) {
      std::printf("started run %s (%s @ %s, %s)\n", run->run_id().c_str(), run->scenario().c_str(),
                  run->scenario_version().substr(0, 12).c_str(),
                  RunStateWord(run->state()).c_str());
      if (run->state() == schedv1::RUN_STATE_AWAITING_APPROVAL) {
        std::printf("it has tests that need approval: meshproof run approve %s --reason '...'\n",
                    run->run_id().c_str());
      }
    } else {
      std::fputs(FormatMessage(*run, *format).c_str(), stdout);
    }
    return kExitOk;
  }
  if (table) std::printf("started run %s (%s)\n", run->run_id().c_str(), run->scenario().c_str());
  std::fflush(stdout);
  WatchOptions options;
  options.timeout = *wait_timeout;
  options.live = table && isatty(STDOUT_FILENO) != 0;
  options.columns = TerminalColumns(STDOUT_FILENO);
  options.quiet = !table;
  schedv1::Run final_run;
  const int code = WatchUntilDone(**client, run->run_id(), options, stdout, &final_run);
  if (!table) std::fputs(FormatMessage(final_run, *format).c_str(), stdout);
  return code;
}

int RunWatch(const RunFlags& flags) {
  auto wait_timeout = ParseDurationFlag(flags.wait_timeout, "--wait-timeout");
  if (!wait_timeout.ok()) return PrintError(wait_timeout.status());
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return PrintError(format.status());
  auto client = ConnectScheduler(flags.connection);
  if (!client.ok()) return PrintError(client.status());
  const bool table = *format == OutputFormat::kTable;
  WatchOptions options;
  options.timeout = *wait_timeout;
  options.live = table && isatty(STDOUT_FILENO) != 0;
  options.columns = TerminalColumns(STDOUT_FILENO);
  options.quiet = !table;
  schedv1::Run final_run;
  const int code = WatchUntilDone(**client, flags.run_id, options, stdout, &final_run);
  if (!table) std::fputs(FormatMessage(final_run, *format).c_str(), stdout);
  return code;
}

int RunList(const RunFlags& flags) {
  schedv1::ListRunsRequest request;
  request.set_scenario(flags.scenario);
  request.set_schedule_id(flags.schedule_id);
  for (const std::string& s : flags.states) {
    schedv1::RunState state;
    if (!schedv1::RunState_Parse(absl::StrCat("RUN_STATE_", absl::AsciiStrToUpper(s)), &state)) {
      return PrintError(absl::InvalidArgumentError(
          absl::StrCat("--state \"", s,
                       "\": expected pending, awaiting_approval, queued, running, passed, failed, "
                       "inconclusive, error, cancelled or timed_out")));
    }
    request.add_states(state);
  }
  request.set_page_size(flags.limit);
  request.set_page_token(flags.page_token);
  auto client = ConnectScheduler(flags.connection);
  if (!client.ok()) return PrintError(client.status());
  auto response = (*client)->ListRuns(request);
  if (!response.ok()) return PrintError(response.status());
  return PrintResponse(*response, flags.output, [&] {
    Table table({"RUN", "SCENARIO", "STATE", "COUNTS", "TRIGGER", "CREATED (UTC)"});
    for (const schedv1::Run& r : response->runs()) {
      table.AddRow({r.run_id(), r.scenario(), RunStateWord(r.state()),
                    r.counts().total() == 0 ? "-" : report::DescribeCounts(r.counts()),
                    report::TriggerWord(r.trigger()), ShortTime(r.created_at())});
    }
    std::fputs(table.Render("no runs").c_str(), stdout);
    if (!response->next_page_token().empty()) {
      std::printf("more: --page-token %s\n", response->next_page_token().c_str());
    }
  });
}

int RunShow(const RunFlags& flags) {
  auto client = ConnectScheduler(flags.connection);
  if (!client.ok()) return PrintError(client.status());
  schedv1::GetRunRequest request;
  request.set_run_id(flags.run_id);
  auto run = (*client)->GetRun(request);
  if (!run.ok()) return PrintError(run.status());
  return PrintResponse(*run, flags.output, [&] { PrintRun(*run); });
}

enum class Action { kCancel, kApprove, kReject };

int RunAct(const RunFlags& flags, Action action) {
  if (action != Action::kCancel && flags.reason.empty()) {
    return PrintError(
        absl::InvalidArgumentError("--reason: say why you decide so; it is recorded with the run"));
  }
  auto client = ConnectScheduler(flags.connection);
  if (!client.ok()) return PrintError(client.status());
  absl::StatusOr<schedv1::Run> run;
  if (action == Action::kCancel) {
    schedv1::CancelRunRequest request;
    request.set_run_id(flags.run_id);
    request.set_reason(flags.reason);
    run = (*client)->CancelRun(request);
  } else {
    schedv1::ApprovalRequest request;
    request.set_run_id(flags.run_id);
    request.set_reason(flags.reason);
    run =
        action == Action::kApprove ? (*client)->ApproveRun(request) : (*client)->RejectRun(request);
  }
  if (!run.ok()) return PrintError(run.status());
  return PrintResponse(*run, flags.output, [&] {
    std::printf("run %s: %s\n", run->run_id().c_str(), RunStateWord(run->state()).c_str());
  });
}

CLI::App* Sub(CLI::App* group, const std::string& name, const std::string& help,
              const std::string& example) {
  CLI::App* cmd = group->add_subcommand(name, help);
  cmd->footer(absl::StrCat("Example:\n  ", example));
  return cmd;
}

void AddVarsFlags(CLI::App* cmd, VarFlags* vars) {
  cmd->add_option("--var", vars->vars, "set a variable for this run, NAME=VALUE (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--vars-file", vars->vars_files, "read variables from a file (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  AddSecretVarFlag(cmd, vars);
}

}  // namespace

void AddRunCommands(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* group =
      app.add_subcommand("run", "Start, follow, list, cancel and approve runs (scheduler)");
  group->require_subcommand(1);
  group->footer(
      "Exit codes: 0 ok/passed, 1 failed, 2 bad input, 3 scheduler unreachable, 4 inconclusive.");

  CLI::App* start =
      Sub(group, "start", "Queue a run of a submitted scenario; --wait follows it to the end",
          "meshproof run start 20-egress --var EXTERNAL_HOST=httpbin.org --wait\n"
          "Exit codes with --wait: 0 passed, 1 failed, 4 inconclusive (preflight failed),\n"
          "2 bad input, 3 scheduler unreachable.");
  start->add_option("scenario", flags->scenario, "scenario name")->required();
  start->add_option("--version", flags->version,
                    "content hash of the version to run (default latest)");
  start->add_option("--only", flags->only, "run only this test (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  AddVarsFlags(start, &flags->vars);
  start->add_option("--label", flags->labels, "label the run, KEY=VALUE (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  start->add_option("--cluster", flags->cluster, "run on an agent of this cluster");
  start->add_option("--namespace", flags->ns, "run on an agent in this namespace");
  start->add_option("--request-id", flags->request_id,
                    "idempotency key: a retried start returns the same run");
  start->add_option("--run-timeout", flags->run_timeout,
                    "whole-run deadline, e.g. 30m (scheduler default 30m)");
  start->add_flag("--wait", flags->wait, "follow the run and exit with its verdict");
  start->add_option("--wait-timeout", flags->wait_timeout, "give up following after this long")
      ->capture_default_str();
  AddOutputFlag(start, &flags->output);
  AddConnectionFlags(start, &flags->connection, /*scheduler=*/true, /*store=*/false);
  start->callback([flags, exit_code] { *exit_code = RunStart(*flags); });

  CLI::App* list = Sub(group, "list", "List runs, newest first",
                       "meshproof run list --scenario 10-ingress --state failed");
  list->add_option("--scenario", flags->scenario, "only runs of this scenario");
  list->add_option("--schedule", flags->schedule_id, "only runs started by this schedule");
  list->add_option("--state", flags->states, "only runs in this state (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  list->add_option("--limit", flags->limit, "runs per page")->capture_default_str();
  list->add_option("--page-token", flags->page_token, "continue a listing");
  AddOutputFlag(list, &flags->output);
  AddConnectionFlags(list, &flags->connection, true, false);
  list->callback([flags, exit_code] { *exit_code = RunList(*flags); });

  CLI::App* show =
      Sub(group, "show", "Show a run's state and counts (the report command shows results)",
          "meshproof run show run-0042 -o yaml");
  show->add_option("run", flags->run_id, "run id")->required();
  AddOutputFlag(show, &flags->output);
  AddConnectionFlags(show, &flags->connection, true, false);
  show->callback([flags, exit_code] { *exit_code = RunShow(*flags); });

  CLI::App* watch = Sub(group, "watch", "Follow a run until it ends; exit with its verdict",
                        "meshproof run watch run-0042");
  watch->add_option("run", flags->run_id, "run id")->required();
  watch->add_option("--wait-timeout", flags->wait_timeout, "give up following after this long")
      ->capture_default_str();
  AddOutputFlag(watch, &flags->output);
  AddConnectionFlags(watch, &flags->connection, true, false);
  watch->callback([flags, exit_code] { *exit_code = RunWatch(*flags); });

  CLI::App* cancel = Sub(group, "cancel", "Cancel a run that has not ended",
                         "meshproof run cancel run-0042 --reason 'wrong cluster'");
  cancel->add_option("run", flags->run_id, "run id")->required();
  cancel->add_option("--reason", flags->reason, "why");
  AddOutputFlag(cancel, &flags->output);
  AddConnectionFlags(cancel, &flags->connection, true, false);
  cancel->callback([flags, exit_code] { *exit_code = RunAct(*flags, Action::kCancel); });

  CLI::App* approve =
      Sub(group, "approve", "Approve a run awaiting approval: its gated tests will run",
          "meshproof run approve run-0042 --reason 'change window CHG-1234'");
  approve->add_option("run", flags->run_id, "run id")->required();
  approve->add_option("--reason", flags->reason, "why (required, recorded)");
  AddOutputFlag(approve, &flags->output);
  AddConnectionFlags(approve, &flags->connection, true, false);
  approve->callback([flags, exit_code] { *exit_code = RunAct(*flags, Action::kApprove); });

  CLI::App* reject =
      Sub(group, "reject", "Reject a run awaiting approval: its gated tests stay skipped",
          "meshproof run reject run-0042 --reason 'not during business hours'");
  reject->add_option("run", flags->run_id, "run id")->required();
  reject->add_option("--reason", flags->reason, "why (required, recorded)");
  AddOutputFlag(reject, &flags->output);
  AddConnectionFlags(reject, &flags->connection, true, false);
  reject->callback([flags, exit_code] { *exit_code = RunAct(*flags, Action::kReject); });
}

}  // namespace meshproof::cli
