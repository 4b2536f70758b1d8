// api_clients — many concurrent API clients on the read calls of a real results store
// and a real scheduler. Each client keeps exactly one call in flight: when a call ends it
// records the latency and status, picks the next call kind at random (uniformly over the
// twelve below) and starts it. Calls use gRPC's callback API, so the clients need no
// thread each; every client has its own connection to each service, as separate
// dashboards, CLIs and CI jobs would.
//
//   store:     GetRun, ListRuns, CompareRuns, GetTestHistory, ListFlakyTests,
//              GetLatestPerCluster
//   scheduler: ListRuns, GetRun, ListScenarios, GetScenario, ListSchedules, GetSchedule
//
// Before the window the scheduler is given a history of its own (scenarios, runs that are
// started and cancelled, paused schedules: --scenarios, --runs, --schedules); the store's
// history must already be there (run.sh fills it with store_bench's generator), and is
// read back (ListRuns) to pick the ids the calls name.
//
// Prints, per call kind: calls, non-OK statuses by code, answers that were OK but wrong
// (an empty run, a comparison without tests), p50/p99/max latency and throughput; each
// service's CPU, RSS and threads over the window (--store-pid, --scheduler-pid); the
// load average; and each service's grpc.health.v1 status after the window. Exits 1 if any
// call failed or was wrong, or a service is not SERVING afterwards.
//
//   api_clients --store HOST:PORT --scheduler HOST:PORT --token-file FILE
//               --clients 200 --seconds 60 [--store-pid PID] [--scheduler-pid PID]
//
// Not a test: run.sh uses it for the figures in docs/benchmarks.md.
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/fleet/process_figures.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"
#include "meshproof/store/v1/store.grpc.pb.h"

namespace {

namespace sv1 = ::meshproof::scheduler::v1;
namespace rv1 = ::meshproof::store::v1;
namespace hv1 = ::grpc::health::v1;

enum Kind {
  kStoreGetRun,
  kStoreListRuns,
  kStoreCompareRuns,
  kStoreTestHistory,
  kStoreFlakyTests,
  kStoreLatestPerCluster,
  kSchedulerListRuns,
  kSchedulerGetRun,
  kSchedulerListScenarios,
  kSchedulerGetScenario,
  kSchedulerListSchedules,
  kSchedulerGetSchedule,
  kKinds,
};

constexpr std::array<const char*, kKinds> kKindNames = {
    "store.GetRun",          "store.ListRuns",          "store.CompareRuns",
    "store.GetTestHistory",  "store.ListFlakyTests",    "store.GetLatestPerCluster",
    "scheduler.ListRuns",    "scheduler.GetRun",        "scheduler.ListScenarios",
    "scheduler.GetScenario", "scheduler.ListSchedules", "scheduler.GetSchedule",
};

// What the calls name, learnt before the window.
struct Catalog {
  struct StoreRun {
    std::string id, scenario, cluster;
  };
  std::vector<StoreRun> store_runs;
  // Pairs of runs of one scenario on one cluster, for CompareRuns.
  std::vector<std::pair<std::string, std::string>> pairs;
  std::vector<std::string> store_scenarios;
  // (scenario, cluster) pairs that have runs.
  std::vector<std::pair<std::string, std::string>> series;
  std::map<std::string, std::vector<std::string>> tests;  // per store scenario
  std::vector<std::string> scheduler_runs, scheduler_scenarios, schedules;
};

// One kind's figures, from one client (merged at the end: a client's callbacks never run
// at the same time, so they need no lock).
struct KindFigures {
  std::vector<double> ms;
  std::map<int, int64_t> errors;  // by grpc::StatusCode
  std::map<int, std::string> last_error;
  int64_t wrong = 0;
  std::string last_wrong;
};

struct Connection {
  std::unique_ptr<rv1::ResultsStoreService::Stub> store;
  std::unique_ptr<sv1::SchedulerService::Stub> scheduler;
};

class Client {
 public:
  Client(const Connection* connection, const Catalog* catalog, const std::string& token,
         absl::Duration deadline, uint64_t seed, std::atomic<bool>* stop)
      : connection_(connection),
        catalog_(catalog),
        token_(token),
        deadline_(deadline),
        rng_(seed),
        stop_(stop) {}

  void Start() { Next(); }

