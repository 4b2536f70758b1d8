// night_scale — a night at scale: one scenario of T tests submitted once to a real
// scheduler, C simulated agents (one per cluster, "night-0" .. "night-C-1") that work
// each assignment at line rate (bench/fleet/simulated_agent.h), and one run started per
// cluster (StartRun with the cluster as target). The scheduler forwards BeginRun, the
// results and FinishRun through its outbox to a real results store.
//
// Measures the time from the first StartRun until the store holds every run finished
// with all T results: the store is read through its own API (ListRuns for the runs that
// ended, then GetRun of each to count its results: T distinct tests, every one PASS),
// nothing is inferred. Also the time until the scheduler acknowledged every run's done,
// the scheduler's and the store's CPU seconds and peak RSS, and, every half second, the
// scheduler's outbox depth (its /metrics gauge meshproof_scheduler_outbox_depth).
//
//   night_scale --scheduler HOST:PORT --store HOST:PORT --metrics HOST:PORT
//               --scheduler-pid PID --store-pid PID [--clusters 300] [--tests 1000]
//
// Not a test: run.sh uses it for the figures in docs/benchmarks.md.
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/fleet/heartbeat_pacer.h"
#include "bench/fleet/process_figures.h"
#include "bench/fleet/simulated_agent.h"
#include "meshproof/scheduler/v1/agent_gateway.grpc.pb.h"
#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"
#include "meshproof/store/v1/store.grpc.pb.h"

namespace {

namespace v1 = ::meshproof::scheduler::v1;
namespace sv1 = ::meshproof::store::v1;
namespace rv1 = ::meshproof::result::v1;
using ::meshproof::bench::HeartbeatPacer;
using ::meshproof::bench::ProcessFigures;
using ::meshproof::bench::ReadProcess;
using ::meshproof::bench::SimulatedAgent;
using ::meshproof::bench::SimulatedAgentOptions;
using ::meshproof::bench::WaitUntil;

constexpr char kScenarioName[] = "night";

std::string ScenarioYaml(int tests) {
  std::ostringstream y;
  y << "apiVersion: meshproof/v1\nkind: Scenario\nname: " << kScenarioName
    << "\nteam: platform\ntarget: {cluster: night-0}\ntests:\n";
  for (int i = 0; i < tests; ++i) {
    // Never probed: the simulated agents answer for them.
    y << "  - name: t" << i << "\n    http: {url: \"http://127.0.0.1:9/t" << i << "\"}\n";
  }
  return y.str();
}

std::chrono::system_clock::time_point In(absl::Duration d) {
  return std::chrono::system_clock::now() + absl::ToChronoMilliseconds(d);
}

// One sample of the services while the night runs.
struct Sample {
  double t = 0;  // seconds since the first StartRun
  ProcessFigures scheduler;
  ProcessFigures store;
  long outbox = -1;   // -1: the gauge could not be read
  int runs_done = 0;  // acknowledged as done by the scheduler
  int runs_stored = 0;
};

// Reads the outbox depth from the scheduler's /metrics; -1 when it cannot.
long OutboxDepth(httplib::Client* metrics) {
  httplib::Result r = metrics->Get("/metrics");
  if (!r || r->status != 200) return -1;
  std::istringstream lines(r->body);
  const std::string key = "meshproof_scheduler_outbox_depth ";
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(key.size()));
  }
  return -1;
}

// Checks one ended run in the store: finished, and T distinct tests each PASS in its
// latest attempt. Returns "" when it holds, else why not.
std::string CheckStoredRun(sv1::ResultsStoreService::Stub* store, const std::string& run_id,
                           int tests) {
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(30)));
  sv1::GetRunRequest req;
  req.set_run_id(run_id);
  sv1::RunDetail detail;
  grpc::Status s = store->GetRun(&context, req, &detail);
  if (!s.ok()) return absl::StrCat("GetRun: ", s.error_message());
  if (!detail.run().has_finished_at()) return "not finished";
  if (detail.run().verdict() != rv1::RUN_VERDICT_PASSED) {
    return absl::StrCat("verdict ", rv1::RunVerdict_Name(detail.run().verdict()));
  }
  std::set<std::string> names;
  for (const rv1::TestResult& r : detail.results()) {
    if (r.verdict() != rv1::TEST_VERDICT_PASS) return absl::StrCat(r.test(), " not PASS");
    names.insert(r.test());
  }
  if (detail.results_size() != tests || static_cast<int>(names.size()) != tests) {
    return absl::StrCat(detail.results_size(), " results, ", names.size(), " distinct tests");
  }
  return "";
}

