// A fixture of real processes for tests of the scheduler's unattended behaviour:
// meshproof-store, meshproof-scheduler (ticking every 100 ms) and one meshproof-agent
// linked to it, plus a counting HTTP server on loopback for the agent's probes, and
// small helpers over the scheduler's and the store's APIs.
#ifndef MESHPROOF_TESTS_SCHEDULER_THREE_SERVICES_H_
#define MESHPROOF_TESTS_SCHEDULER_THREE_SERVICES_H_

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"
#include "meshproof/store/v1/store.grpc.pb.h"
#include "services/common/time_util.h"
#include "tests/probe-agent/fake_http_server.h"
#include "tests/testing/grpc_polling.h"
#include "tests/testing/scheduler_client.h"
#include "tests/testing/scheduler_run.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::scheduler::testing {

class ThreeServicesTest : public ::testing::Test {
 protected:
  using FakeHttpServer = ::meshproof::testing::FakeHttpServer;
  using FakeRequest = ::meshproof::testing::FakeRequest;
  using FakeResponse = ::meshproof::testing::FakeResponse;
  using ServiceProcess = ::meshproof::testing::ServiceProcess;

  // Every probe is answered 200 unless `respond` is replaced before the probes run.
  ThreeServicesTest()
      : http_([this](const FakeRequest& r) { return respond_ ? respond_(r) : FakeResponse{}; }) {}

  void SetUp() override {
    absl::StatusOr<ServiceProcess> store = ServiceProcess::Start(
        ::meshproof::testing::BinaryPath("meshproof-store"),
        {"--listen", "127.0.0.1:0", "--db", dir_.File("store.db")}, dir_.File("store.log"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::make_unique<ServiceProcess>(std::move(*store));
    const std::string config = dir_.WriteFile(
        "scheduler.yaml", "tick_interval: 100ms\nheartbeat_interval: 500ms\nlease: 3s\n");
    absl::StatusOr<ServiceProcess> scheduler =
        ServiceProcess::Start(::meshproof::testing::BinaryPath("meshproof-scheduler"),
                              {"--listen", "127.0.0.1:0", "--db", dir_.File("scheduler.db"),
                               "--config", config, "--store", store_->address()},
                              dir_.File("scheduler.log"));
    ASSERT_TRUE(scheduler.ok()) << scheduler.status();
    scheduler_ = std::make_unique<ServiceProcess>(std::move(*scheduler));
    absl::StatusOr<ServiceProcess> agent =
        ServiceProcess::Start(::meshproof::testing::BinaryPath("meshproof-agent"),
                              {"--listen", "127.0.0.1:0", "--cluster", "lab", "--agent-id",
                               "night-agent", "--scheduler", scheduler_->address()},
                              dir_.File("agent.log"));
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_ = std::make_unique<ServiceProcess>(std::move(*agent));
    ASSERT_TRUE(
        ::meshproof::testing::WaitForConnectedAgent(scheduler_->address(), "night-agent").ok());
    client_ = std::make_unique<::meshproof::testing::SchedulerClient>(scheduler_->address());
    store_stub_ = ::meshproof::store::v1::ResultsStoreService::NewStub(
        grpc::CreateChannel(store_->address(), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (HasFailure()) {
      for (const char* log : {"scheduler.log", "agent.log"}) {
        std::string text = ::meshproof::testing::ReadFileOrEmpty(dir_.File(log));
        if (text.size() > 6000) text = text.substr(text.size() - 6000);
        std::cerr << "---- " << log << " (tail) ----\n" << text << "\n";
      }
    }
  }

  void Submit(const std::string& yaml) {
    absl::Status status = client_->Submit(yaml);
    ASSERT_TRUE(status.ok()) << status;
  }
  void CreateSchedule(const std::string& id, const std::string& scenario,
                      v1::ApprovalTimeoutPolicy policy) {
    v1::CreateScheduleRequest req;
    req.set_schedule_id(id);
    req.set_scenario(scenario);
    *req.mutable_interval() = ToProtoDuration(absl::Seconds(2));
    req.set_concurrency_policy(v1::CONCURRENCY_POLICY_FORBID);
    // Longer than the interval: the second fire comes while the first run still waits.
    *req.mutable_approval_timeout() = ToProtoDuration(absl::Seconds(3));
    req.set_on_approval_timeout(policy);
    absl::StatusOr<v1::Schedule> schedule = client_->CreateSchedule(req);
    ASSERT_TRUE(schedule.ok()) << schedule.status();
  }
  // Oldest first.
  std::vector<v1::Run> Runs(const std::string& schedule_id) {
    absl::StatusOr<std::vector<v1::Run>> runs = client_->ScheduleRuns(schedule_id);
    EXPECT_TRUE(runs.ok()) << runs.status();
    return runs.ok() ? *std::move(runs) : std::vector<v1::Run>{};
  }
  v1::Schedule GetSchedule(const std::string& id) {
    absl::StatusOr<v1::Schedule> schedule = client_->GetSchedule(id);
    EXPECT_TRUE(schedule.ok()) << schedule.status();
    return schedule.ok() ? *std::move(schedule) : v1::Schedule{};
  }
  v1::Run StartRun(const std::string& scenario, const std::vector<std::string>& only_tests = {}) {
    absl::StatusOr<v1::Run> run = client_->StartRun(scenario, only_tests);
    EXPECT_TRUE(run.ok()) << run.status();
    return run.ok() ? *std::move(run) : v1::Run{};
  }
  // Polls (bounded) until the run has ended; returns it as it ended.
  v1::Run WaitForEnd(const std::string& run_id, absl::Duration timeout = absl::Seconds(20)) {
    absl::StatusOr<v1::Run> run = client_->WaitForEnd(run_id, timeout);
    EXPECT_TRUE(run.ok()) << run.status();
    return run.ok() ? *std::move(run) : v1::Run{};
  }

  // Polls (bounded) until `done` holds for the schedule's runs; returns them.
  template <typename Pred>
  std::vector<v1::Run> WaitForRuns(const std::string& schedule_id, Pred done,
                                   absl::Duration timeout = absl::Seconds(20)) {
    const absl::Time end = absl::Now() + timeout;
    std::vector<v1::Run> runs = Runs(schedule_id);
    while (!done(runs) && absl::Now() < end) {
      absl::SleepFor(absl::Milliseconds(50));  // polling interval, not synchronisation
      runs = Runs(schedule_id);
    }
    EXPECT_TRUE(done(runs)) << "runs of " << schedule_id << " never got there";
    return runs;
  }
  int Requests(const std::string& path) {
    int n = 0;
    for (const FakeRequest& r : http_.requests()) n += r.target == path ? 1 : 0;
    return n;
  }

  ::meshproof::testing::TempDir dir_;
  std::function<FakeResponse(const FakeRequest&)> respond_;
  FakeHttpServer http_;
  std::unique_ptr<ServiceProcess> store_;
  std::unique_ptr<ServiceProcess> scheduler_;
  std::unique_ptr<ServiceProcess> agent_;
  std::unique_ptr<::meshproof::testing::SchedulerClient> client_;
  std::unique_ptr<::meshproof::store::v1::ResultsStoreService::Stub> store_stub_;
};

}  // namespace meshproof::scheduler::testing

#endif  // MESHPROOF_TESTS_SCHEDULER_THREE_SERVICES_H_