  bool done() {
    absl::MutexLock lock(&mu_);
    return done_;
  }
  const std::array<KindFigures, kKinds>& figures() const { return figures_; }

 private:
  template <typename T>
  const T& Pick(const std::vector<T>& from) {
    return from[rng_() % from.size()];
  }

  // Starts the next call, or marks the client done once the window has closed.
  void Next() {
    if (stop_->load()) {
      absl::MutexLock lock(&mu_);
      done_ = true;
      return;
    }
    kind_ = static_cast<Kind>(rng_() % kKinds);
    // The finished call's context may still be in use by gRPC while its callback runs
    // (this function is called from it): keep it until the next call ends.
    previous_context_ = std::move(context_);
    context_ = std::make_unique<grpc::ClientContext>();
    context_->set_deadline(std::chrono::system_clock::now() +
                           absl::ToChronoMilliseconds(deadline_));
    if (!token_.empty()) context_->AddMetadata("authorization", "Bearer " + token_);
    start_ = absl::Now();
    auto* store = connection_->store->async();
    auto* scheduler = connection_->scheduler->async();
    const Catalog& c = *catalog_;
    switch (kind_) {
      case kStoreGetRun: {
        auto [req, resp] = Make<rv1::GetRunRequest, rv1::RunDetail>();
        req->set_run_id(Pick(c.store_runs).id);
        store->GetRun(context_.get(), req, resp, Done([resp] {
                        return resp->results().empty() ? "a run without results" : "";
                      }));
        break;
      }
      case kStoreListRuns: {
        auto [req, resp] = Make<rv1::ListRunsRequest, rv1::ListRunsResponse>();
        const auto& series = Pick(c.series);
        req->set_scenario(series.first);
        req->set_cluster(series.second);
        req->set_page_size(50);
        store->ListRuns(context_.get(), req, resp,
                        Done([resp] { return resp->runs().empty() ? "no runs" : ""; }));
        break;
      }
      case kStoreCompareRuns: {
        auto [req, resp] = Make<rv1::CompareRunsRequest, rv1::CompareRunsResponse>();
        const auto& pair = Pick(c.pairs);
        req->set_base_run_id(pair.first);
        req->set_head_run_id(pair.second);
        store->CompareRuns(context_.get(), req, resp,
                           Done([resp] { return resp->tests().empty() ? "no tests" : ""; }));
        break;
      }
      case kStoreTestHistory: {
        auto [req, resp] = Make<rv1::GetTestHistoryRequest, rv1::GetTestHistoryResponse>();
        const auto& series = Pick(c.series);
        req->set_scenario(series.first);
        req->set_test(Pick(c.tests.at(series.first)));
        req->set_cluster(series.second);
        req->set_page_size(100);
        store->GetTestHistory(context_.get(), req, resp,
                              Done([resp] { return resp->points().empty() ? "no points" : ""; }));
        break;
      }
      case kStoreFlakyTests: {
        auto [req, resp] = Make<rv1::ListFlakyTestsRequest, rv1::ListFlakyTestsResponse>();
        req->set_scenario(Pick(c.store_scenarios));
        req->set_last_runs(30);
        store->ListFlakyTests(context_.get(), req, resp, Done([] { return ""; }));
        break;
      }
      case kStoreLatestPerCluster: {
        auto [req, resp] =
            Make<rv1::GetLatestPerClusterRequest, rv1::GetLatestPerClusterResponse>();
        req->set_scenario(Pick(c.store_scenarios));
        store->GetLatestPerCluster(context_.get(), req, resp,
                                   Done([resp] { return resp->rows().empty() ? "no rows" : ""; }));
        break;
      }
      case kSchedulerListRuns: {
        auto [req, resp] = Make<sv1::ListRunsRequest, sv1::ListRunsResponse>();
        req->set_page_size(50);
        scheduler->ListRuns(context_.get(), req, resp,
                            Done([resp] { return resp->runs().empty() ? "no runs" : ""; }));
        break;
      }
      case kSchedulerGetRun: {
        auto [req, resp] = Make<sv1::GetRunRequest, sv1::Run>();
        req->set_run_id(Pick(c.scheduler_runs));
        scheduler->GetRun(context_.get(), req, resp, Done([req, resp] {
                            return resp->run_id() != req->run_id() ? "another run" : "";
                          }));
        break;
      }
      case kSchedulerListScenarios: {
        auto [req, resp] = Make<sv1::ListScenariosRequest, sv1::ListScenariosResponse>();
        req->set_page_size(50);
        scheduler->ListScenarios(context_.get(), req, resp, Done([resp] {
                                   return resp->scenarios().empty() ? "no scenarios" : "";
                                 }));
        break;
      }
      case kSchedulerGetScenario: {
        auto [req, resp] = Make<sv1::GetScenarioRequest, sv1::ScenarioVersion>();
        req->set_name(Pick(c.scheduler_scenarios));
        scheduler->GetScenario(context_.get(), req, resp, Done([req, resp] {
                                 return resp->name() != req->name() ? "another scenario" : "";
                               }));
        break;
      }
      case kSchedulerListSchedules: {
        auto [req, resp] = Make<sv1::ListSchedulesRequest, sv1::ListSchedulesResponse>();
        req->set_page_size(50);
        scheduler->ListSchedules(context_.get(), req, resp, Done([resp] {
                                   return resp->schedules().empty() ? "no schedules" : "";
                                 }));
        break;
      }
      case kSchedulerGetSchedule: {
        auto [req, resp] = Make<sv1::GetScheduleRequest, sv1::Schedule>();
        req->set_schedule_id(Pick(c.schedules));
        scheduler->GetSchedule(
            context_.get(), req, resp, Done([req, resp] {
              return resp->schedule_id() != req->schedule_id() ? "another schedule" : "";
            }));
        break;
      }
      case kKinds: break;
    }
  }

