// The metrics as a user scrapes them: the real store, scheduler and agent, each with
// --metrics-listen on a free loopback port, one scenario run through them (one test that
// passes, one that fails with evidence to wait for) and one schedule. Then each /metrics is
// read over a real socket: the series carry what happened (the verdicts, the run's state,
// the probes), other paths are 404, every metric name the Grafana dashboard's PromQL uses
// and every alert rule in deploy/prometheus/meshproof-rules.yaml has samples in a scrape,
// and SIGTERM closes the listeners with the services.
//
// The probes' target is the scheduler's own /metrics listener: a real HTTP server that
// answers 200 on /metrics and 404 elsewhere.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <yaml-cpp/yaml.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"
#include "meshproof/store/v1/store.grpc.pb.h"
#include "tests/testing/control_plane.h"
#include "tests/testing/metrics_scrape.h"
#include "tests/testing/scheduler_run.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace meshproof {
namespace {

namespace rv1 = ::meshproof::result::v1;
namespace schedv1 = ::meshproof::scheduler::v1;
namespace storev1 = ::meshproof::store::v1;
using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::HttpGet;
using ::meshproof::testing::MetricsAddressFromLog;
using ::meshproof::testing::SampleNames;
using ::meshproof::testing::ServiceProcess;
using ::testing::HasSubstr;

std::string ScenarioYaml(const std::string& target, const std::string& log_file) {
  return absl::StrCat(R"(apiVersion: meshproof/v1
kind: Scenario
name: metrics-demo
team: platform
target: {cluster: lab}
tests:
  - name: answers
    http: {url: "http://)",
                      target, R"(/metrics"}
    expect: {status: 200}
  - name: missing-page
    http: {url: "http://)",
                      target, R"(/no-such-page"}
    expect: {status: 200}
    evidence:
      - name: access-log
        log: {file: ")",
                      log_file, R"(", pattern: 'no-such-page', window: 200ms}
)");
}

// Every "expr" string anywhere in the dashboard's JSON.
void CollectExprs(const google::protobuf::Value& value, std::vector<std::string>* out) {
  if (value.has_struct_value()) {
    for (const auto& [key, field] : value.struct_value().fields()) {
      if (key == "expr" && field.has_string_value()) out->push_back(field.string_value());
      CollectExprs(field, out);
    }
  } else if (value.has_list_value()) {
    for (const auto& item : value.list_value().values()) CollectExprs(item, out);
  }
}

std::vector<std::string> DashboardExprs() {
  const std::string path = absl::StrCat(MESHPROOF_SOURCE_DIR, "/deploy/grafana/meshproof.json");
  google::protobuf::Value dashboard;
  const auto status = google::protobuf::util::JsonStringToMessage(testing::ReadFileOrEmpty(path),
                                                                  dashboard.mutable_struct_value());
  EXPECT_TRUE(status.ok()) << path << ": " << status.ToString();
  std::vector<std::string> exprs;
  CollectExprs(dashboard, &exprs);
  return exprs;
}

// Every rule's expr in the alert rules shipped for Prometheus.
std::vector<std::string> AlertRuleExprs() {
  const std::string path =
      absl::StrCat(MESHPROOF_SOURCE_DIR, "/deploy/prometheus/meshproof-rules.yaml");
  std::vector<std::string> exprs;
  YAML::Node root;
  try {
    root = YAML::Load(testing::ReadFileOrEmpty(path));
  } catch (const YAML::Exception& e) {
    ADD_FAILURE() << path << ": " << e.what();
    return exprs;
  }
  for (const YAML::Node& group : root["groups"]) {
    for (const YAML::Node& rule : group["rules"]) {
      if (rule["expr"]) exprs.push_back(rule["expr"].as<std::string>());
    }
  }
  return exprs;
}

// The meshproof_* metric names a PromQL expression reads.
std::set<std::string> MetricNames(const std::string& expr) {
  static const std::regex kName("meshproof_[a-zA-Z0-9_:]*");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(expr.begin(), expr.end(), kName);
       it != std::sregex_iterator(); ++it) {
    names.insert(it->str());
  }
  return names;
}

