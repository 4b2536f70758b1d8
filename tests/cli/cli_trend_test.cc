// `meshproof trend` against the real meshproof-store binary: runs written over gRPC in
// two clusters on several days; the CLI shows p50/p95 per day per test and cluster, the
// direction of change on the newest day, the same document as -o json and -o yaml, and
// clear errors for an unknown test and a bad --days; with tokens on, another team's
// viewer sees nothing of the scenario.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "meshproof/store/v1/store.grpc.pb.h"
#include "tests/cli/yaml_matches_json.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::cli {
namespace {

namespace v1 = ::meshproof::store::v1;
using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::CommandResult;
using ::meshproof::testing::RunCommand;
using ::meshproof::testing::ServiceProcess;
using ::meshproof::testing::TempDir;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

// 2026-01-01T02:00:00Z plus `day` days: fixed dates, inside --days 3650 of any "now"
// within the next decade.
google::protobuf::Timestamp Day(int day) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(1767225600 + 86400 * day + 7200);
  return ts;
}

class TrendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::string> args = {"--listen", "127.0.0.1:0", "--db", dir_.File("store.db")};
    if (with_tokens_) {
      // A writer (the scheduler's role), a viewer of the runs' team and one of another team.
      std::string file = "tokens:\n";
      write_token_ = NewToken("writer", "platform", &file);
      platform_token_ = NewToken("viewer", "platform", &file);
      other_token_ = NewToken("viewer", "payments", &file);
      args.push_back("--tokens");
      args.push_back(dir_.WriteFile("tokens.yaml", file));
    }
    auto process =
        ServiceProcess::Start(BinaryPath("meshproof-store"), args, dir_.File("store.log"));
    ASSERT_TRUE(process.ok()) << process.status();
    store_ = std::make_unique<ServiceProcess>(*std::move(process));
    stub_ = v1::ResultsStoreService::NewStub(
        grpc::CreateChannel(store_->address(), grpc::InsecureChannelCredentials()));
    // lab: a gets slower (10, 20, then 30 and 90 ms on one day), b stays near 50 ms.
    WriteRun("r1", "lab", 1, {{"a", 10}, {"b", 50}});
    WriteRun("r2", "lab", 2, {{"a", 20}, {"b", 52}});
    WriteRun("r3", "lab", 3, {{"a", 30}, {"b", 49}});
    WriteRun("r4", "lab", 3, {{"a", 90}, {"b", 51}});
    // homelab: a gets faster; b never ran there.
    WriteRun("h1", "homelab", 1, {{"a", 40}});
    WriteRun("h2", "homelab", 3, {{"a", 20}});
    // Another scenario's test of the same name must not leak in.
    WriteRun("o1", "lab", 2, {{"a", 999}}, "20-egress");
  }

  // Makes a token with `meshproof token new`, appends its entry to `file`, returns it.
  std::string NewToken(const std::string& role, const std::string& team, std::string* file) {
    CommandResult r = RunCommand({BinaryPath("meshproof"), "token", "new", "--name",
                                  role + "-" + team, "--roles", role, "--team", team});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const size_t first = r.out.find('\n');
    const size_t second = r.out.find('\n', first + 1);
    absl::StrAppend(file, r.out.substr(second + 1));
    return r.out.substr(0, first);
  }

  void WriteRun(const std::string& run_id, const std::string& cluster, int day,
                const std::map<std::string, int>& latency_ms,
                const std::string& scenario = "10-ingress") {
    v1::BeginRunRequest begin;
    v1::RunRecord* run = begin.mutable_run();
    run->set_run_id(run_id);
    run->set_scenario(scenario);
    run->set_scenario_version("sha256:abc");
    run->set_cluster(cluster);
    run->set_namespace_("mesh-test");
    run->set_team("platform");
    run->set_agent_id("agent-" + cluster);
    run->set_trigger(result::v1::TRIGGER_SCHEDULE);
    run->mutable_environment()->set_cluster(cluster);
    *run->mutable_started_at() = Day(day);
    v1::BeginRunResponse begun;
    ASSERT_TRUE(stub_->BeginRun(Context().get(), begin, &begun).ok());
    v1::AppendResultsRequest append;
    append.set_run_id(run_id);
    append.set_attempt(1);
    for (const auto& [test, ms] : latency_ms) {
      result::v1::TestResult* r = append.add_results();
      r->set_test(test);
      r->set_phase(result::v1::PHASE_TEST);
      r->set_verdict(result::v1::TEST_VERDICT_PASS);
      r->set_attempts(1);
      r->mutable_outcome()->mutable_http()->set_status_code(200);
      r->mutable_outcome()->mutable_timings()->mutable_total()->set_nanos(ms * 1000000);
    }
    v1::AppendResultsResponse appended;
    ASSERT_TRUE(stub_->AppendResults(Context().get(), append, &appended).ok());
    v1::FinishRunRequest finish;
    finish.set_run_id(run_id);
    finish.set_verdict(result::v1::RUN_VERDICT_PASSED);
    *finish.mutable_finished_at() = Day(day);
    v1::FinishRunResponse finished;
    ASSERT_TRUE(stub_->FinishRun(Context().get(), finish, &finished).ok());
  }

  std::unique_ptr<grpc::ClientContext> Context() const {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!write_token_.empty()) context->AddMetadata("authorization", "Bearer " + write_token_);
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return context;
  }

  CommandResult Meshproof(std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/env", "-i", "HOME=" + dir_.path(),
                                     BinaryPath("meshproof"), "trend"};
    argv.insert(argv.end(), args.begin(), args.end());
    for (const char* a : {"--store", store_->address().c_str(), "--days", "3650"})
      argv.push_back(a);
    return RunCommand(argv);
  }

  bool with_tokens_ = false;
  std::string write_token_, platform_token_, other_token_;
  TempDir dir_;
  std::unique_ptr<ServiceProcess> store_;
  std::unique_ptr<v1::ResultsStoreService::Stub> stub_;
};