  // The call's request and response live until its callback has run (the messages are
  // kept by the client and replaced by the next call).
  template <typename Req, typename Resp>
  std::pair<Req*, Resp*> Make() {
    auto req = std::make_shared<Req>();
    auto resp = std::make_shared<Resp>();
    messages_ = {req, resp};
    return {req.get(), resp.get()};
  }

  // The callback of a call: `check` says what is wrong with an OK answer ("" when right).
  std::function<void(grpc::Status)> Done(std::function<const char*()> check) {
    return [this, check = std::move(check)](grpc::Status status) {
      KindFigures& f = figures_[kind_];
      f.ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start_));
      if (!status.ok()) {
        ++f.errors[status.error_code()];
        f.last_error[status.error_code()] = status.error_message();
      } else if (const char* wrong = check(); *wrong != '\0') {
        ++f.wrong;
        f.last_wrong = wrong;
      }
      Next();
    };
  }

  const Connection* connection_;
  const Catalog* catalog_;
  const std::string& token_;
  const absl::Duration deadline_;
  std::mt19937_64 rng_;
  std::atomic<bool>* stop_;
  // The call in flight (one at a time).
  Kind kind_ = kStoreGetRun;
  std::unique_ptr<grpc::ClientContext> context_, previous_context_;
  absl::Time start_;
  std::pair<std::shared_ptr<void>, std::shared_ptr<void>> messages_;
  std::array<KindFigures, kKinds> figures_;
  absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

using ::meshproof::bench::ProcessFigures;
using ::meshproof::bench::ReadProcess;

// The highest RSS and thread count of a process, sampled every 200 ms over the window.
class ProcessWatch {
 public:
  explicit ProcessWatch(int pid) : pid_(pid) {}
  void Sample() {
    const ProcessFigures f = ReadProcess(pid_);
    peak_rss_kb = std::max(peak_rss_kb, f.rss_kb);
    peak_threads = std::max(peak_threads, f.threads);
  }
  int pid_;
  long peak_rss_kb = 0;
  long peak_threads = 0;
};

// CPU time (user + system) of this process so far: the clients share the machine's cores
// with the services.
double SelfCpuSeconds() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec +
         usage.ru_stime.tv_usec / 1e6;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p * sorted.size()));
  return sorted[rank == 0 ? 0 : std::min(rank, sorted.size()) - 1];
}

bool WaitUntil(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(20));  // calls end on gRPC's threads: poll their flag
  }
  return true;
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

// A unary call made before or after the window, with the bench's token and a deadline.
template <typename Call>
grpc::Status Setup(const std::string& token, Call call) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  return call(&context);
}

