// Shared fixtures of the scheduler's unit tests: a scheduler on a temp database driven
// by a fake clock, a recording agent sink, a small scenario with a gated test, and a
// fake results store.
#ifndef MESHPROOF_TESTS_SCHEDULER_SCHEDULER_FIXTURES_H_
#define MESHPROOF_TESTS_SCHEDULER_SCHEDULER_FIXTURES_H_

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/scheduler/scheduler.h"
#include "services/scheduler/store_client.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::scheduler::testing {

// Two tests, t1 and t2, and one deferred test "gated" that requires approval.
inline constexpr char kGatedScenario[] = R"yaml(apiVersion: meshproof/v1
kind: Scenario
name: demo
team: platform
target: {cluster: lab}
vars:
  HOST: example.com
tests:
  - name: t1
    http: {url: "http://${HOST}/a"}
    proves: the first thing
  - name: t2
    http: {url: "http://${HOST}/b"}
deferred:
  - name: gated
    reason: changes mesh-global state
    requires_approval: true
    http: {url: "http://${HOST}/c"}
)yaml";

// Two tests, no approval needed; ${PORT} has no default.
inline constexpr char kPlainScenario[] = R"yaml(apiVersion: meshproof/v1
kind: Scenario
name: plain
team: platform
vars:
  HOST: example.com
tests:
  - name: t1
    http: {url: "http://${HOST}/a"}
  - name: t2
    http: {url: "http://${HOST}:${PORT}/b"}
)yaml";

// Records what the scheduler sends to one agent.
class RecordingSink final : public AgentSink {
 public:
  void Send(const v1::SchedulerMessage& message) override {
    absl::MutexLock lock(&mu_);
    messages_.push_back(message);
  }
  void Close(const absl::Status& status) override {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }
  // Removes and returns every message received so far.
  std::vector<v1::SchedulerMessage> Take() {
    absl::MutexLock lock(&mu_);
    std::vector<v1::SchedulerMessage> out(messages_.begin(), messages_.end());
    messages_.clear();
    return out;
  }
  bool closed() {
    absl::MutexLock lock(&mu_);
    return closed_;
  }

 private:
  absl::Mutex mu_;
  std::deque<v1::SchedulerMessage> messages_;
  bool closed_ = false;
};

// A results store in memory whose calls fail while `down` is set, or only one run's
// calls while `down_for_run` names it. Safe to call from several threads.
class FakeStore final : public StoreClient {
 public:
  absl::Status BeginRun(const meshproof::store::v1::BeginRunRequest& request) override {
    absl::MutexLock lock(&mu_);
    if (down_ || request.run().run_id() == down_for_run_) {
      return absl::UnavailableError("store down");
    }
    calls_.push_back("begin " + request.run().run_id());
    return absl::OkStatus();
  }
  absl::Status AppendResults(const meshproof::store::v1::AppendResultsRequest& request) override {
    absl::MutexLock lock(&mu_);
    if (down_ || request.run_id() == down_for_run_) return absl::UnavailableError("store down");
    if (refuse_appends_) return absl::InvalidArgumentError("results[0].test: refused");
    for (const auto& r : request.results()) {
      const std::string key =
          request.run_id() + "/" + std::to_string(request.attempt()) + "/" + r.test();
      if (std::find(results_.begin(), results_.end(), key) == results_.end())
        results_.push_back(key);
    }
    calls_.push_back("append " + request.run_id() + " x" + std::to_string(request.results_size()));
    return absl::OkStatus();
  }
  absl::Status FinishRun(const meshproof::store::v1::FinishRunRequest& request) override {
    absl::MutexLock lock(&mu_);
    if (down_ || request.run_id() == down_for_run_) return absl::UnavailableError("store down");
    calls_.push_back("finish " + request.run_id() + " " +
                     meshproof::result::v1::RunVerdict_Name(request.verdict()));
    return absl::OkStatus();
  }
  void set_down(bool down) {
    absl::MutexLock lock(&mu_);
    down_ = down;
  }
  // Fails every call of `run_id` (none when empty).
  void set_down_for_run(const std::string& run_id) {
    absl::MutexLock lock(&mu_);
    down_for_run_ = run_id;
  }
  void set_refuse_appends(bool refuse) {
    absl::MutexLock lock(&mu_);
    refuse_appends_ = refuse;
  }
  std::vector<std::string> calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  // Distinct "run/attempt/test" keys stored.
  std::vector<std::string> results() {
    absl::MutexLock lock(&mu_);
    return results_;
  }