TEST_F(TrendTest, TablePerDayWithTheDirectionOnTheNewestDay) {
  CommandResult r = Meshproof({"10-ingress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ContainsRegex("TEST +CLUSTER +DAY +P50 +P95 +SAMPLES +TREND"));
  // Day 3 in lab had 30 and 90 ms: nearest-rank p50 30, p95 90.
  EXPECT_THAT(r.out, ContainsRegex("\na +lab +2026-01-04 +30 ms +90 ms +2 +slower \\+200%\n"));
  EXPECT_THAT(r.out, ContainsRegex("\na +lab +2026-01-02 +10 ms +10 ms +1 *\n"));
  EXPECT_THAT(r.out, ContainsRegex("\nb +lab +2026-01-04 +49 ms +51 ms +2 +steady -2%\n"));
  EXPECT_THAT(r.out, ContainsRegex("\na +homelab +2026-01-04 +20 ms +20 ms +1 +faster -50%\n"));
  // b never ran in homelab: no series, not an empty one; the other scenario's 999 ms stays out.
  EXPECT_THAT(r.out, Not(ContainsRegex("\nb +homelab")));
  EXPECT_THAT(r.out, Not(HasSubstr("999")));
}

TEST_F(TrendTest, OneTestInOneCluster) {
  CommandResult r = Meshproof({"10-ingress", "a", "--cluster", "homelab", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  google::protobuf::Struct doc;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &doc).ok()) << r.out;
  const auto& series = doc.fields().at("series").list_value();
  ASSERT_EQ(series.values_size(), 1) << r.out;
  const auto& s = series.values(0).struct_value().fields();
  EXPECT_EQ(s.at("test").string_value(), "a");
  EXPECT_EQ(s.at("cluster").string_value(), "homelab");
  EXPECT_EQ(s.at("direction").string_value(), "faster");
  EXPECT_DOUBLE_EQ(s.at("p50_change").number_value(), -0.5);
  const auto& points = s.at("points").list_value();
  ASSERT_EQ(points.values_size(), 2);
  EXPECT_EQ(points.values(0).struct_value().fields().at("day").string_value(), "2026-01-02");
  EXPECT_EQ(points.values(0).struct_value().fields().at("p50").string_value(), "0.040s");
  EXPECT_EQ(points.values(1).struct_value().fields().at("p95").string_value(), "0.020s");
}

TEST_F(TrendTest, YamlIsTheJsonDocument) {
  CommandResult json = Meshproof({"10-ingress", "-o", "json"});
  CommandResult yaml = Meshproof({"10-ingress", "-o", "yaml"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  testing::ExpectYamlMatchesJson(yaml.out, json.out);
}

TEST_F(TrendTest, UnknownTestAndBadDays) {
  CommandResult unknown = Meshproof({"10-ingress", "nope"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("test nope has no results in scenario 10-ingress"));
  std::vector<std::string> argv = {"/usr/bin/env",
                                   "-i",
                                   "HOME=" + dir_.path(),
                                   BinaryPath("meshproof"),
                                   "trend",
                                   "10-ingress",
                                   "--store",
                                   store_->address(),
                                   "--days",
                                   "0"};
  CommandResult bad = RunCommand(argv);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--days: must be 1 to 3650, got 0"));
  // A scenario the store has never seen is the store's NOT_FOUND, named.
  CommandResult none = Meshproof({"99-unknown"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.err, HasSubstr("no runs of \"99-unknown\""));
  EXPECT_EQ(none.out, "");
}

// With tokens on, a viewer sees the trends of its own team's scenarios only.
class TrendTeamTest : public TrendTest {
 protected:
  void SetUp() override {
    with_tokens_ = true;
    TrendTest::SetUp();
  }
};

TEST_F(TrendTeamTest, AViewerSeesOnlyItsTeamsScenarios) {
  CommandResult own = Meshproof({"10-ingress", "--token", platform_token_});
  ASSERT_EQ(own.exit_code, 0) << own.err;
  EXPECT_THAT(own.out, ContainsRegex("\na +lab +2026-01-04 +30 ms +90 ms +2 +slower \\+200%\n"));
  // Another team's viewer learns nothing: the same answer as a scenario without results.
  CommandResult other = Meshproof({"10-ingress", "--token", other_token_});
  EXPECT_EQ(other.exit_code, 0) << other.err;
  EXPECT_EQ(other.out, "no latency measured for this scenario in these days\n");
  CommandResult none = Meshproof({"10-ingress"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.err, HasSubstr("did not accept the token: no bearer token"));
}

}  // namespace
}  // namespace meshproof::cli
