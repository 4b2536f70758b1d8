// The scheduler's threads do not grow with its streams: against the real
// meshproof-scheduler process, 120 agent sessions (AgentGatewayService.Connect, one of
// them holding a run) and 80 WatchRun streams, all open at once, add no more than a fixed
// number of threads to the process (read from /proc/PID/status), where a thread per
// stream would add hundreds. Then SIGTERM ends every stream: watchers are told
// UNAVAILABLE, agents' calls end, and the process exits 0.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "meshproof/scheduler/v1/agent_gateway.grpc.pb.h"
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

constexpr int kAgents = 120;
constexpr int kWatchers = 80;
// Threads the streams may add in all: gRPC's own callback and polling threads and the
// scheduler's worker pool, none of which grows with the number of streams. A thread per
// stream would add at least kAgents + kWatchers.
constexpr int kMaxAddedThreads = 40;
// Streams per connection: the scheduler allows 100 (server_limits.h).
constexpr int kStreamsPerChannel = 50;

constexpr char kScenario[] = R"(apiVersion: meshproof/v1
kind: Scenario
name: threads-hold
team: platform
target: {cluster: fleet}
tests:
  - name: held
    http: {url: "http://127.0.0.1:9/never-called"}
)";

// The scheduler's thread count, or -1 when /proc has no such line.
int ThreadsOf(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

// Shared by every stream of the test: counts streams that reached their first message
// and streams that ended, and lets the test wait on either.
class Tally {
 public:
  void Started() {
    absl::MutexLock lock(&mu_);
    ++started_;
  }
  void Ended(grpc::StatusCode code) {
    absl::MutexLock lock(&mu_);
    ++ended_;
    ++codes_[code];
  }
  // Waits up to `timeout` until `started` streams started (or any ended early).
  bool WaitStarted(int started, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return started_ >= started || ended_ > 0;
    };
    mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
    return started_ >= started;
  }
  bool WaitEnded(int ended, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ended_ >= ended; };
    return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
  }
  int ended() {
    absl::MutexLock lock(&mu_);
    return ended_;
  }
  int count(grpc::StatusCode code) {
    absl::MutexLock lock(&mu_);
    return codes_[code];
  }

 private:
  absl::Mutex mu_;
  int started_ ABSL_GUARDED_BY(mu_) = 0;
  int ended_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<grpc::StatusCode, int> codes_ ABSL_GUARDED_BY(mu_);
};

