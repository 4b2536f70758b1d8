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
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "meshproof/scheduler/v1/agent_gateway.grpc.pb.h"
#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"

namespace {

namespace v1 = ::meshproof::scheduler::v1;

constexpr char kScenario[] = R"(apiVersion: meshproof/v1
kind: Scenario
name: fleet-hold
team: platform
target: {cluster: fleet}
tests:
  - name: held
    http: {url: "http://127.0.0.1:9/never-called"}
)";

// Round trips, from every agent.
class Samples {
 public:
  void Add(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    if (recording_) samples_.push_back(absl::ToDoubleMilliseconds(d));
  }
  void Record(bool on) {
    absl::MutexLock lock(&mu_);
    recording_ = on;
  }
  std::vector<double> Take() {
    absl::MutexLock lock(&mu_);
    std::vector<double> out = std::move(samples_);
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  absl::Mutex mu_;
  bool recording_ = false;
  std::vector<double> samples_;
};

class FleetAgent final : public grpc::ClientBidiReactor<v1::AgentMessage, v1::SchedulerMessage> {
 public:
  FleetAgent(v1::AgentGatewayService::Stub* stub, int index, Samples* samples) : samples_(samples) {
    id_ = "fleet-" + std::to_string(index);
    stub->async()->Connect(&context_, this);
    v1::AgentMessage hello;
    meshproof::agent::v1::AgentInfo* info = hello.mutable_hello()->mutable_info();
    info->set_agent_id(id_);
    info->set_cluster("fleet");
    info->set_namespace_("fleet");
    info->set_version("bench");
    info->set_max_concurrency(1);
    Enqueue(std::move(hello));
    StartRead(&incoming_);
    StartCall();
  }

  void Heartbeat() {
    v1::AgentMessage beat;
    {
      absl::MutexLock lock(&mu_);
      if (finished_ || !welcomed_) return;
      for (const std::string& a : held_) beat.mutable_heartbeat()->add_active_assignments(a);
      ++sequence_;
      beat.mutable_heartbeat()->add_active_assignments("hb." + std::to_string(sequence_));
      sent_[sequence_] = absl::Now();
    }
    Enqueue(std::move(beat));
  }

  absl::Duration interval() {
    absl::MutexLock lock(&mu_);
    return interval_;
  }
  bool welcomed() {
    absl::MutexLock lock(&mu_);
    return welcomed_;
  }
  bool finished() {
    absl::MutexLock lock(&mu_);
    return finished_;
  }
  int held() {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(held_.size());
  }
  int lost() {
    absl::MutexLock lock(&mu_);
    return lost_;
  }
  void Cancel() { context_.TryCancel(); }
  std::string ended_status() {
    absl::MutexLock lock(&mu_);
    return std::to_string(status_.error_code()) + " " + status_.error_message();
  }
  void WaitDone() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&finished_));
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;
    {
      absl::MutexLock lock(&mu_);
      switch (incoming_.message_case()) {
        case v1::SchedulerMessage::kWelcome:
          welcomed_ = true;
          if (incoming_.welcome().has_heartbeat_interval()) {
            interval_ = absl::Seconds(incoming_.welcome().heartbeat_interval().seconds()) +
                        absl::Nanoseconds(incoming_.welcome().heartbeat_interval().nanos());
          }
          break;
        case v1::SchedulerMessage::kAssignment:
          held_.push_back(incoming_.assignment().assignment_id());
          break;
        case v1::SchedulerMessage::kCancel: {
          const std::string& a = incoming_.cancel().assignment_id();
          if (a.rfind("hb.", 0) == 0) {
            auto it = sent_.find(std::stoull(a.substr(3)));
            if (it != sent_.end()) {
              samples_->Add(absl::Now() - it->second);
              sent_.erase(it);
            }
          } else {
            // A live agent heartbeating its runs should never lose one.
            ++lost_;
            held_.erase(std::remove(held_.begin(), held_.end(), a), held_.end());
          }
          break;
        }
        default: break;
      }
    }
    StartRead(&incoming_);
  }

  // One write in flight at a time; StartWrite is called outside the lock (a reaction may
  // run on the calling thread).
  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      if (!ok || queue_.empty()) {
        writing_ = false;
        if (!ok) queue_.clear();
        return;
      }
      current_ = std::move(queue_.front());
      queue_.pop_front();
    }
    StartWrite(&current_);
  }

  void OnDone(const grpc::Status& status) override {
    absl::MutexLock lock(&mu_);
    finished_ = true;
    status_ = status;
  }

 private:
  void Enqueue(v1::AgentMessage message) {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      if (writing_) {
        queue_.push_back(std::move(message));
        return;
      }
      writing_ = true;
      current_ = std::move(message);
    }
    StartWrite(&current_);
  }

  Samples* samples_;
  std::string id_;
  grpc::ClientContext context_;
  v1::SchedulerMessage incoming_;
  absl::Mutex mu_;
  // Owned by the write in flight (writing_).
  v1::AgentMessage current_;
  std::deque<v1::AgentMessage> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool welcomed_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  absl::Duration interval_ ABSL_GUARDED_BY(mu_) = absl::Seconds(10);
  std::vector<std::string> held_ ABSL_GUARDED_BY(mu_);
  uint64_t sequence_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<uint64_t, absl::Time> sent_ ABSL_GUARDED_BY(mu_);
  int lost_ ABSL_GUARDED_BY(mu_) = 0;
};

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

struct ProcessFigures {
  double cpu_seconds = 0;  // user + system
  long rss_kb = 0;
  long threads = 0;
};

ProcessFigures ReadProcess(int pid) {
  ProcessFigures f;
  if (pid <= 0) return f;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command (which may hold spaces) start after the last ')'.
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) fields.push_back(field);
  if (fields.size() > 12) {
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the command.
    f.cpu_seconds = (std::stod(fields[11]) + std::stod(fields[12])) / sysconf(_SC_CLK_TCK);
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) f.rss_kb = std::stol(line.substr(6));
    if (line.rfind("Threads:", 0) == 0) f.threads = std::stol(line.substr(8));
  }
  return f;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p * (sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

bool WaitUntil(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(20));  // another process: nothing to wait on
  }
  return true;
}

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
  Samples samples;
  std::vector<std::unique_ptr<FleetAgent>> fleet;
  const absl::Time connect_start = absl::Now();
  for (int i = 0; i < agents; ++i) {
    fleet.push_back(std::make_unique<FleetAgent>(stubs[i % channels].get(), i, &samples));
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
  std::atomic<bool> stop{false};
  std::thread beater([&] {
    const absl::Duration interval = fleet[0]->interval();  // the same for every agent
    std::vector<absl::Time> next(fleet.size());
    const absl::Time start = absl::Now();
    for (size_t i = 0; i < fleet.size(); ++i) next[i] = start + interval * i / fleet.size();
    while (!stop) {
      const absl::Time now = absl::Now();
      for (size_t i = 0; i < fleet.size(); ++i) {
        if (next[i] > now) continue;
        fleet[i]->Heartbeat();
        next[i] += interval;
      }
      absl::SleepFor(absl::Milliseconds(2));  // the pacing of the load, not a wait
    }
  });
  // One interval to settle, then the measured window.
  absl::SleepFor(fleet[0]->interval());
  samples.Record(true);
  const ProcessFigures before = ReadProcess(pid);
  const absl::Time window_start = absl::Now();
  absl::SleepFor(absl::Seconds(seconds));
  const ProcessFigures after = ReadProcess(pid);
  const double window = absl::ToDoubleSeconds(absl::Now() - window_start);
  samples.Record(false);
  stop = true;
  beater.join();

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