bool Check(const grpc::Status& status, const std::string& what) {
  if (status.ok()) return true;
  std::fprintf(stderr, "%s: %d %s\n", what.c_str(), status.error_code(),
               status.error_message().c_str());
  return false;
}

std::string ScenarioYaml(const std::string& name, int tests) {
  std::string yaml = absl::StrCat("apiVersion: meshproof/v1\nkind: Scenario\nname: ", name,
                                  "\nteam: platform\ntarget: {cluster: bench}\ntests:\n");
  for (int t = 0; t < tests; ++t) {
    absl::StrAppend(&yaml, "  - name: t", t, "\n    http: {url: \"http://127.0.0.1:9/", name, "/",
                    t, "\"}\n    expect: {status: 200}\n");
  }
  return yaml;
}

// Gives the scheduler its history: `scenarios` scenarios of `tests` tests, `runs` runs
// spread over them (started and cancelled: no agent is connected), `schedules` paused
// nightly schedules.
bool PrepareScheduler(sv1::SchedulerService::Stub* api, const std::string& token, int scenarios,
                      int tests, int runs, int schedules, Catalog* catalog) {
  for (int s = 0; s < scenarios; ++s) {
    const std::string name = absl::StrCat("api-clients-", s);
    sv1::SubmitScenarioRequest req;
    req.mutable_yaml()->set_text(ScenarioYaml(name, tests));
    sv1::SubmitScenarioResponse resp;
    if (!Check(Setup(token, [&](auto* ctx) { return api->SubmitScenario(ctx, req, &resp); }),
               "SubmitScenario")) {
      return false;
    }
    catalog->scheduler_scenarios.push_back(name);
  }
  for (int r = 0; r < runs; ++r) {
    sv1::StartRunRequest req;
    req.set_scenario(catalog->scheduler_scenarios[r % scenarios]);
    req.mutable_timeout()->set_seconds(3600);
    (*req.mutable_labels())["bench"] = "api-clients";
    sv1::Run run;
    if (!Check(Setup(token, [&](auto* ctx) { return api->StartRun(ctx, req, &run); }),
               "StartRun")) {
      return false;
    }
    sv1::CancelRunRequest cancel;
    cancel.set_run_id(run.run_id());
    cancel.set_reason("api_clients history");
    sv1::Run cancelled;
    if (!Check(Setup(token, [&](auto* ctx) { return api->CancelRun(ctx, cancel, &cancelled); }),
               "CancelRun")) {
      return false;
    }
    catalog->scheduler_runs.push_back(run.run_id());
  }
  for (int k = 0; k < schedules; ++k) {
    sv1::CreateScheduleRequest req;
    req.set_schedule_id(absl::StrCat("api-clients-nightly-", k));
    req.set_scenario(catalog->scheduler_scenarios[k % scenarios]);
    req.set_cron(absl::StrCat(k % 60, " 3 * * *"));
    req.set_time_zone("UTC");
    sv1::Schedule schedule;
    if (!Check(Setup(token, [&](auto* ctx) { return api->CreateSchedule(ctx, req, &schedule); }),
               "CreateSchedule")) {
      return false;
    }
    sv1::ScheduleRef ref;
    ref.set_schedule_id(schedule.schedule_id());
    // Paused, so no schedule fires during the window whatever the time of day.
    if (!Check(Setup(token, [&](auto* ctx) { return api->PauseSchedule(ctx, ref, &schedule); }),
               "PauseSchedule")) {
      return false;
    }
    catalog->schedules.push_back(ref.schedule_id());
  }
  return true;
}

// Counts the store's runs with the label bench=api-clients: the scheduler's runs once its
// outbox has forwarded them.
int CountForwarded(rv1::ResultsStoreService::Stub* store, const std::string& token) {
  int n = 0;
  std::string page;
  do {
    rv1::ListRunsRequest req;
    req.add_labels("bench=api-clients");
    req.set_page_size(500);
    req.set_page_token(page);
    rv1::ListRunsResponse resp;
    if (!Check(Setup(token, [&](auto* ctx) { return store->ListRuns(ctx, req, &resp); }),
               "store ListRuns")) {
      return -1;
    }
    n += resp.runs_size();
    page = resp.next_page_token();
  } while (!page.empty());
  return n;
}

