#include "clients/cli/store_commands.h"

#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "clients/cli/command_support.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/output.h"
#include "clients/cli/report/report_text.h"
#include "clients/cli/report_loader.h"
#include "services/common/results/environment_versions.h"
#include "services/common/results/verdict_words.h"

namespace meshproof::cli {
namespace {

namespace rv1 = ::meshproof::result::v1;
using report::ChangeWord;
using report::FormatDelta;
using report::FormatLatency;
using results::TestVerdictWord;

struct StoreFlags {
  ConnectionFlags connection;
  std::string output = "table";
  std::string base;
  std::string head;
  bool fail_on_regression = false;
  std::string scenario;
  std::string test;
  std::string cluster;
  uint32_t limit = 30;
  uint32_t last_runs = 30;
  double min_flip_rate = 0;
};

int Compare(const StoreFlags& flags) {
  auto client = ConnectStore(flags.connection);
  if (!client.ok()) return PrintError(client.status());
  std::string base = flags.base;
  if (base == "previous") {
    auto previous = PreviousRunId(**client, flags.head);
    if (!previous.ok()) return PrintError(previous.status());
    base = *previous;
  }
  storev1::CompareRunsRequest request;
  request.set_base_run_id(base);
  request.set_head_run_id(flags.head);
  auto response = (*client)->CompareRuns(request);
  if (!response.ok()) return PrintError(response.status());
  int regressions = 0;
  for (const auto& t : response->tests())
    regressions += t.change() == storev1::CHANGE_REGRESSED ? 1 : 0;
  const int code = PrintResponse(*response, flags.output, [&] {
    std::printf("%s (%s, %s) -> %s (%s, %s)\n", response->base().run_id().c_str(),
                ShortTime(response->base().started_at()).c_str(),
                results::RunVerdictWord(response->base().verdict()).c_str(),
                response->head().run_id().c_str(), ShortTime(response->head().started_at()).c_str(),
                results::RunVerdictWord(response->head().verdict()).c_str());
    const std::vector<storev1::VersionChange> changes(response->version_changes().begin(),
                                                      response->version_changes().end());
    if (!changes.empty())
      std::printf("versions: %s\n", results::DescribeVersionChanges(changes).c_str());
    Table table({"CHANGE", "TEST", "BEFORE", "AFTER", "LATENCY", "EVIDENCE CHANGED"});
    for (const storev1::TestComparison& t : response->tests()) {
      table.AddRow({ChangeWord(t.change()), t.test(),
                    t.change() == storev1::CHANGE_ADDED
                        ? "-"
                        : absl::StrCat(TestVerdictWord(t.base_verdict()), " ", t.base_outcome()),
                    t.change() == storev1::CHANGE_REMOVED
                        ? "-"
                        : absl::StrCat(TestVerdictWord(t.head_verdict()), " ", t.head_outcome()),
                    FormatDelta(t.latency_delta()),
                    t.changed_evidence().empty() ? "-" : absl::StrJoin(t.changed_evidence(), ",")});
    }
    std::fputs(table.Render("no tests in either run").c_str(), stdout);
  });
  if (code != kExitOk) return code;
  return flags.fail_on_regression && regressions > 0 ? kExitFailed : kExitOk;
}

int History(const StoreFlags& flags) {
  auto client = ConnectStore(flags.connection);
  if (!client.ok()) return PrintError(client.status());
  storev1::GetTestHistoryRequest request;
  request.set_scenario(flags.scenario);
  request.set_test(flags.test);
  request.set_cluster(flags.cluster);
  request.set_page_size(flags.limit);
  auto response = (*client)->GetTestHistory(request);
  if (!response.ok()) return PrintError(response.status());
  return PrintResponse(*response, flags.output, [&] {
    Table table({"STARTED", "RUN", "CLUSTER", "VERDICT", "OUTCOME", "LATENCY", "REASON"});
    for (const storev1::HistoryPoint& p : response->points()) {
      table.AddRow(
          {ShortTime(p.started_at()), p.run_id(), p.cluster(),
           absl::StrCat(TestVerdictWord(p.verdict()), p.passed_on_retry() ? " (retry)" : ""),
           p.outcome().empty() ? "-" : p.outcome(), FormatLatency(p.latency()),
           p.reason().empty() ? "-" : p.reason()});
    }
    std::fputs(table.Render("no history for this test").c_str(), stdout);
  });
}

int Flaky(const StoreFlags& flags) {
  auto client = ConnectStore(flags.connection);
  if (!client.ok()) return PrintError(client.status());
  storev1::ListFlakyTestsRequest request;
  request.set_scenario(flags.scenario);
  request.set_cluster(flags.cluster);
  request.set_last_runs(flags.last_runs);
  request.set_min_flip_rate(flags.min_flip_rate);
  request.set_limit(flags.limit);
  auto response = (*client)->ListFlakyTests(request);
  if (!response.ok()) return PrintError(response.status());
  return PrintResponse(*response, flags.output, [&] {
    Table table(
        {"FLIP RATE", "SCENARIO", "TEST", "CLUSTER", "FLIPS/RUNS", "FAILURES", "PASSED ON RETRY"});
    for (const storev1::FlakyTest& t : response->tests()) {
      table.AddRow({absl::StrFormat("%.0f%%", t.flip_rate() * 100), t.scenario(), t.test(),
                    t.cluster(), absl::StrCat(t.flips(), "/", t.runs()), absl::StrCat(t.failures()),
                    absl::StrCat(t.passed_on_retry())});
    }
    std::fputs(table.Render("no flaky tests").c_str(), stdout);
  });
}

int Clusters(const StoreFlags& flags) {
  auto client = ConnectStore(flags.connection);
  if (!client.ok()) return PrintError(client.status());
  storev1::GetLatestPerClusterRequest request;
  request.set_scenario(flags.scenario);
  auto response = (*client)->GetLatestPerCluster(request);
  if (!response.ok()) return PrintError(response.status());
  return PrintResponse(*response, flags.output, [&] {
    std::vector<std::string> headers = {"TEST"};
    for (const std::string& c : response->clusters()) headers.push_back(c);
    Table table(headers);
    for (const storev1::ClusterRow& row : response->rows()) {
      std::vector<std::string> cells = {row.test()};
      for (const storev1::ClusterCell& cell : row.cells()) {
        cells.push_back(cell.run_id().empty()
                            ? "-"
                            : absl::StrCat(TestVerdictWord(cell.verdict()),
                                           cell.outcome().empty() ? "" : " ", cell.outcome(), " (",
                                           ShortTime(cell.started_at()), ")"));
      }
      table.AddRow(cells);
    }
    std::fputs(table.Render("no results for this scenario").c_str(), stdout);
  });
}

CLI::App* Sub(CLI::App& app, const std::string& name, const std::string& help,
              const std::string& example, StoreFlags* flags) {
  CLI::App* cmd = app.add_subcommand(name, help);
  cmd->footer(absl::StrCat("Example:\n  ", example,
                           "\nExit codes: 0 ok, 2 bad input or unknown run, 3 store unreachable."));
  AddOutputFlag(cmd, &flags->output);
  AddConnectionFlags(cmd, &flags->connection, /*scheduler=*/false, /*store=*/true);
  return cmd;
}

}  // namespace

void AddStoreCommands(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<StoreFlags>();
  CLI::App* compare = Sub(app, "compare", "What changed between two runs, regressions first",
                          "meshproof compare run-0041 run-0042 --fail-on-regression\n"
                          "  meshproof compare previous run-0042",
                          flags.get());
  compare->add_option("base", flags->base, "the older run, or \"previous\" for the run before HEAD")
      ->required();
  compare->add_option("head", flags->head, "the newer run")->required();
  compare->add_flag("--fail-on-regression", flags->fail_on_regression,
                    "exit 1 when a test regressed");
  compare->callback([flags, exit_code] { *exit_code = Compare(*flags); });

  CLI::App* history =
      Sub(app, "history", "The timeline of one test, newest first",
          "meshproof history 20-egress egress-through-gateway --cluster homelab", flags.get());
  history->add_option("scenario", flags->scenario, "scenario name")->required();
  history->add_option("test", flags->test, "test name")->required();
  history->add_option("--cluster", flags->cluster, "only this cluster");
  history->add_option("--limit", flags->limit, "points to show")->capture_default_str();
  history->callback([flags, exit_code] { *exit_code = History(*flags); });

  CLI::App* flaky =
      Sub(app, "flaky", "Tests whose verdict flips, over the last N runs",
          "meshproof flaky --scenario 20-egress --last 30 --min-rate 0.1", flags.get());
  flaky->add_option("--scenario", flags->scenario, "only this scenario");
  flaky->add_option("--cluster", flags->cluster, "only this cluster");
  flaky->add_option("--last", flags->last_runs, "runs per scenario and cluster to look at")
      ->capture_default_str();
  flaky->add_option("--min-rate", flags->min_flip_rate, "only flip rates at least this (0..1)");
  flaky->add_option("--limit", flags->limit, "tests to show")->capture_default_str();
  flaky->callback([flags, exit_code] { *exit_code = Flaky(*flags); });

  CLI::App* clusters =
      Sub(app, "clusters", "Each test's latest result in every cluster, side by side",
          "meshproof clusters 10-ingress", flags.get());
  clusters->add_option("scenario", flags->scenario, "scenario name")->required();
  clusters->callback([flags, exit_code] { *exit_code = Clusters(*flags); });
}

}  // namespace meshproof::cli
