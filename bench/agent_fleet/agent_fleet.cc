// agent_fleet — a fleet of simulated probe agents against a real scheduler: N agents each
// hold one AgentGatewayService.Connect stream (gRPC's callback API, so the fleet needs no
// thread per agent), R runs are started and held in flight by the agents they land on
// (never finished), W watchers follow those runs (WatchRun streams, spread over the runs),
// and every agent heartbeats at the interval the scheduler's welcome asks for, naming its
// assignments. Prints the heartbeat round trip, the leases the scheduler took back from
// live agents (a CancelAssignment for a run an agent holds), and, with --pid, the
// scheduler's CPU, RSS and thread count over the measured window and its threads before
// any stream was open.
//
//   agent_fleet --scheduler HOST:PORT --agents 300 --runs 100 --watchers 0 --seconds 20
//               [--pid PID]
//
// A heartbeat has no reply of its own, so each one also names one assignment the
// scheduler cannot hold ("hb.SEQ"); the scheduler answers that with a CancelAssignment on
// the same path that renews the real leases, after the same transaction. The time from
// the heartbeat's write to that cancel is the heartbeat's round trip.
//
// Not a test: run.sh uses it for the figures in docs/benchmarks.md.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/fleet/heartbeat_pacer.h"
#include "bench/fleet/process_figures.h"
#include "bench/fleet/simulated_agent.h"
#include "meshproof/scheduler/v1/agent_gateway.grpc.pb.h"
#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"

namespace {

namespace v1 = ::meshproof::scheduler::v1;
using ::meshproof::bench::HeartbeatPacer;
using ::meshproof::bench::Percentile;
using ::meshproof::bench::ProcessFigures;
using ::meshproof::bench::ReadProcess;
using ::meshproof::bench::RoundTripSamples;
using ::meshproof::bench::SimulatedAgent;
using ::meshproof::bench::SimulatedAgentOptions;
using ::meshproof::bench::WaitUntil;

constexpr char kScenario[] = R"(apiVersion: meshproof/v1
kind: Scenario
name: fleet-hold
team: platform
target: {cluster: fleet}
tests:
  - name: held
    http: {url: "http://127.0.0.1:9/never-called"}
)";

// One WatchRun stream: counts the events it read; its call ends when the run does, the
// bench cancels it, or the scheduler refuses it.
class FleetWatcher final : public grpc::ClientReadReactor<v1::RunEvent> {
 public:
  FleetWatcher(v1::SchedulerService::Stub* stub, const std::string& run_id) {
    request_.set_run_id(run_id);
    stub->async()->WatchRun(&context_, &request_, this);
    StartRead(&event_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    {
      absl::MutexLock lock(&mu_);
      ++events_;
    }
    StartRead(&event_);
  }
  void OnDone(const grpc::Status& status) override {
    absl::MutexLock lock(&mu_);
    finished_ = true;
    status_ = status;
  }
  bool watching() {
    absl::MutexLock lock(&mu_);
    return events_ > 0 && !finished_;
  }
  bool finished() {
    absl::MutexLock lock(&mu_);
    return finished_;
  }
  std::string ended_status() {
    absl::MutexLock lock(&mu_);
    return std::to_string(status_.error_code()) + " " + status_.error_message();
  }
  void Cancel() { context_.TryCancel(); }
  void WaitDone() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&finished_));
  }

 private:
  grpc::ClientContext context_;
  v1::WatchRunRequest request_;
  v1::RunEvent event_;
  absl::Mutex mu_;
  int events_ ABSL_GUARDED_BY(mu_) = 0;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
};