// Reads the store's runs (every page) and one run's tests per scenario.
bool LearnStore(rv1::ResultsStoreService::Stub* store, const std::string& token, Catalog* catalog) {
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> by_series;
  std::string page;
  do {
    rv1::ListRunsRequest req;
    req.set_page_size(500);
    req.set_page_token(page);
    rv1::ListRunsResponse resp;
    if (!Check(Setup(token, [&](auto* ctx) { return store->ListRuns(ctx, req, &resp); }),
               "store ListRuns")) {
      return false;
    }
    for (const rv1::RunRecord& run : resp.runs()) {
      // The scheduler's own runs (cancelled before any result) are not the history.
      if (run.labels().contains("bench")) continue;
      catalog->store_runs.push_back({run.run_id(), run.scenario(), run.cluster()});
      by_series[{run.scenario(), run.cluster()}].push_back(run.run_id());
    }
    page = resp.next_page_token();
  } while (!page.empty());
  if (catalog->store_runs.empty()) {
    std::fprintf(stderr, "the store holds no runs: fill it first (run.sh does)\n");
    return false;
  }
  std::map<std::string, bool> scenarios;
  for (const auto& [series, runs] : by_series) {
    scenarios[series.first] = true;
    catalog->series.push_back(series);
    for (size_t i = 1; i < runs.size(); ++i) catalog->pairs.push_back({runs[i], runs[i - 1]});
  }
  if (catalog->pairs.empty()) {
    std::fprintf(stderr, "the store holds no two runs of one scenario on one cluster\n");
    return false;
  }
  for (const auto& [name, _] : scenarios) {
    catalog->store_scenarios.push_back(name);
    const std::string& run_id = by_series.lower_bound({name, ""})->second.front();
    rv1::GetRunRequest req;
    req.set_run_id(run_id);
    rv1::RunDetail detail;
    if (!Check(Setup(token, [&](auto* ctx) { return store->GetRun(ctx, req, &detail); }),
               "store GetRun")) {
      return false;
    }
    for (const auto& result : detail.results()) catalog->tests[name].push_back(result.test());
    if (catalog->tests[name].empty()) {
      std::fprintf(stderr, "run %s has no results\n", run_id.c_str());
      return false;
    }
  }
  return true;
}

std::string Health(const std::string& address) {
  auto stub =
      hv1::Health::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  hv1::HealthCheckRequest req;
  hv1::HealthCheckResponse resp;
  grpc::Status status = stub->Check(&context, req, &resp);
  if (!status.ok())
    return absl::StrCat("call failed: ", status.error_code(), " ", status.error_message());
  return hv1::HealthCheckResponse::ServingStatus_Name(resp.status());
}