// Scrapes `address` until `sample` is in the answer or 20 s pass; returns the last scrape.
std::string ScrapeUntil(const std::string& address, const std::string& sample) {
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  std::string body;
  while (absl::Now() < deadline) {
    absl::StatusOr<testing::HttpAnswer> answer = HttpGet(address, "/metrics");
    if (answer.ok()) {
      body = answer->body;
      if (absl::StrContains(body, sample)) return body;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return body;
}

class MetricsDashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = testing::StartStore(dir_, {"--metrics-listen", "127.0.0.1:0"});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::make_unique<ServiceProcess>(std::move(*store));
    auto scheduler = testing::StartScheduler(
        dir_, {"--store", store_->address(), "--metrics-listen", "127.0.0.1:0", "--config",
               dir_.WriteFile("scheduler.yaml", testing::kFastSchedulerConfig)});
    ASSERT_TRUE(scheduler.ok()) << scheduler.status();
    scheduler_ = std::make_unique<ServiceProcess>(std::move(*scheduler));
    auto agent = ServiceProcess::Start(
        BinaryPath("meshproof-agent"),
        {"--listen", "127.0.0.1:0", "--cluster", "lab", "--agent-id", "metrics-agent",
         "--scheduler", scheduler_->address(), "--metrics-listen", "127.0.0.1:0"},
        dir_.File("agent.log"));
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_ = std::make_unique<ServiceProcess>(std::move(*agent));
    for (const auto& [name, metrics] :
         {std::pair{"store", &store_metrics_}, std::pair{"scheduler", &scheduler_metrics_},
          std::pair{"agent", &agent_metrics_}}) {
      absl::StatusOr<std::string> address =
          MetricsAddressFromLog(dir_.File(absl::StrCat(name, ".log")));
      ASSERT_TRUE(address.ok()) << address.status();
      *metrics = *address;
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<ServiceProcess> store_, scheduler_, agent_;
  std::string store_metrics_, scheduler_metrics_, agent_metrics_;
};

TEST_F(MetricsDashboardTest, ScrapesCarryWhatHappenedAndEveryDashboardMetric) {
  ASSERT_TRUE(testing::WaitForConnectedAgent(scheduler_->address(), "metrics-agent").ok());
  const std::string access_log = dir_.WriteFile("access.log", "");
  auto run = testing::RunThroughScheduler(scheduler_->address(),
                                          ScenarioYaml(scheduler_metrics_, access_log), {});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->results["answers"].verdict(), rv1::TEST_VERDICT_PASS)
      << run->results["answers"].reason();
  EXPECT_EQ(run->results["missing-page"].verdict(), rv1::TEST_VERDICT_FAIL)
      << run->results["missing-page"].reason();

  // A schedule, so the per-schedule series have a row; its first fire is a year away.
  auto channel = grpc::CreateChannel(scheduler_->address(), grpc::InsecureChannelCredentials());
  {
    auto stub = schedv1::SchedulerService::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    schedv1::CreateScheduleRequest request;
    request.set_schedule_id("nightly");
    request.set_scenario("metrics-demo");
    request.set_cron("0 2 29 2 *");
    schedv1::Schedule schedule;
    grpc::Status status = stub->CreateSchedule(&context, request, &schedule);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // The results reach the store through the scheduler's outbox, a moment after the run.
  const std::string store_scrape = ScrapeUntil(
      store_metrics_,
      "meshproof_test_success{scenario=\"metrics-demo\",cluster=\"lab\",test=\"missing-page\"}");
  EXPECT_THAT(store_scrape,
              HasSubstr("meshproof_test_success{scenario=\"metrics-demo\",cluster=\"lab\","
                        "test=\"answers\"} 1\n"));
  EXPECT_THAT(store_scrape,
              HasSubstr("meshproof_test_success{scenario=\"metrics-demo\",cluster=\"lab\","
                        "test=\"missing-page\"} 0\n"));
  EXPECT_THAT(store_scrape, HasSubstr("meshproof_test_series_dropped 0\n"));
  EXPECT_THAT(store_scrape,
              HasSubstr("meshproof_store_writes_total{method=\"finish_run\",code=\"OK\"} 1\n"));
  // A read, so the query histograms have samples.
  {
    auto store_channel = grpc::CreateChannel(store_->address(), grpc::InsecureChannelCredentials());
    auto stub = storev1::ResultsStoreService::NewStub(store_channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    storev1::GetLatestPerClusterRequest request;
    request.set_scenario("metrics-demo");
    storev1::GetLatestPerClusterResponse response;
    ASSERT_TRUE(stub->GetLatestPerCluster(&context, request, &response).ok());
  }
  auto store_answer = HttpGet(store_metrics_, "/metrics");
  ASSERT_TRUE(store_answer.ok()) << store_answer.status();
  EXPECT_EQ(store_answer->content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(store_answer->body,
              HasSubstr("meshproof_store_query_duration_seconds_count{method=\"get_latest_per_"
                        "cluster\"} 1\n"));

  const std::string scheduler_scrape =
      ScrapeUntil(scheduler_metrics_, "meshproof_scheduler_outbox_depth 0\n");
  EXPECT_THAT(scheduler_scrape,
              HasSubstr("meshproof_scheduler_runs{state=\"failed\",trigger=\"on_demand\"} 1\n"));
  EXPECT_THAT(scheduler_scrape, HasSubstr("meshproof_scheduler_agents{state=\"connected\"} 1\n"));
  EXPECT_THAT(scheduler_scrape,
              HasSubstr("meshproof_scheduler_schedule_last_fire_outcome{schedule=\"nightly\","
                        "scenario=\"metrics-demo\",outcome=\"none\"} 1\n"));

  auto agent_answer = HttpGet(agent_metrics_, "/metrics");
  ASSERT_TRUE(agent_answer.ok()) << agent_answer.status();
  const std::string& agent_scrape = agent_answer->body;
  EXPECT_THAT(agent_scrape, HasSubstr("meshproof_agent_probes_total{phase=\"test\",verdict="
                                      "\"pass\",failure_class=\"none\"} 1\n"));
  EXPECT_THAT(agent_scrape, HasSubstr("meshproof_agent_probes_total{phase=\"test\",verdict="
                                      "\"fail\",failure_class=\"none\"} 1\n"));
  EXPECT_THAT(agent_scrape, HasSubstr("meshproof_agent_probes_in_flight 0\n"));
  EXPECT_THAT(agent_scrape,
              HasSubstr("meshproof_agent_evidence_wait_seconds_count{result=\"unsatisfied\"} 1\n"));

  // Every metric the dashboard reads has samples in one of the scrapes.
  std::set<std::string> scraped;
  for (const std::string& scrape : {store_answer->body, scheduler_scrape, agent_scrape}) {
    const std::set<std::string> names = SampleNames(scrape);
    scraped.insert(names.begin(), names.end());
  }
  const std::vector<std::string> exprs = DashboardExprs();
  ASSERT_GE(exprs.size(), 20u);
  const std::vector<std::string> rules = AlertRuleExprs();
  ASSERT_GE(rules.size(), 10u);
  for (const std::string& expr : exprs) {
    const std::set<std::string> names = MetricNames(expr);
    EXPECT_FALSE(names.empty()) << "reads no meshproof metric: " << expr;
    for (const std::string& name : names) {
      EXPECT_TRUE(scraped.count(name)) << name << " (in " << expr << ") is in no scrape";
    }
  }
  // And so does every metric the alert rules read.
  for (const std::string& expr : rules) {
    const std::set<std::string> names = MetricNames(expr);
    EXPECT_FALSE(names.empty()) << "reads no meshproof metric: " << expr;
    for (const std::string& name : names) {
      EXPECT_TRUE(scraped.count(name)) << name << " (in rule " << expr << ") is in no scrape";
    }
  }

  // Only /metrics is served.
  for (const std::string& address : {store_metrics_, scheduler_metrics_, agent_metrics_}) {
    auto other = HttpGet(address, "/");
    ASSERT_TRUE(other.ok()) << other.status();
    EXPECT_EQ(other->status, 404) << address;
  }

  // SIGTERM stops each listener with its service.
  for (auto* process : {agent_.get(), scheduler_.get(), store_.get()}) {
    auto code = process->Terminate();
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_EQ(*code, 0);
  }
  for (const std::string& address : {store_metrics_, scheduler_metrics_, agent_metrics_}) {
    EXPECT_FALSE(HttpGet(address, "/metrics").ok()) << address << " still answers";
  }
}

}  // namespace
}  // namespace meshproof