int Main(int argc, char** argv) {
  CLI::App app{"simulated agents against a real scheduler: heartbeat round trips", "agent_fleet"};
  std::string scheduler;
  int agents = 300, runs = 100, watchers = 0, pid = 0;
  double seconds = 20;
  app.add_option("--scheduler", scheduler, "scheduler HOST:PORT (plaintext, loopback)")->required();
  app.add_option("--agents", agents, "simulated agents");
  app.add_option("--runs", runs, "runs held in flight");
  app.add_option("--watchers", watchers, "WatchRun streams, spread over the runs in flight");
  app.add_option("--seconds", seconds, "measured window");
  app.add_option("--pid", pid, "the scheduler's process id, for CPU, RSS and threads");
  CLI11_PARSE(app, argc, argv);

  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  // Streams share connections, at most 50 per connection: the scheduler allows 100
  // concurrent streams per connection (server_limits.h), and a stream past that would
  // wait for a free one instead of connecting.
  const int channels = std::max(1, (agents + watchers + 49) / 50);
  std::vector<std::unique_ptr<v1::AgentGatewayService::Stub>> stubs;
  std::vector<std::unique_ptr<v1::SchedulerService::Stub>> watch_stubs;
  for (int c = 0; c < channels; ++c) {
    // Each channel its own subchannel pool: otherwise equal targets share one connection.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto channel = grpc::CreateCustomChannel(scheduler, grpc::InsecureChannelCredentials(), args);
    stubs.push_back(v1::AgentGatewayService::NewStub(channel));
    watch_stubs.push_back(v1::SchedulerService::NewStub(channel));
  }
  auto api = v1::SchedulerService::NewStub(
      grpc::CreateChannel(scheduler, grpc::InsecureChannelCredentials()));
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::SubmitScenarioRequest req;
    req.mutable_yaml()->set_text(kScenario);
    v1::SubmitScenarioResponse resp;
    grpc::Status s = api->SubmitScenario(&context, req, &resp);
    if (!s.ok()) {
      std::fprintf(stderr, "SubmitScenario: %s\n", s.error_message().c_str());
      return 1;
    }
  }

  // Before any stream: the threads of a scheduler that has served unary calls only.
  const ProcessFigures idle = ReadProcess(pid);
  RoundTripSamples samples;
  std::vector<std::unique_ptr<SimulatedAgent>> fleet;
  const absl::Time connect_start = absl::Now();
  for (int i = 0; i < agents; ++i) {
    SimulatedAgentOptions options;
    options.agent_id = "fleet-" + std::to_string(i);
    options.round_trips = &samples;
    fleet.push_back(std::make_unique<SimulatedAgent>(stubs[i % channels].get(), options));
  }
  // Every agent welcomed, or its call ended (refused: the scheduler's limits).
  if (!WaitUntil(
          [&] {
            return std::all_of(fleet.begin(), fleet.end(),
                               [](auto& a) { return a->welcomed() || a->finished(); });
          },
          absl::Seconds(120))) {
    std::fprintf(stderr, "agents neither welcomed nor refused after 120 s\n");
    return 1;
  }
  const absl::Duration connect_time = absl::Now() - connect_start;
  int refused = 0;
  std::string why;
  for (auto& a : fleet) {
    if (!a->finished()) continue;
    ++refused;
    why = a->ended_status();
  }
  if (refused > 0) {
    std::fprintf(stderr, "%d of %d agents were refused (last: %s)\n", refused, agents, why.c_str());
  }

  std::vector<std::string> run_ids;
  for (int r = 0; r < runs; ++r) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::StartRunRequest req;
    req.set_scenario("fleet-hold");
    req.mutable_timeout()->set_seconds(3600);
    v1::Run run;
    grpc::Status s = api->StartRun(&context, req, &run);
    if (!s.ok()) {
      std::fprintf(stderr, "StartRun: %s\n", s.error_message().c_str());
      return 1;
    }
    run_ids.push_back(run.run_id());
  }
  auto held = [&] {
    int n = 0;
    for (auto& a : fleet) n += a->held();
    return n;
  };
  if (!WaitUntil([&] { return held() >= runs; }, absl::Seconds(60))) {
    std::fprintf(stderr, "only %d of %d runs were assigned\n", held(), runs);
    return 1;
  }

  std::vector<std::unique_ptr<FleetWatcher>> watching;
  if (watchers > 0 && run_ids.empty()) {
    std::fprintf(stderr, "no runs to watch\n");
    return 1;
  }
  for (int w = 0; w < watchers; ++w) {
    // After the agents' streams, on the channels' remaining room.
    watching.push_back(std::make_unique<FleetWatcher>(watch_stubs[(agents + w) % channels].get(),
                                                      run_ids[w % run_ids.size()]));
  }
  if (!WaitUntil(
          [&] {
            return std::all_of(watching.begin(), watching.end(),
                               [](auto& w) { return w->watching() || w->finished(); });
          },
          absl::Seconds(60))) {
    std::fprintf(stderr, "watchers neither watching nor refused after 60 s\n");
    return 1;
  }
  int watchers_refused = 0;
  for (auto& w : watching) {
    if (!w->finished()) continue;
    ++watchers_refused;
    why = w->ended_status();
  }
  if (watchers_refused > 0) {
    std::fprintf(stderr, "%d of %d watchers were refused (last: %s)\n", watchers_refused, watchers,
                 why.c_str());
  }

  // Heartbeats spread over the interval, as independent agents' would be.
  std::vector<SimulatedAgent*> beating;
  for (auto& a : fleet) beating.push_back(a.get());
  auto pacer = std::make_unique<HeartbeatPacer>(beating, fleet[0]->interval());
  // One interval to settle, then the measured window.
  absl::SleepFor(fleet[0]->interval());
  samples.Record(true);
  const ProcessFigures before = ReadProcess(pid);
  const absl::Time window_start = absl::Now();
  absl::SleepFor(absl::Seconds(seconds));
  const ProcessFigures after = ReadProcess(pid);
  const double window = absl::ToDoubleSeconds(absl::Now() - window_start);
  samples.Record(false);
  pacer.reset();

  const std::vector<double> sorted = samples.Take();
  int lost = 0;
  for (auto& a : fleet) lost += a->lost();
  int still_watching = 0;
  for (auto& w : watching) still_watching += w->watching() ? 1 : 0;
  std::printf(
      "agents %d refused %d runs %d held %d watchers %d watching %d connect_s %.2f heartbeats %zu "
      "p50_ms %.2f p99_ms %.2f max_ms %.2f lost_leases %d",
      agents, refused, runs, held(), watchers, still_watching, absl::ToDoubleSeconds(connect_time),
      sorted.size(), Percentile(sorted, 0.5), Percentile(sorted, 0.99),
      sorted.empty() ? 0.0 : sorted.back(), lost);
  if (pid > 0) {
    std::printf(" cpu_pct %.1f rss_mb %.1f threads_idle %ld threads %ld",
                100.0 * (after.cpu_seconds - before.cpu_seconds) / window, after.rss_kb / 1024.0,
                idle.threads, after.threads);
  }
  std::printf("\n");
  for (auto& w : watching) w->Cancel();
  for (auto& w : watching) w->WaitDone();
  for (auto& a : fleet) a->Cancel();
  for (auto& a : fleet) a->WaitDone();
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