// An agent that says hello and then only listens: started once welcomed.
class IdleAgent final : public grpc::ClientBidiReactor<v1::AgentMessage, v1::SchedulerMessage> {
 public:
  IdleAgent(v1::AgentGatewayService::Stub* stub, int index, Tally* tally) : tally_(tally) {
    stub->async()->Connect(&context_, this);
    agent::v1::AgentInfo* info = hello_.mutable_hello()->mutable_info();
    info->set_agent_id(absl::StrCat("threads-", index));
    info->set_cluster("fleet");
    info->set_namespace_("fleet");
    info->set_version("test");
    info->set_max_concurrency(1);
    StartWrite(&hello_);
    StartRead(&incoming_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    if (incoming_.has_welcome() && !welcomed_) {
      welcomed_ = true;
      tally_->Started();
    }
    StartRead(&incoming_);
  }
  void OnDone(const grpc::Status& status) override { tally_->Ended(status.error_code()); }

 private:
  Tally* tally_;
  grpc::ClientContext context_;
  v1::AgentMessage hello_;
  v1::SchedulerMessage incoming_;
  bool welcomed_ = false;  // only the read reactions touch it, one at a time
};

// A WatchRun stream: started once it read the run's first event.
class Watcher final : public grpc::ClientReadReactor<v1::RunEvent> {
 public:
  Watcher(v1::SchedulerService::Stub* stub, const std::string& run_id, Tally* tally)
      : tally_(tally) {
    request_.set_run_id(run_id);
    stub->async()->WatchRun(&context_, &request_, this);
    StartRead(&event_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    if (!read_one_) {
      read_one_ = true;
      tally_->Started();
    }
    StartRead(&event_);
  }
  void OnDone(const grpc::Status& status) override { tally_->Ended(status.error_code()); }

 private:
  Tally* tally_;
  grpc::ClientContext context_;
  v1::WatchRunRequest request_;
  v1::RunEvent event_;
  bool read_one_ = false;
};

TEST(StreamThreadsTest, ThreadsStayBoundedAsAgentsAndWatchersConnect) {
  TempDir dir;
  absl::StatusOr<ServiceProcess> started = ServiceProcess::Start(
      BinaryPath("meshproof-scheduler"),
      {"--listen", "127.0.0.1:0", "--db", dir.File("scheduler.db")}, dir.File("scheduler.log"));
  ASSERT_TRUE(started.ok()) << started.status();
  ServiceProcess scheduler = std::move(*started);

  auto api = v1::SchedulerService::NewStub(
      grpc::CreateChannel(scheduler.address(), grpc::InsecureChannelCredentials()));
  {
    grpc::ClientContext context;
    Deadline(&context);
    v1::SubmitScenarioRequest req;
    req.mutable_yaml()->set_text(kScenario);
    v1::SubmitScenarioResponse resp;
    ASSERT_TRUE(api->SubmitScenario(&context, req, &resp).ok());
  }
  v1::Run run;
  {
    grpc::ClientContext context;
    Deadline(&context);
    v1::StartRunRequest req;
    req.set_scenario("threads-hold");
    req.mutable_timeout()->set_seconds(3600);
    ASSERT_TRUE(api->StartRun(&context, req, &run).ok());
  }
  // After unary calls, so the threads those need are in the baseline.
  const int baseline = ThreadsOf(scheduler.pid());
  ASSERT_GT(baseline, 0);

  std::vector<std::unique_ptr<v1::AgentGatewayService::Stub>> agent_stubs;
  std::vector<std::unique_ptr<v1::SchedulerService::Stub>> watch_stubs;
  grpc::ChannelArguments args;
  // Each channel its own connection: otherwise equal targets share one.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  for (int c = 0; c < (kAgents + kWatchers) / kStreamsPerChannel + 1; ++c) {
    auto channel =
        grpc::CreateCustomChannel(scheduler.address(), grpc::InsecureChannelCredentials(), args);
    agent_stubs.push_back(v1::AgentGatewayService::NewStub(channel));
    watch_stubs.push_back(v1::SchedulerService::NewStub(channel));
  }
  Tally tally;
  std::vector<std::unique_ptr<IdleAgent>> agents;
  std::vector<std::unique_ptr<Watcher>> watchers;
  for (int i = 0; i < kAgents; ++i) {
    agents.push_back(
        std::make_unique<IdleAgent>(agent_stubs[i / kStreamsPerChannel].get(), i, &tally));
  }
  for (int i = 0; i < kWatchers; ++i) {
    watchers.push_back(std::make_unique<Watcher>(
        watch_stubs[(kAgents + i) / kStreamsPerChannel].get(), run.run_id(), &tally));
  }
  ASSERT_TRUE(tally.WaitStarted(kAgents + kWatchers, absl::Seconds(30)))
      << tally.ended() << " streams ended before every stream started";

  const int with_streams = ThreadsOf(scheduler.pid());
  std::cerr << "scheduler threads: " << baseline << " before, " << with_streams << " with "
            << kAgents << " agents and " << kWatchers << " watchers\n";
  EXPECT_LE(with_streams - baseline, kMaxAddedThreads);

  // The process still answers a unary call at once.
  {
    grpc::ClientContext context;
    Deadline(&context, absl::Seconds(5));
    v1::ListAgentsResponse resp;
    ASSERT_TRUE(api->ListAgents(&context, v1::ListAgentsRequest(), &resp).ok());
    EXPECT_EQ(resp.agents_size(), kAgents);
  }

  // SIGTERM with every stream open: each ends, watchers are told to watch again.
  absl::StatusOr<int> code = scheduler.Terminate(absl::Seconds(15));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  ASSERT_TRUE(tally.WaitEnded(kAgents + kWatchers, absl::Seconds(15)))
      << tally.ended() << " of " << kAgents + kWatchers << " streams ended";
  EXPECT_EQ(tally.count(grpc::StatusCode::UNAVAILABLE), kWatchers);
}

}  // namespace
}  // namespace meshproof::scheduler