int Main(int argc, char** argv) {
  CLI::App app{"concurrent API clients on the store's and the scheduler's read calls",
               "api_clients"};
  std::string store_address, scheduler_address, token_file;
  int clients = 200, store_pid = 0, scheduler_pid = 0;
  int scenarios = 10, tests = 100, runs = 300, schedules = 20;
  double seconds = 60, deadline_s = 10;
  app.add_option("--store", store_address, "results store HOST:PORT (plaintext, loopback)")
      ->required();
  app.add_option("--scheduler", scheduler_address, "scheduler HOST:PORT (plaintext, loopback)")
      ->required();
  app.add_option("--token-file", token_file,
                 "file whose first line is the bearer token (roles viewer and runner, accepted "
                 "by both services); without it the calls carry no token");
  app.add_option("--clients", clients, "concurrent clients, one call in flight each")
      ->check(CLI::Range(1, 2000))
      ->capture_default_str();
  app.add_option("--seconds", seconds, "measured window")
      ->check(CLI::Range(1.0, 600.0))
      ->capture_default_str();
  app.add_option("--call-deadline", deadline_s, "deadline of each call, in seconds")
      ->check(CLI::Range(0.1, 60.0))
      ->capture_default_str();
  app.add_option("--scenarios", scenarios, "scenarios submitted to the scheduler first")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--tests", tests, "tests per submitted scenario")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--runs", runs, "runs started (and cancelled) on the scheduler first")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--schedules", schedules, "paused schedules created on the scheduler first")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--store-pid", store_pid, "the store's process id, for CPU, RSS and threads");
  app.add_option("--scheduler-pid", scheduler_pid, "the scheduler's process id");
  CLI11_PARSE(app, argc, argv);

  std::string token;
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    std::getline(in, token);
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back())))
      token.pop_back();
    if (token.empty()) {
      std::fprintf(stderr, "--token-file %s: no token on its first line\n", token_file.c_str());
      return 2;
    }
  }

  Catalog catalog;
  auto setup_scheduler = sv1::SchedulerService::NewStub(
      grpc::CreateChannel(scheduler_address, grpc::InsecureChannelCredentials()));
  auto setup_store = rv1::ResultsStoreService::NewStub(
      grpc::CreateChannel(store_address, grpc::InsecureChannelCredentials()));
  const absl::Time prepare_start = absl::Now();
  if (!PrepareScheduler(setup_scheduler.get(), token, scenarios, tests, runs, schedules,
                        &catalog) ||
      !LearnStore(setup_store.get(), token, &catalog)) {
    return 1;
  }
  // The scheduler forwards its cancelled runs to the store: wait until it has, so no
  // forwarding writes fall in the window.
  if (!WaitUntil([&] { return CountForwarded(setup_store.get(), token) >= runs; },
                 absl::Seconds(120))) {
    std::fprintf(stderr, "the scheduler's %d runs did not reach the store within 120 s\n", runs);
    return 1;
  }
  std::printf(
      "history: store %zu runs (%zu scenarios x clusters); scheduler %zu scenarios of %d "
      "tests, %zu runs, %zu schedules (prepared in %.1f s)\n",
      catalog.store_runs.size(), catalog.series.size(), catalog.scheduler_scenarios.size(), tests,
      catalog.scheduler_runs.size(), catalog.schedules.size(),
      absl::ToDoubleSeconds(absl::Now() - prepare_start));

  // One connection per client to each service: each channel its own subchannel pool, or
  // channels to equal targets would share one connection.
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  std::vector<std::unique_ptr<Connection>> connections;
  for (int i = 0; i < clients; ++i) {
    auto c = std::make_unique<Connection>();
    c->store = rv1::ResultsStoreService::NewStub(
        grpc::CreateCustomChannel(store_address, grpc::InsecureChannelCredentials(), args));
    c->scheduler = sv1::SchedulerService::NewStub(
        grpc::CreateCustomChannel(scheduler_address, grpc::InsecureChannelCredentials(), args));
    connections.push_back(std::move(c));
  }

  std::atomic<bool> stop{false};
  std::vector<std::unique_ptr<Client>> fleet;
  for (int i = 0; i < clients; ++i) {
    fleet.push_back(std::make_unique<Client>(connections[i].get(), &catalog, token,
                                             absl::Seconds(deadline_s), 1000 + i, &stop));
  }
  const std::string load_before = LoadAverage();
  const ProcessFigures store_before = ReadProcess(store_pid);
  const ProcessFigures scheduler_before = ReadProcess(scheduler_pid);
  ProcessWatch store_watch(store_pid), scheduler_watch(scheduler_pid);
  const double self_before = SelfCpuSeconds();
  const absl::Time window_start = absl::Now();
  for (auto& client : fleet) client->Start();
  while (absl::Now() - window_start < absl::Seconds(seconds)) {
    store_watch.Sample();
    scheduler_watch.Sample();
    absl::SleepFor(absl::Milliseconds(200));  // the sampling period
  }
  stop = true;
  // The calls in flight end within their deadline.
  const bool drained = WaitUntil(
      [&] { return std::all_of(fleet.begin(), fleet.end(), [](auto& c) { return c->done(); }); },
      absl::Seconds(deadline_s + 10));
  const double window = absl::ToDoubleSeconds(absl::Now() - window_start);
  const double self_cpu = SelfCpuSeconds() - self_before;
  const ProcessFigures store_after = ReadProcess(store_pid);
  const ProcessFigures scheduler_after = ReadProcess(scheduler_pid);
  store_watch.Sample();
  scheduler_watch.Sample();
  const std::string load_after = LoadAverage();
  if (!drained) {
    std::fprintf(stderr, "calls still in flight %.0f s after the window closed\n", deadline_s + 10);
    return 1;
  }

  std::printf("clients %d, one connection each to each service, %.1f s, call deadline %.1f s\n",
              clients, window, deadline_s);
  std::printf("%-28s %9s %7s %7s %9s %9s %9s %9s\n", "call", "calls", "errors", "wrong", "p50_ms",
              "p99_ms", "max_ms", "calls/s");
  int64_t total_calls = 0, total_errors = 0, total_wrong = 0;
  std::vector<double> all_ms;
  std::vector<std::string> problems;
  for (int k = 0; k < kKinds; ++k) {
    KindFigures merged;
    for (auto& client : fleet) {
      const KindFigures& f = client->figures()[k];
      merged.ms.insert(merged.ms.end(), f.ms.begin(), f.ms.end());
      for (const auto& [code, n] : f.errors) merged.errors[code] += n;
      for (const auto& [code, message] : f.last_error) merged.last_error[code] = message;
      merged.wrong += f.wrong;
      if (!f.last_wrong.empty()) merged.last_wrong = f.last_wrong;
    }
    std::sort(merged.ms.begin(), merged.ms.end());
    int64_t errors = 0;
    for (const auto& [code, n] : merged.errors) {
      errors += n;
      problems.push_back(absl::StrCat(kKindNames[k], ": ", n, " x code ", code,
                                      " (last: ", merged.last_error[code], ")"));
    }
    if (merged.wrong > 0) {
      problems.push_back(absl::StrCat(kKindNames[k], ": ", merged.wrong,
                                      " wrong answers (last: ", merged.last_wrong, ")"));
    }
    std::printf("%-28s %9zu %7lld %7lld %9.2f %9.2f %9.2f %9.1f\n", kKindNames[k], merged.ms.size(),
                static_cast<long long>(errors), static_cast<long long>(merged.wrong),
                Percentile(merged.ms, 0.5), Percentile(merged.ms, 0.99),
                merged.ms.empty() ? 0.0 : merged.ms.back(), merged.ms.size() / window);
    total_calls += static_cast<int64_t>(merged.ms.size());
    total_errors += errors;
    total_wrong += merged.wrong;
    all_ms.insert(all_ms.end(), merged.ms.begin(), merged.ms.end());
  }
  std::sort(all_ms.begin(), all_ms.end());
  std::printf("%-28s %9lld %7lld %7lld %9.2f %9.2f %9.2f %9.1f\n", "all",
              static_cast<long long>(total_calls), static_cast<long long>(total_errors),
              static_cast<long long>(total_wrong), Percentile(all_ms, 0.5),
              Percentile(all_ms, 0.99), all_ms.empty() ? 0.0 : all_ms.back(), total_calls / window);
  for (const std::string& p : problems) std::printf("problem: %s\n", p.c_str());

  auto print_process = [&](const char* name, int pid, const ProcessFigures& before,
                           const ProcessFigures& after, const ProcessWatch& watch) {
    if (pid <= 0) return;
    std::printf(
        "%s: cpu %.0f%% of one core, rss %.1f MB at the end (peak %.1f MB), threads %ld "
        "before, peak %ld\n",
        name, 100.0 * (after.cpu_seconds - before.cpu_seconds) / window, after.rss_kb / 1024.0,
        watch.peak_rss_kb / 1024.0, before.threads, watch.peak_threads);
  };
  print_process("store", store_pid, store_before, store_after, store_watch);
  print_process("scheduler", scheduler_pid, scheduler_before, scheduler_after, scheduler_watch);
  std::printf("clients (this process): cpu %.0f%% of one core\n", 100.0 * self_cpu / window);
  std::printf("load average: %s before, %s after (%u cores)\n", load_before.c_str(),
              load_after.c_str(), std::thread::hardware_concurrency());

  const std::string store_health = Health(store_address);
  const std::string scheduler_health = Health(scheduler_address);
  std::printf("health after: store %s, scheduler %s\n", store_health.c_str(),
              scheduler_health.c_str());
  const bool healthy = store_health == "SERVING" && scheduler_health == "SERVING";
  if (total_errors > 0 || total_wrong > 0 || !healthy) {
    std::printf("FAILED: %lld errors, %lld wrong answers, %s\n",
                static_cast<long long>(total_errors), static_cast<long long>(total_wrong),
                healthy ? "services healthy" : "a service is not SERVING");
    return 1;
  }
  std::printf("ok: 0 errors, both services SERVING\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
