// Variable expansion cannot amplify a small scenario into a huge one: against the real
// meshproof-scheduler process, a run whose variable would grow a 2 KiB scenario into
// hundreds of MiB, a declared default over the per-variable bound, and labels the store
// would refuse are all refused with INVALID_ARGUMENT naming the variable or field;
// nothing is stored, and the scheduler stays healthy and answers at once afterwards.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"
#include "tests/testing/grpc_polling.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::scheduler {
namespace {

using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::Deadline;
using ::meshproof::testing::ServiceProcess;
using ::meshproof::testing::TempDir;
using ::testing::HasSubstr;

// A scenario of about 2 KiB whose one header value references ${BIG} 512 times.
std::string AmplifyingScenario(const std::string& name, const std::string& big_default) {
  std::string refs;
  for (int i = 0; i < 512; ++i) refs += "${BIG}";
  return absl::StrCat(R"(apiVersion: meshproof/v1
kind: Scenario
name: )",
                      name, R"(
vars:
  BIG: ")",
                      big_default, R"("
tests:
  - name: t1
    http:
      url: "http://127.0.0.1:1/"
      headers:
        x-big: ")",
                      refs, R"("
)");
}

class ExpansionLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<ServiceProcess> scheduler = ServiceProcess::Start(
        BinaryPath("meshproof-scheduler"),
        {"--listen", "127.0.0.1:0", "--db", dir_.File("scheduler.db")}, dir_.File("scheduler.log"));
    ASSERT_TRUE(scheduler.ok()) << scheduler.status();
    scheduler_ = std::make_unique<ServiceProcess>(std::move(*scheduler));
    channel_ = grpc::CreateChannel(scheduler_->address(), grpc::InsecureChannelCredentials());
    stub_ = v1::SchedulerService::NewStub(channel_);
  }
  void TearDown() override {
    if (HasFailure()) {
      std::string log = ::meshproof::testing::ReadFileOrEmpty(dir_.File("scheduler.log"));
      if (log.size() > 4000) log = log.substr(log.size() - 4000);
      std::cerr << "---- scheduler.log (tail) ----\n" << log << "\n";
    }
  }

  grpc::Status Submit(const std::string& yaml) {
    grpc::ClientContext context;
    Deadline(&context);
    v1::SubmitScenarioRequest req;
    req.mutable_yaml()->set_text(yaml);
    v1::SubmitScenarioResponse resp;
    return stub_->SubmitScenario(&context, req, &resp);
  }
  grpc::Status StartRun(const v1::StartRunRequest& req) {
    grpc::ClientContext context;
    Deadline(&context, absl::Seconds(20));
    v1::Run run;
    return stub_->StartRun(&context, req, &run);
  }
  int CountScenarios() {
    grpc::ClientContext context;
    Deadline(&context);
    v1::ListScenariosResponse resp;
    grpc::Status status = stub_->ListScenarios(&context, v1::ListScenariosRequest(), &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return resp.scenarios_size();
  }
  int CountRuns() {
    grpc::ClientContext context;
    Deadline(&context);
    v1::ListRunsResponse resp;
    grpc::Status status = stub_->ListRuns(&context, v1::ListRunsRequest(), &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return resp.runs_size();
  }
  // SERVING within a short deadline: a scheduler busy expanding would miss it.
  void ExpectHealthyAndQuick() {
    auto health = grpc::health::v1::Health::NewStub(channel_);
    grpc::ClientContext context;
    Deadline(&context, absl::Seconds(2));
    grpc::health::v1::HealthCheckResponse resp;
    grpc::Status status = health->Check(&context, grpc::health::v1::HealthCheckRequest(), &resp);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
    const auto start = std::chrono::steady_clock::now();
    CountScenarios();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  }

  TempDir dir_;
  std::unique_ptr<ServiceProcess> scheduler_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::SchedulerService::Stub> stub_;
};

TEST_F(ExpansionLimitsTest, RunWithAMebibyteVariableReferenced512TimesIsRefused) {
  const std::string yaml = AmplifyingScenario("amp", "x");
  ASSERT_LT(yaml.size(), 4096u);
  ASSERT_TRUE(Submit(yaml).ok());

  v1::StartRunRequest req;
  req.set_scenario("amp");
  (*req.mutable_vars())["BIG"] = std::string(1 << 20, 'A');
  grpc::Status status = StartRun(req);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("BIG"));
  EXPECT_EQ(CountRuns(), 0);
  ExpectHealthyAndQuick();
}

TEST_F(ExpansionLimitsTest, ValuesUnderThePerVariableBoundStillCannotAmplify) {
  ASSERT_TRUE(Submit(AmplifyingScenario("amp", "x")).ok());
  v1::StartRunRequest req;
  req.set_scenario("amp");
  // 60 KiB is a legal value; 512 copies in one string are not.
  (*req.mutable_vars())["BIG"] = std::string(60 * 1024, 'A');
  grpc::Status status = StartRun(req);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("${BIG}"));
  EXPECT_THAT(status.error_message(), HasSubstr("headers"));
  EXPECT_EQ(CountRuns(), 0);
  ExpectHealthyAndQuick();
}

TEST_F(ExpansionLimitsTest, SubmitWhoseDefaultsAmplifyIsRefusedAndNothingStored) {
  // A 1 KiB default referenced 512 times: under every per-field bound as written.
  grpc::Status status = Submit(AmplifyingScenario("amp", std::string(1024, 'a')));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("BIG"));
  EXPECT_EQ(CountScenarios(), 0);
  ExpectHealthyAndQuick();
}

TEST_F(ExpansionLimitsTest, SubmitOfAProtoScenarioWithAnOversizedVariableIsRefused) {
  v1::SubmitScenarioRequest req;
  meshproof::scenario::v1::Scenario* s = req.mutable_scenario();
  s->set_name("big-var");
  (*s->mutable_vars())["HUGE"] = std::string(1 << 20, 'h');
  auto* test = s->add_tests();
  test->set_name("t1");
  test->mutable_probe()->mutable_http()->set_url("http://127.0.0.1:1/${HUGE}");
  grpc::ClientContext context;
  Deadline(&context);
  v1::SubmitScenarioResponse resp;
  grpc::Status status = stub_->SubmitScenario(&context, req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("HUGE"));
  EXPECT_EQ(CountScenarios(), 0);
  ExpectHealthyAndQuick();
}

TEST_F(ExpansionLimitsTest, RunLabelsTheStoreWouldRefuseAreRefusedAtStart) {
  ASSERT_TRUE(Submit(AmplifyingScenario("amp", "x")).ok());
  v1::StartRunRequest req;
  req.set_scenario("amp");
  (*req.mutable_labels())["k"] = std::string(600, 'v');
  grpc::Status status = StartRun(req);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("labels"));

  v1::StartRunRequest empty_key;
  empty_key.set_scenario("amp");
  (*empty_key.mutable_labels())[""] = "v";
  status = StartRun(empty_key);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_EQ(CountRuns(), 0);
  ExpectHealthyAndQuick();
}

}  // namespace
}  // namespace meshproof::scheduler