int Main(int argc, char** argv) {
  CLI::App app{"a night of many clusters through a real scheduler into a real store",
               "night_scale"};
  std::string scheduler, store, metrics_address, series_path;
  int clusters = 300, tests = 1000, window = 256, scheduler_pid = 0, store_pid = 0;
  double timeout_s = 600;
  app.add_option("--scheduler", scheduler, "scheduler HOST:PORT (plaintext, loopback)")->required();
  app.add_option("--store", store, "results store HOST:PORT (plaintext, loopback)")->required();
  app.add_option("--metrics", metrics_address, "the scheduler's /metrics HOST:PORT")->required();
  app.add_option("--scheduler-pid", scheduler_pid, "the scheduler's process id");
  app.add_option("--store-pid", store_pid, "the store's process id");
  app.add_option("--clusters", clusters, "clusters: one agent and one run each");
  app.add_option("--tests", tests, "tests in the scenario (at most 1000)");
  app.add_option("--window", window, "reports per run an agent sends ahead of the acks");
  app.add_option("--timeout", timeout_s, "give up after this many seconds");
  app.add_option("--series", series_path, "write every sample here (TSV)");
  CLI11_PARSE(app, argc, argv);

  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  // At most 50 streams per connection: the scheduler allows 100 per connection.
  const int channels = std::max(1, (clusters + 49) / 50);
  std::vector<std::unique_ptr<v1::AgentGatewayService::Stub>> stubs;
  for (int c = 0; c < channels; ++c) {
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one connection per channel
    stubs.push_back(v1::AgentGatewayService::NewStub(
        grpc::CreateCustomChannel(scheduler, grpc::InsecureChannelCredentials(), args)));
  }
  auto api = v1::SchedulerService::NewStub(
      grpc::CreateCustomChannel(scheduler, grpc::InsecureChannelCredentials(), args));
  auto reader = sv1::ResultsStoreService::NewStub(
      grpc::CreateCustomChannel(store, grpc::InsecureChannelCredentials(), args));
  const size_t colon = metrics_address.rfind(':');
  httplib::Client metrics(metrics_address.substr(0, colon),
                          std::stoi(metrics_address.substr(colon + 1)));
  metrics.set_connection_timeout(2);
  metrics.set_read_timeout(5);

  {
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    v1::SubmitScenarioRequest req;
    req.mutable_yaml()->set_text(ScenarioYaml(tests));
    v1::SubmitScenarioResponse resp;
    grpc::Status s = api->SubmitScenario(&context, req, &resp);
    if (!s.ok()) {
      std::fprintf(stderr, "SubmitScenario: %s\n", s.error_message().c_str());
      return 1;
    }
  }

  std::vector<std::unique_ptr<SimulatedAgent>> fleet;
  for (int i = 0; i < clusters; ++i) {
    SimulatedAgentOptions options;
    options.agent_id = absl::StrCat("night-", i);
    options.cluster = absl::StrCat("night-", i);
    options.namespace_name = "night";
    options.finish_assignments = true;
    options.window = window;
    fleet.push_back(std::make_unique<SimulatedAgent>(stubs[i % channels].get(), options));
  }
  if (!WaitUntil(
          [&] {
            return std::all_of(fleet.begin(), fleet.end(),
                               [](auto& a) { return a->welcomed() || a->finished(); });
          },
          absl::Seconds(120))) {
    std::fprintf(stderr, "agents neither welcomed nor refused after 120 s\n");
    return 1;
  }
  for (auto& a : fleet) {
    if (a->finished()) {
      std::fprintf(stderr, "an agent was refused: %s\n", a->ended_status().c_str());
      return 1;
    }
  }
  std::vector<SimulatedAgent*> beating;
  for (auto& a : fleet) beating.push_back(a.get());
  HeartbeatPacer pacer(beating, fleet[0]->interval());

  auto runs_done = [&] {
    int n = 0;
    for (auto& a : fleet) n += a->done();
    return n;
  };
  const ProcessFigures scheduler_before = ReadProcess(scheduler_pid);
  const ProcessFigures store_before = ReadProcess(store_pid);
  std::atomic<int> stored{0};
  std::atomic<bool> stop_sampling{false};
  absl::Mutex series_mu;
  std::vector<Sample> series;
  const absl::Time t0 = absl::Now();
  std::thread sampler([&] {
    absl::Time next = t0;
    while (!stop_sampling) {
      Sample s;
      s.t = absl::ToDoubleSeconds(absl::Now() - t0);
      s.scheduler = ReadProcess(scheduler_pid);
      s.store = ReadProcess(store_pid);
      s.outbox = OutboxDepth(&metrics);
      s.runs_done = runs_done();
      s.runs_stored = stored;
      {
        absl::MutexLock lock(&series_mu);
        series.push_back(s);
      }
      next += absl::Milliseconds(500);
      absl::SleepFor(std::max(absl::ZeroDuration(), next - absl::Now()));  // the sampling pace
    }
  });

  // The night: one run per cluster, started one after another as a cron would, while
  // the store is watched from the first start on.
  absl::Mutex runs_mu;
  std::vector<std::string> run_ids;
  std::string start_error;
  bool starting = true;
  double started_s = 0;
  std::thread starter([&] {
    for (int i = 0; i < clusters; ++i) {
      grpc::ClientContext context;
      context.set_deadline(In(absl::Seconds(30)));
      v1::StartRunRequest req;
      req.set_scenario(kScenarioName);
      req.mutable_target()->set_cluster(absl::StrCat("night-", i));
      req.mutable_timeout()->set_seconds(3600);
      v1::Run run;
      grpc::Status s = api->StartRun(&context, req, &run);
      absl::MutexLock lock(&runs_mu);
      if (!s.ok()) {
        start_error = absl::StrCat("StartRun: ", s.error_message());
        break;
      }
      run_ids.push_back(run.run_id());
    }
    absl::MutexLock lock(&runs_mu);
    starting = false;
    started_s = absl::ToDoubleSeconds(absl::Now() - t0);
  });
  auto expected_runs = [&] {
    absl::MutexLock lock(&runs_mu);
    return std::make_pair(std::set<std::string>(run_ids.begin(), run_ids.end()), starting);
  };

  // Until every run is in the store, finished, with all its results: each run is
  // checked by GetRun once ListRuns shows it ended (a verdict), and again later if the
  // check did not hold yet.
  std::set<std::string> expected;
  bool still_starting = true;
  std::set<std::string> confirmed;
  double all_done_s = -1;
  std::string last_problem;
  const absl::Time give_up = t0 + absl::Seconds(timeout_s);
  while (still_starting || confirmed.size() < expected.size()) {
    if (absl::Now() > give_up) break;
    std::tie(expected, still_starting) = expected_runs();
    if (all_done_s < 0 && runs_done() >= clusters) {
      all_done_s = absl::ToDoubleSeconds(absl::Now() - t0);
    }
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    sv1::ListRunsRequest req;
    req.set_scenario(kScenarioName);
    req.set_page_size(500);
    sv1::ListRunsResponse resp;
    std::vector<std::string> ended;
    for (std::string token;;) {
      grpc::ClientContext page_context;
      page_context.set_deadline(In(absl::Seconds(30)));
      req.set_page_token(token);
      grpc::Status s = reader->ListRuns(&page_context, req, &resp);
      if (!s.ok()) {
        last_problem = absl::StrCat("ListRuns: ", s.error_message());
        break;
      }
      for (const sv1::RunRecord& run : resp.runs()) {
        if (run.verdict() != rv1::RUN_VERDICT_UNSPECIFIED && expected.count(run.run_id()) &&
            !confirmed.count(run.run_id())) {
          ended.push_back(run.run_id());
        }
      }
      token = resp.next_page_token();
      if (token.empty()) break;
    }
    for (const std::string& run_id : ended) {
      std::string problem = CheckStoredRun(reader.get(), run_id, tests);
      if (problem.empty()) {
        confirmed.insert(run_id);
      } else {
        last_problem = absl::StrCat(run_id, ": ", problem);
      }
    }
    stored = static_cast<int>(confirmed.size());
    if (still_starting || confirmed.size() < expected.size()) {
      absl::SleepFor(absl::Milliseconds(100));  // the store is another process: poll it
    }
  }
  starter.join();
  const double stored_s = absl::ToDoubleSeconds(absl::Now() - t0);
  if (all_done_s < 0 && runs_done() >= clusters) all_done_s = stored_s;
  stop_sampling = true;
  sampler.join();
  const ProcessFigures scheduler_after = ReadProcess(scheduler_pid);
  const ProcessFigures store_after = ReadProcess(store_pid);

  long scheduler_rss = 0, store_rss = 0, outbox_peak = 0;
  double outbox_peak_t = 0;
  for (const Sample& s : series) {
    scheduler_rss = std::max(scheduler_rss, s.scheduler.rss_kb);
    store_rss = std::max(store_rss, s.store.rss_kb);
    if (s.outbox > outbox_peak) {
      outbox_peak = s.outbox;
      outbox_peak_t = s.t;
    }
  }
  if (!series_path.empty()) {
    FILE* out = std::fopen(series_path.c_str(), "w");
    if (out != nullptr) {
      std::fprintf(out,
                   "t_s\tscheduler_cpu_s\tscheduler_rss_mb\tstore_cpu_s\tstore_rss_mb\t"
                   "outbox\truns_done\truns_stored\n");
      for (const Sample& s : series) {
        std::fprintf(out, "%.1f\t%.2f\t%.1f\t%.2f\t%.1f\t%ld\t%d\t%d\n", s.t,
                     s.scheduler.cpu_seconds - scheduler_before.cpu_seconds,
                     s.scheduler.rss_kb / 1024.0, s.store.cpu_seconds - store_before.cpu_seconds,
                     s.store.rss_kb / 1024.0, s.outbox, s.runs_done, s.runs_stored);
      }
      std::fclose(out);
    }
  }
  if (!start_error.empty()) std::fprintf(stderr, "%s\n", start_error.c_str());
  const bool complete = start_error.empty() && static_cast<int>(expected.size()) == clusters &&
                        confirmed.size() == expected.size();
  std::printf(
      "clusters %d tests %d window %d runs_started_s %.2f runs_done_s %.2f stored_s %.2f "
      "runs_stored %zu/%zu results_stored %zu scheduler_cpu_s %.1f scheduler_rss_peak_mb %.1f "
      "store_cpu_s %.1f store_rss_peak_mb %.1f outbox_peak %ld outbox_peak_at_s %.1f\n",
      clusters, tests, window, started_s, all_done_s, stored_s, confirmed.size(), expected.size(),
      confirmed.size() * static_cast<size_t>(tests),
      scheduler_after.cpu_seconds - scheduler_before.cpu_seconds, scheduler_rss / 1024.0,
      store_after.cpu_seconds - store_before.cpu_seconds, store_rss / 1024.0, outbox_peak,
      outbox_peak_t);
  if (!complete) {
    std::fprintf(stderr, "not every run was stored within %.0f s (last: %s)\n", timeout_s,
                 last_problem.c_str());
  }
  for (auto& a : fleet) a->Cancel();
  for (auto& a : fleet) a->WaitDone();
  return complete ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
