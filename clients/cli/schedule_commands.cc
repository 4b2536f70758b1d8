#include "clients/cli/schedule_commands.h"

#include <cstdio>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/cli/command_support.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/output.h"
#include "clients/cli/report/report_text.h"
#include "clients/cli/scenario_input.h"
#include "services/common/time_util.h"

namespace meshproof::cli {
namespace {

struct ScheduleFlags {
  ConnectionFlags connection;
  std::string output = "table";
  std::string schedule_id;
  std::string scenario;
  std::string cron;
  std::string every;
  std::string time_zone;
  std::string concurrency;
  std::string starting_deadline;
  std::string approval_timeout;
  std::string on_approval_timeout;
  std::vector<std::string> vars;
  std::vector<std::string> secret_vars;
  std::vector<std::string> labels;
  std::string cluster;
  std::string ns;
  uint32_t limit = 50;
  std::string page_token;
};

std::string Timing(const schedv1::Schedule& s) {
  if (s.has_interval())
    return absl::StrCat("every ", absl::FormatDuration(FromProtoDuration(s.interval())));
  return absl::StrCat(s.cron(),
                      s.time_zone().empty() ? "" : absl::StrCat(" (", s.time_zone(), ")"));
}

std::string NextFire(const schedv1::Schedule& s) {
  if (s.paused()) return "paused";
  return s.next_fire_times().empty() ? "-" : ShortTime(s.next_fire_times(0));
}

std::string OutcomeWord(schedv1::FireRecord::Outcome outcome) {
  std::string name = schedv1::FireRecord::Outcome_Name(outcome);
  return absl::AsciiStrToLower(name.substr(std::string("OUTCOME_").size()));
}

// "2026-12-03 02:00 started r-12 (queued)" / "... skipped_active: run r-11 is still RUNNING".
std::string LastFire(const schedv1::Schedule& s) {
  if (!s.has_last_fire()) return "-";
  const schedv1::FireRecord& f = s.last_fire();
  std::string text = absl::StrCat(ShortTime(f.fire_time()), " ", OutcomeWord(f.outcome()));
  if (!f.run_id().empty()) {
    absl::StrAppend(&text, " ", f.run_id(), " (", RunStateWord(f.run_state()), ")");
  }
  if (!f.message().empty()) absl::StrAppend(&text, ": ", f.message());
  return text;
}

std::string ApprovalPolicy(const schedv1::Schedule& s) {
  return absl::StrCat(
      "wait ", absl::FormatDuration(FromProtoDuration(s.approval_timeout())), ", then ",
      s.on_approval_timeout() == schedv1::APPROVAL_TIMEOUT_POLICY_CANCEL ? "cancel"
                                                                         : "run_without_gated");
}

void PrintSchedule(const schedv1::Schedule& s) {
  Table table({"FIELD", "VALUE"});
  table.AddRow({"schedule", s.schedule_id()});
  table.AddRow({"scenario", s.scenario()});
  table.AddRow({"timing", Timing(s)});
  table.AddRow({"state", s.paused() ? "paused" : "active"});
  std::string policy = schedv1::ConcurrencyPolicy_Name(s.concurrency_policy());
  table.AddRow({"concurrency",
                absl::AsciiStrToLower(policy.substr(std::string("CONCURRENCY_POLICY_").size()))});
  std::vector<std::string> next;
  for (const auto& t : s.next_fire_times()) next.push_back(ShortTime(t));
  table.AddRow({"next (UTC)", next.empty() ? "-" : absl::StrJoin(next, ", ")});
  table.AddRow({"approval", ApprovalPolicy(s)});
  table.AddRow({"last fire", LastFire(s)});
  table.AddRow({"waiting for", s.waiting_for().empty() ? "-" : s.waiting_for()});
  std::vector<std::string> vars;
  for (const auto& [k, v] : std::map<std::string, std::string>(s.vars().begin(), s.vars().end())) {
    vars.push_back(absl::StrCat(k, "=", v));
  }
  if (!vars.empty()) table.AddRow({"vars", absl::StrJoin(vars, " ")});
  std::fputs(table.Render().c_str(), stdout);
  if (!s.recent().empty()) {
    Table recent({"FIRED", "OUTCOME", "RUN", "STATE", "NOTE"});
    for (const schedv1::FireRecord& f : s.recent()) {
      recent.AddRow({ShortTime(f.fire_time()), OutcomeWord(f.outcome()),
                     f.run_id().empty() ? "-" : f.run_id(),
                     f.run_id().empty() ? "-" : RunStateWord(f.run_state()),
                     f.message().empty() ? "-" : f.message()});
    }
    std::printf("\n%s", recent.Render().c_str());
  }
}

int Create(const ScheduleFlags& flags) {
  schedv1::CreateScheduleRequest request;
  request.set_schedule_id(flags.schedule_id);
  request.set_scenario(flags.scenario);
  if (flags.cron.empty() == flags.every.empty()) {
    return PrintError(
        absl::InvalidArgumentError("give exactly one of --cron EXPR or --every DURATION"));
  }
  if (!flags.cron.empty()) request.set_cron(flags.cron);
  if (!flags.every.empty()) {
    auto every = ParseDurationFlag(flags.every, "--every");
    if (!every.ok()) return PrintError(every.status());
    *request.mutable_interval() = ToProtoDuration(*every);
  }
  request.set_time_zone(flags.time_zone);
  if (!flags.concurrency.empty()) {
    schedv1::ConcurrencyPolicy policy;
    if (!schedv1::ConcurrencyPolicy_Parse(
            absl::StrCat("CONCURRENCY_POLICY_", absl::AsciiStrToUpper(flags.concurrency)),
            &policy)) {
      return PrintError(absl::InvalidArgumentError(absl::StrCat(
          "--concurrency \"", flags.concurrency, "\": expected allow, forbid or replace")));
    }
    request.set_concurrency_policy(policy);
  }
  if (!flags.starting_deadline.empty()) {
    auto d = ParseDurationFlag(flags.starting_deadline, "--starting-deadline");
    if (!d.ok()) return PrintError(d.status());
    *request.mutable_starting_deadline() = ToProtoDuration(*d);
  }
  if (!flags.approval_timeout.empty()) {
    auto d = ParseDurationFlag(flags.approval_timeout, "--approval-timeout");
    if (!d.ok()) return PrintError(d.status());
    *request.mutable_approval_timeout() = ToProtoDuration(*d);
  }
  if (!flags.on_approval_timeout.empty()) {
    if (flags.on_approval_timeout == "run_without_gated") {
      request.set_on_approval_timeout(schedv1::APPROVAL_TIMEOUT_POLICY_RUN_WITHOUT_GATED);
    } else if (flags.on_approval_timeout == "cancel") {
      request.set_on_approval_timeout(schedv1::APPROVAL_TIMEOUT_POLICY_CANCEL);
    } else {
      return PrintError(absl::InvalidArgumentError(
          absl::StrCat("--on-approval-timeout \"", flags.on_approval_timeout,
                       "\": expected run_without_gated or cancel")));
    }
  }
  auto vars = ParseKeyValues(flags.vars, "--var");
  if (!vars.ok()) return PrintError(vars.status());
  request.mutable_vars()->insert(vars->begin(), vars->end());
  {
    VarFlags secret_flags;
    secret_flags.secret_vars = flags.secret_vars;
    std::set<std::string> secret_names;
    auto secrets = MergeVars(secret_flags, &secret_names);
    if (!secrets.ok()) return PrintError(secrets.status());
    for (const auto& [name, value] : *secrets) (*request.mutable_vars())[name] = value;
    for (const std::string& name : secret_names) request.add_secret_vars(name);
  }
  auto labels = ParseKeyValues(flags.labels, "--label");
  if (!labels.ok()) return PrintError(labels.status());
  request.mutable_labels()->insert(labels->begin(), labels->end());
  if (!flags.cluster.empty()) request.mutable_target()->set_cluster(flags.cluster);
  if (!flags.ns.empty()) request.mutable_target()->set_namespace_(flags.ns);
  auto client = ConnectScheduler(flags.connection);
  if (!client.ok()) return PrintError(client.status());
  auto schedule = (*client)->CreateSchedule(request);
  if (!schedule.ok()) return PrintError(schedule.status());
  return PrintResponse(*schedule, flags.output, [&] { PrintSchedule(*schedule); });
}

int List(const ScheduleFlags& flags) {
  auto client = ConnectScheduler(flags.connection);
  if (!client.ok()) return PrintError(client.status());
  schedv1::ListSchedulesRequest request;
  request.set_scenario(flags.scenario);
  request.set_page_size(flags.limit);
  request.set_page_token(flags.page_token);
  auto response = (*client)->ListSchedules(request);
  if (!response.ok()) return PrintError(response.status());
  return PrintResponse(*response, flags.output, [&] {
    Table table({"SCHEDULE", "SCENARIO", "TIMING", "NEXT (UTC)", "LAST FIRE", "WAITING FOR"});
    for (const schedv1::Schedule& s : response->schedules()) {
      table.AddRow({s.schedule_id(), s.scenario(), Timing(s), NextFire(s), LastFire(s),
                    s.waiting_for().empty() ? "-" : s.waiting_for()});
    }
    std::fputs(table.Render("no schedules").c_str(), stdout);
    if (!response->next_page_token().empty())
      std::printf("more: --page-token %s\n", response->next_page_token().c_str());
  });
}

enum class Op { kShow, kPause, kResume, kTrigger, kDelete };

int Act(const ScheduleFlags& flags, Op op) {
  auto client = ConnectScheduler(flags.connection);
  if (!client.ok()) return PrintError(client.status());
  schedv1::ScheduleRef ref;
  ref.set_schedule_id(flags.schedule_id);
  switch (op) {
    case Op::kShow: {
      schedv1::GetScheduleRequest request;
      request.set_schedule_id(flags.schedule_id);
      auto s = (*client)->GetSchedule(request);
      if (!s.ok()) return PrintError(s.status());
      return PrintResponse(*s, flags.output, [&] { PrintSchedule(*s); });
    }
    case Op::kPause:
    case Op::kResume: {
      auto s = op == Op::kPause ? (*client)->PauseSchedule(ref) : (*client)->ResumeSchedule(ref);
      if (!s.ok()) return PrintError(s.status());
      return PrintResponse(*s, flags.output, [&] {
        std::printf("schedule %s: %s\n", s->schedule_id().c_str(),
                    s->paused() ? "paused"
                                : absl::StrCat("active, next fire ", NextFire(*s), " UTC").c_str());
      });
    }
    case Op::kTrigger: {
      auto run = (*client)->TriggerSchedule(ref);
      if (!run.ok()) return PrintError(run.status());
      return PrintResponse(*run, flags.output, [&] {
        std::printf("started run %s (%s, %s)\n", run->run_id().c_str(), run->scenario().c_str(),
                    RunStateWord(run->state()).c_str());
      });
    }
    case Op::kDelete: {
      auto done = (*client)->DeleteSchedule(ref);
      if (!done.ok()) return PrintError(done.status());
      std::printf("deleted schedule %s\n", flags.schedule_id.c_str());
      return kExitOk;
    }
  }
  return kExitOk;
}

int Agents(const ScheduleFlags& flags) {
  auto client = ConnectScheduler(flags.connection);
  if (!client.ok()) return PrintError(client.status());
  auto response = (*client)->ListAgents(schedv1::ListAgentsRequest());
  if (!response.ok()) return PrintError(response.status());
  return PrintResponse(*response, flags.output, [&] {
    Table table(
        {"AGENT", "CLUSTER", "NAMESPACE", "STATE", "VERSION", "ACTIVE RUNS", "LAST HEARTBEAT"});
    for (const schedv1::AgentStatus& a : response->agents()) {
      std::string state = schedv1::AgentState_Name(a.state());
      table.AddRow({a.info().agent_id(), a.info().cluster(), a.info().namespace_(),
                    absl::AsciiStrToLower(state.substr(std::string("AGENT_STATE_").size())),
                    a.info().version(),
                    a.active_runs().empty() ? "-" : absl::StrJoin(a.active_runs(), ","),
                    ShortTime(a.last_heartbeat())});
    }
    std::fputs(table.Render("no agents have connected").c_str(), stdout);
  });
}

CLI::App* Sub(CLI::App* group, const std::string& name, const std::string& help,
              const std::string& example, ScheduleFlags* flags, bool id, bool output) {
  CLI::App* cmd = group->add_subcommand(name, help);
  cmd->footer(absl::StrCat("Example:\n  ", example));
  if (id) cmd->add_option("schedule", flags->schedule_id, "schedule id")->required();
  if (output) AddOutputFlag(cmd, &flags->output);
  AddConnectionFlags(cmd, &flags->connection, true, false);
  return cmd;
}

}  // namespace

void AddScheduleCommands(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ScheduleFlags>();
  CLI::App* group =
      app.add_subcommand("schedule", "Run scenarios on a cron or an interval (scheduler)");
  group->require_subcommand(1);
  group->footer("Exit codes: 0 ok, 2 bad input or unknown schedule, 3 scheduler unreachable.");

  CLI::App* create =
      Sub(group, "create", "Create a schedule",
          "meshproof schedule create nightly-egress --scenario 20-egress --cron '0 2 * * *' "
          "--time-zone Europe/Berlin",
          flags.get(), true, true);
  create
      ->add_option("--scenario", flags->scenario,
                   "scenario name (each fire runs its latest version)")
      ->required();
  create->add_option("--cron", flags->cron, "5-field cron or @hourly/@daily/@weekly/@monthly");
  create->add_option("--every", flags->every, "fixed interval instead of cron, e.g. 15m");
  create->add_option("--time-zone", flags->time_zone, "IANA time zone of the cron (default UTC)");
  create->add_option("--concurrency", flags->concurrency,
                     "allow, forbid (default) or replace an active run");
  create->add_option("--starting-deadline", flags->starting_deadline,
                     "a missed fire still runs if this late, e.g. 5m");
  create->add_option("--approval-timeout", flags->approval_timeout,
                     "how long a run with approval-gated tests waits for an approver (default 1h)");
  create->add_option("--on-approval-timeout", flags->on_approval_timeout,
                     "then: run_without_gated (default; gated tests recorded SKIPPED) or cancel");
  create->add_option("--var", flags->vars, "variable for every run, NAME=VALUE (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  create
      ->add_option("--secret-var", flags->secret_vars,
                   "secret variable for every run, NAME=VALUE (repeatable): kept by the "
                   "scheduler to start runs, shown as *** everywhere")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  create->add_option("--label", flags->labels, "label every run, KEY=VALUE (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  create->add_option("--cluster", flags->cluster, "run on an agent of this cluster");
  create->add_option("--namespace", flags->ns, "run on an agent in this namespace");
  create->callback([flags, exit_code] { *exit_code = Create(*flags); });

  CLI::App* list = Sub(group, "list", "List schedules",
                       "meshproof schedule list --scenario 20-egress", flags.get(), false, true);
  list->add_option("--scenario", flags->scenario, "only schedules of this scenario");
  list->add_option("--limit", flags->limit, "schedules per page")->capture_default_str();
  list->add_option("--page-token", flags->page_token, "continue a listing");
  list->callback([flags, exit_code] { *exit_code = List(*flags); });

  Sub(group, "show",
      "Show a schedule: next fire times, the last fire's outcome, what it waits for, recent fires",
      "meshproof schedule show nightly-egress", flags.get(), true, true)
      ->alias("get")
      ->callback([flags, exit_code] { *exit_code = Act(*flags, Op::kShow); });
  Sub(group, "pause", "Stop firing until resumed", "meshproof schedule pause nightly-egress",
      flags.get(), true, true)
      ->callback([flags, exit_code] { *exit_code = Act(*flags, Op::kPause); });
  Sub(group, "resume", "Fire again", "meshproof schedule resume nightly-egress", flags.get(), true,
      true)
      ->callback([flags, exit_code] { *exit_code = Act(*flags, Op::kResume); });
  Sub(group, "trigger", "Start a run now (the concurrency policy applies)",
      "meshproof schedule trigger nightly-egress", flags.get(), true, true)
      ->callback([flags, exit_code] { *exit_code = Act(*flags, Op::kTrigger); });
  Sub(group, "delete", "Delete a schedule (its runs stay)",
      "meshproof schedule delete nightly-egress", flags.get(), true, false)
      ->callback([flags, exit_code] { *exit_code = Act(*flags, Op::kDelete); });

  CLI::App* agents =
      app.add_subcommand("agents", "List the agents the scheduler knows and their state");
  agents->footer(
      "Example:\n  meshproof agents -o json\nExit codes: 0 ok, 3 scheduler unreachable.");
  AddOutputFlag(agents, &flags->output);
  AddConnectionFlags(agents, &flags->connection, true, false);
  agents->callback([flags, exit_code] { *exit_code = Agents(*flags); });
}

}  // namespace meshproof::cli