 private:
  absl::Mutex mu_;
  bool down_ = false;
  std::string down_for_run_;
  bool refuse_appends_ = false;
  std::vector<std::string> calls_;
  std::vector<std::string> results_;
};

inline meshproof::agent::v1::AgentInfo AgentInfo(const std::string& id,
                                                 const std::string& cluster = "lab") {
  meshproof::agent::v1::AgentInfo info;
  info.set_agent_id(id);
  info.set_cluster(cluster);
  info.set_namespace_("mesh-test");
  info.set_version("0.1.0");
  info.set_max_concurrency(8);
  return info;
}

inline meshproof::result::v1::TestResult Result(const std::string& scenario,
                                                const std::string& test,
                                                meshproof::result::v1::TestVerdict verdict) {
  meshproof::result::v1::TestResult r;
  r.set_scenario(scenario);
  r.set_test(test);
  r.set_phase(meshproof::result::v1::PHASE_TEST);
  r.set_verdict(verdict);
  return r;
}

class SchedulerHarness {
 public:
  SchedulerHarness() {
    config.lease = absl::Seconds(30);
    config.heartbeat_interval = absl::Seconds(10);
  }
  // (Re)opens the scheduler on the same database file.
  absl::Status Open() {
    scheduler.reset();
    absl::StatusOr<std::unique_ptr<Scheduler>> opened =
        Scheduler::Open(dir.File("scheduler.db"), config, &clock);
    if (!opened.ok()) return opened.status();
    scheduler = std::move(*opened);
    return absl::OkStatus();
  }
  absl::StatusOr<v1::ScenarioVersion> Submit(const std::string& yaml) {
    v1::SubmitScenarioRequest req;
    req.mutable_yaml()->set_text(yaml);
    absl::StatusOr<v1::SubmitScenarioResponse> resp = scheduler->SubmitScenario(req);
    if (!resp.ok()) return resp.status();
    return resp->version();
  }
  absl::StatusOr<v1::Run> Start(const std::string& scenario,
                                std::map<std::string, std::string> vars = {}) {
    v1::StartRunRequest req;
    req.set_scenario(scenario);
    req.mutable_vars()->insert(vars.begin(), vars.end());
    return scheduler->StartRun(req, meshproof::result::v1::TRIGGER_API);
  }
  v1::Run Get(const std::string& run_id) {
    v1::GetRunRequest req;
    req.set_run_id(run_id);
    absl::StatusOr<v1::Run> run = scheduler->GetRun(req);
    EXPECT_TRUE(run.ok()) << run.status();
    return run.ok() ? *run : v1::Run();
  }
  // Connects an agent; returns its session id.
  std::string Connect(const meshproof::agent::v1::AgentInfo& info, RecordingSink* sink,
                      std::vector<std::string> active = {}) {
    v1::Hello hello;
    *hello.mutable_info() = info;
    for (const auto& a : active) hello.add_active_assignments(a);
    absl::StatusOr<std::string> session = scheduler->AgentConnected(hello, sink);
    EXPECT_TRUE(session.ok()) << session.status();
    return session.ok() ? *session : "";
  }

  ::meshproof::testing::TempDir dir;
  ::meshproof::testing::FakeClock clock;
  SchedulerConfig config;
  std::unique_ptr<Scheduler> scheduler;
};

// The assignments among `messages`.
inline std::vector<v1::Assignment> Assignments(const std::vector<v1::SchedulerMessage>& messages) {
  std::vector<v1::Assignment> out;
  for (const auto& m : messages) {
    if (m.has_assignment()) out.push_back(m.assignment());
  }
  return out;
}

}  // namespace meshproof::scheduler::testing

#endif  // MESHPROOF_TESTS_SCHEDULER_SCHEDULER_FIXTURES_H_
