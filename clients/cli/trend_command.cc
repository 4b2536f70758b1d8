#include "clients/cli/trend_command.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/time_util.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/command_support.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/latency_trend.h"
#include "clients/cli/output.h"
#include "clients/cli/report/report_text.h"

namespace meshproof::cli {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

constexpr uint32_t kMaxDays = 3650;

struct TrendFlags {
  ConnectionFlags connection;
  std::string output = "table";
  std::string scenario;
  std::string test;
  std::string cluster;
  uint32_t days = 30;
};

struct Series {
  std::string test;
  std::string cluster;
  storev1::GetLatencyTrendResponse trend;
};

Value StringValue(const std::string& s) {
  Value v;
  v.set_string_value(s);
  return v;
}

Value NumberValue(double d) {
  Value v;
  v.set_number_value(d);
  return v;
}

// The -o json/yaml document. The trend's days keep GetLatencyTrend's shape (durations in
// the protobuf JSON form, "0.012s"), so scripts read them like every other command.
Struct ToDocument(const TrendFlags& flags, const std::vector<Series>& series) {
  Struct doc;
  (*doc.mutable_fields())["scenario"] = StringValue(flags.scenario);
  (*doc.mutable_fields())["days"] = NumberValue(flags.days);
  ListValue* list = (*doc.mutable_fields())["series"].mutable_list_value();
  for (const Series& s : series) {
    Struct* item = list->add_values()->mutable_struct_value();
    const TrendDirection direction = DirectionOf(s.trend.days());
    (*item->mutable_fields())["test"] = StringValue(s.test);
    (*item->mutable_fields())["cluster"] = StringValue(s.cluster);
    (*item->mutable_fields())["direction"] = StringValue(direction.word);
    (*item->mutable_fields())["p50_change"] = NumberValue(direction.change);
    ListValue* points = (*item->mutable_fields())["points"].mutable_list_value();
    for (const storev1::LatencyDay& day : s.trend.days()) {
      Struct* p = points->add_values()->mutable_struct_value();
      (*p->mutable_fields())["day"] = StringValue(day.day());
      (*p->mutable_fields())["p50"] =
          StringValue(google::protobuf::util::TimeUtil::ToString(day.p50()));
      (*p->mutable_fields())["p95"] =
          StringValue(google::protobuf::util::TimeUtil::ToString(day.p95()));
      (*p->mutable_fields())["samples"] = NumberValue(day.samples());
    }
  }
  return doc;
}

void PrintTable(const std::vector<Series>& series) {
  Table table({"TEST", "CLUSTER", "DAY", "P50", "P95", "SAMPLES", "TREND"});
  for (const Series& s : series) {
    const std::string trend = DescribeDirection(DirectionOf(s.trend.days()));
    for (int i = 0; i < s.trend.days_size(); ++i) {
      const storev1::LatencyDay& day = s.trend.days(i);
      // The direction sits on the newest day, the one it describes.
      const bool newest = i + 1 == s.trend.days_size();
      table.AddRow({s.test, s.cluster, day.day(), report::FormatLatency(day.p50()),
                    report::FormatLatency(day.p95()), absl::StrCat(day.samples()),
                    newest ? trend : ""});
    }
  }
  std::fputs(table.Render("no latency measured for this scenario in these days").c_str(), stdout);
}

int Trend(const TrendFlags& flags) {
  if (flags.days == 0 || flags.days > kMaxDays) {
    return PrintError(absl::InvalidArgumentError(
        absl::StrCat("--days: must be 1 to ", kMaxDays, ", got ", flags.days)));
  }
  auto client = ConnectStore(flags.connection);
  if (!client.ok()) return PrintError(client.status());
  // The tests and the clusters the scenario has results in, as the store knows them.
  storev1::GetLatestPerClusterRequest latest;
  latest.set_scenario(flags.scenario);
  auto grid = (*client)->GetLatestPerCluster(latest);
  if (!grid.ok()) return PrintError(grid.status());
  std::vector<std::string> tests;
  for (const storev1::ClusterRow& row : grid->rows()) {
    if (flags.test.empty() || row.test() == flags.test) tests.push_back(row.test());
  }
  if (!flags.test.empty() && tests.empty()) {
    return PrintError(absl::NotFoundError(
        absl::StrCat("test ", flags.test, " has no results in scenario ", flags.scenario)));
  }
  std::vector<std::string> clusters;
  for (const std::string& c : grid->clusters()) {
    if (flags.cluster.empty() || c == flags.cluster) clusters.push_back(c);
  }
  std::vector<Series> series;
  for (const std::string& test : tests) {
    for (const std::string& cluster : clusters) {
      storev1::GetLatencyTrendRequest request;
      request.set_scenario(flags.scenario);
      request.set_test(test);
      request.set_cluster(cluster);
      request.set_days(flags.days);
      auto trend = (*client)->GetLatencyTrend(request);
      if (!trend.ok()) return PrintError(trend.status());
      if (trend->days().empty()) continue;  // never measured there in the window
      series.push_back({test, cluster, *std::move(trend)});
    }
  }
  return PrintResponse(ToDocument(flags, series), flags.output, [&] { PrintTable(series); });
}

}  // namespace

void AddTrendCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<TrendFlags>();
  CLI::App* cmd = app.add_subcommand(
      "trend", "Latency p50/p95 per day of a test, or each test of a scenario, per cluster");
  cmd->footer(
      "Example:\n  meshproof trend 10-ingress path-match-status-418 --cluster lab --days 14\n"
      "Exit codes: 0 ok, 2 bad input or unknown test, 3 store unreachable.");
  AddOutputFlag(cmd, &flags->output);
  AddConnectionFlags(cmd, &flags->connection, /*scheduler=*/false, /*store=*/true);
  cmd->add_option("scenario", flags->scenario, "scenario name")->required();
  cmd->add_option("test", flags->test, "test name (default: every test of the scenario)");
  cmd->add_option("--cluster", flags->cluster, "only this cluster");
  cmd->add_option("--days", flags->days, "days back from today (UTC), 1 to 3650")
      ->capture_default_str();
  cmd->callback([flags, exit_code] { *exit_code = Trend(*flags); });
}

}  // namespace meshproof::cli
