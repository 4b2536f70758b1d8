// store_bench: a synthetic year of nightly history written through ResultsStore's own
// write path (BeginRun, AppendResults in batches, FinishRun, as the scheduler sends
// them) by 1..N concurrent writers, the same result rows inserted with plain prepared
// statements in one transaction into another file (the raw SQLite baseline), then the
// latency of the history queries.
//
//   store_bench --clusters 30 --tests 1000 --nights 365 --scenarios 10 --dir /tmp/sb
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/results-store/database.h"
#include "services/results-store/migrations.h"
#include "services/results-store/result_codec.h"
#include "services/results-store/results_store.h"
#include "services/results-store/run_records.h"

namespace meshproof::store {
namespace {

struct Flags {
  int clusters = 30;
  int tests = 1000;
  int nights = 365;
  int scenarios = 10;
  int samples = 200;
  std::string dir = "store-bench-data";
  std::string synchronous = "NORMAL";
  // Each count is one ingest of the whole history into a fresh store file.
  std::vector<int> writers = {1, 8};
};

// Night 0 is 2025-01-01 02:00 UTC; scenarios of a night start a minute apart.
absl::Time RunStart(int night, int cluster, int scenario) {
  return absl::FromUnixSeconds(1735696800) + absl::Hours(24) * night + absl::Minutes(scenario) +
         absl::Seconds(cluster);
}

std::string RunId(int night, int cluster, int scenario) {
  return absl::StrCat("n", night, "-c", cluster, "-s", scenario);
}

// The random source of one run's results, so every writer thread and the baseline
// produce the same rows whatever order the runs are written in.
uint64_t RunSeed(int night, int cluster, int scenario) {
  return (uint64_t(night) * 1000 + cluster) * 1000 + scenario + 7;
}

// The synthetic verdicts: mostly passing; every 50th test flaky (30% failures); every
// 97th test failing for a stretch of the year at the TLS layer; 1% passed on retry.
struct Synthetic {
  result::v1::TestVerdict verdict;
  int status;
  int failure_class;
  int latency_us;
  bool passed_on_retry;
};

Synthetic Generate(std::mt19937_64& rng, int night, int test) {
  Synthetic s{result::v1::TEST_VERDICT_PASS, 200, 0, static_cast<int>(5000 + rng() % 45000), false};
  if (test % 50 == 7 && rng() % 10 < 3) {
    s.verdict = result::v1::TEST_VERDICT_FAIL;
    s.status = 503;
  } else if (test % 97 == 3 && night % 120 > 90) {
    s.verdict = result::v1::TEST_VERDICT_FAIL;
    s.status = 0;
    s.failure_class = scenario::v1::FAILURE_CLASS_TLS_HANDSHAKE;
  } else if (rng() % 100 == 0) {
    s.passed_on_retry = true;
  }
  return s;
}

result::v1::TestResult ToResult(const Synthetic& s, const std::string& test) {
  result::v1::TestResult r;
  r.set_test(test);
  r.set_phase(result::v1::PHASE_TEST);
  r.set_verdict(s.verdict);
  r.set_attempts(s.passed_on_retry ? 2 : 1);
  r.set_passed_on_retry(s.passed_on_retry);
  auto* outcome = r.mutable_outcome();
  outcome->mutable_http()->set_status_code(s.status);
  outcome->mutable_timings()->mutable_total()->set_nanos(s.latency_us * 1000);
  if (s.failure_class != 0) {
    outcome->mutable_failure()->set_class_(
        static_cast<scenario::v1::FailureClass>(s.failure_class));
    r.set_reason("tls_handshake (curl 35)");
  } else if (s.verdict != result::v1::TEST_VERDICT_PASS) {
    r.set_reason("expected status 200, got 503");
  }
  return r;
}

// Writes `s` into a result built by ToResult before (same fields as ToResult sets), so
// the writers reuse their requests instead of building 100 messages per run.
void Fill(const Synthetic& s, result::v1::TestResult* r) {
  r->set_verdict(s.verdict);
  r->set_attempts(s.passed_on_retry ? 2 : 1);
  r->set_passed_on_retry(s.passed_on_retry);
  auto* outcome = r->mutable_outcome();
  outcome->mutable_http()->set_status_code(s.status);
  outcome->mutable_timings()->mutable_total()->set_nanos(s.latency_us * 1000);
  if (s.failure_class != 0) {
    outcome->mutable_failure()->set_class_(
        static_cast<scenario::v1::FailureClass>(s.failure_class));
    r->set_reason("tls_handshake (curl 35)");
  } else {
    outcome->clear_failure();
    if (s.verdict != result::v1::TEST_VERDICT_PASS) {
      r->set_reason("expected status 200, got 503");
    } else {
      r->clear_reason();
    }
  }
}

std::string TestName(int test) { return absl::StrCat("test-", test); }

// CPU time (user + system) of the whole process so far: on a shared machine the wall
// clock also counts other people's work, this does not.
absl::Duration CpuTime() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return absl::DurationFromTimeval(usage.ru_utime) + absl::DurationFromTimeval(usage.ru_stime);
}

int64_t FileSize(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 ? info.st_size : 0;
}

// Folds the WAL into the main file so the size on disk is the data's.
void Checkpoint(const std::string& path) {
  auto db = Database::Open(path, {});
  if (db.ok()) (void)(*db)->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

void Die(const absl::Status& status, const char* what) {
  std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
  std::exit(1);
}

struct Percentiles {
  double p50_ms, p99_ms;
  // The same over the thread's CPU time: what the query costs without the time this
  // thread waited for a core (the machine is shared) or for the disk.
  double cpu_p50_ms, cpu_p99_ms;
};

double ThreadCpuMs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

Percentiles Measure(int samples, const std::function<void(std::mt19937_64&)>& query) {
  std::mt19937_64 rng(42);
  std::vector<double> ms, cpu_ms;
  for (int i = 0; i < samples; ++i) {
    const absl::Time start = absl::Now();
    const double cpu_start = ThreadCpuMs();
    query(rng);
    cpu_ms.push_back(ThreadCpuMs() - cpu_start);
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu_ms.begin(), cpu_ms.end());
  auto at = [](const std::vector<double>& v, double q) {
    size_t rank = static_cast<size_t>(std::ceil(q * v.size()));
    return v[rank == 0 ? 0 : rank - 1];
  };
  return {at(ms, 0.50), at(ms, 0.99), at(cpu_ms, 0.50), at(cpu_ms, 0.99)};
}

int Main(int argc, char** argv) {
  Flags flags;
  CLI::App app{"Results store benchmark: a synthetic year of nightly history", "store_bench"};
  app.add_option("--clusters", flags.clusters)->capture_default_str();
  app.add_option("--tests", flags.tests, "tests per cluster and night, over all scenarios")
      ->capture_default_str();
  app.add_option("--nights", flags.nights)->capture_default_str();
  app.add_option("--scenarios", flags.scenarios, "the tests are split evenly among them")
      ->capture_default_str();
  app.add_option("--samples", flags.samples, "queries timed per kind")->capture_default_str();
  app.add_option("--dir", flags.dir, "where the two database files go (emptied first)")
      ->capture_default_str();
  app.add_option("--synchronous", flags.synchronous, "NORMAL or FULL")->capture_default_str();
  app.add_option("--writers", flags.writers,
                 "concurrent writers, each sending whole runs in order; a comma-separated list"
                 " measures one ingest per count (the queries use the last)")
      ->delimiter(',')
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  const int per_scenario = flags.tests / flags.scenarios;
  if (per_scenario < 1) {
    std::fprintf(stderr, "--tests must be at least --scenarios\n");
    return 2;
  }
  std::filesystem::remove_all(flags.dir);
  std::filesystem::create_directories(flags.dir);
  const std::string raw_path = flags.dir + "/raw.db";
  const int64_t total = int64_t{flags.clusters} * per_scenario * flags.scenarios * flags.nights;
  std::printf("history: %d clusters x %d tests (%d scenarios of %d) x %d nights = %lld results\n",
              flags.clusters, per_scenario * flags.scenarios, flags.scenarios, per_scenario,
              flags.nights, static_cast<long long>(total));

  // ------------------------------------------------------------ store ingest
  // Every ingest writes the whole history into a fresh file with `writers` threads. A
  // thread takes the next run in start order and sends all of it in order (BeginRun,
  // the batches, FinishRun) before taking another, as one forwarder with one run in
  // flight does: one thread is today's scheduler, N threads are N runs in flight.
  RealClock clock;
  ResultsStoreOptions options;
  options.database.synchronous = flags.synchronous;
  const int64_t runs_total = int64_t{flags.nights} * flags.clusters * flags.scenarios;
  struct Ingest {
    int writers;
    absl::Duration time;
    absl::Duration cpu;
    int64_t bytes;
    double mean_group;
  };
  std::vector<Ingest> ingests;
  std::string store_path;
  for (int writers : flags.writers) {
    if (!store_path.empty()) std::filesystem::remove(store_path);
    store_path = absl::StrCat(flags.dir, "/store-w", writers, ".db");
    auto opened = ResultsStore::Open(store_path, options, &clock);
    if (!opened.ok()) Die(opened.status(), "open store");
    std::unique_ptr<ResultsStore> store = std::move(*opened);
    std::atomic<int64_t> next_run{0};
    auto writer = [&] {
      // This thread's requests per scenario, built once and refilled for every run.
      struct Requests {
        v1::BeginRunRequest begin;
        std::vector<v1::AppendResultsRequest> batches;
        v1::FinishRunRequest finish;
      };
      std::vector<Requests> requests(flags.scenarios);
      for (int s = 0; s < flags.scenarios; ++s) {
        v1::RunRecord* run = requests[s].begin.mutable_run();
        run->set_scenario(absl::StrCat("scenario-", s));
        run->set_scenario_version("sha256:0f3c9a");
        run->set_namespace_("meshproof");
        run->set_team("platform");
        run->set_trigger(result::v1::TRIGGER_SCHEDULE);
        run->mutable_environment()->set_istio_version("1.30.0");
        for (int t = 0; t < per_scenario; ++t) {
          if (t % kMaxBatch == 0) {
            requests[s].batches.emplace_back();
            requests[s].batches.back().set_attempt(1);
          }
          auto* r = requests[s].batches.back().add_results();
          r->set_test(TestName(s * per_scenario + t));
          r->set_phase(result::v1::PHASE_TEST);
        }
        requests[s].finish.mutable_counts()->set_total(per_scenario);
      }
      while (true) {
        const int64_t i = next_run.fetch_add(1);
        if (i >= runs_total) return;
        const int n = static_cast<int>(i / (flags.clusters * flags.scenarios));
        const int c = static_cast<int>(i / flags.scenarios % flags.clusters);
        const int s = static_cast<int>(i % flags.scenarios);
        Requests& q = requests[s];
        const std::string run_id = RunId(n, c, s);
        v1::RunRecord* run = q.begin.mutable_run();
        run->set_run_id(run_id);
        run->set_cluster(absl::StrCat("cluster-", c));
        run->set_agent_id(absl::StrCat("agent-", c));
        *run->mutable_started_at() = FromMicros(absl::ToUnixMicros(RunStart(n, c, s)));
        std::mt19937_64 rng(RunSeed(n, c, s));
        int failed = 0;
        for (int t = 0; t < per_scenario; ++t) {
          const Synthetic syn = Generate(rng, n, s * per_scenario + t);
          failed += syn.verdict != result::v1::TEST_VERDICT_PASS;
          Fill(syn, q.batches[t / kMaxBatch].mutable_results(t % kMaxBatch));
        }
        for (auto& batch : q.batches) batch.set_run_id(run_id);
        q.finish.set_run_id(run_id);
        q.finish.set_verdict(failed ? result::v1::RUN_VERDICT_FAILED
                                    : result::v1::RUN_VERDICT_PASSED);
        q.finish.mutable_counts()->set_failed(failed);
        *q.finish.mutable_finished_at() =
            FromMicros(absl::ToUnixMicros(RunStart(n, c, s) + absl::Seconds(30)));
        if (auto r = store->BeginRun(q.begin); !r.ok()) Die(r.status(), "BeginRun");
        for (const auto& batch : q.batches) {
          if (auto r = store->AppendResults(batch); !r.ok()) Die(r.status(), "AppendResults");
        }
        if (auto r = store->FinishRun(q.finish); !r.ok()) Die(r.status(), "FinishRun");
        const int64_t per_30_nights = int64_t{30} * flags.clusters * flags.scenarios;
        if ((i + 1) % per_30_nights == 0) {
          std::fprintf(stderr, "  store (%d writers): %lld nights\n", writers,
                       static_cast<long long>((i + 1) / (flags.clusters * flags.scenarios)));
        }
      }
    };
    const absl::Time start = absl::Now();
    const absl::Duration cpu_start = CpuTime();
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) threads.emplace_back(writer);
    for (auto& t : threads) t.join();
    const GroupCommit::Counts groups = store->WriteGroupCounts();
    // Closing is timed too: it checkpoints what is left in the WAL, as the baseline's
    // COMMIT does inside its time.
    store.reset();
    const absl::Duration time = absl::Now() - start;
    const absl::Duration cpu = CpuTime() - cpu_start;
    Checkpoint(store_path);
    ingests.push_back({writers, time, cpu, FileSize(store_path),
                       static_cast<double>(groups.writes) / std::max<int64_t>(1, groups.groups)});
    std::fprintf(stderr, "  store (%d writers): %.1f s\n", writers, absl::ToDoubleSeconds(time));
  }

  // ------------------------------------------------------------ raw baseline
  absl::Duration raw_time, raw_cpu;
  {
    auto db_or = Database::Open(raw_path, {.synchronous = flags.synchronous});
    if (!db_or.ok()) Die(db_or.status(), "open raw");
    std::unique_ptr<Database> db = std::move(*db_or);
    if (auto v = ApplyMigrations(db.get(), ResultsMigrations()); !v.ok())
      Die(v.status(), "migrate raw");
    const absl::Time start = absl::Now();
    const absl::Duration cpu_start = CpuTime();
    auto check = [](const absl::Status& status) {
      if (!status.ok()) Die(status, "raw insert");
    };
    check(db->Exec("BEGIN"));
    for (int c = 0; c < flags.clusters; ++c) {
      check(db->Exec(
          absl::StrCat("INSERT INTO clusters (id, name) VALUES (", c + 1, ", 'cluster-", c, "')")));
    }
    for (int s = 0; s < flags.scenarios; ++s) {
      check(db->Exec(absl::StrCat("INSERT INTO scenarios (id, name) VALUES (", s + 1,
                                  ", 'scenario-", s, "')")));
      for (int t = 0; t < per_scenario; ++t) {
        check(db->Exec(absl::StrCat("INSERT INTO tests (id, scenario_id, name) VALUES (",
                                    s * per_scenario + t + 1, ", ", s + 1, ", 'test-",
                                    s * per_scenario + t, "')")));
      }
    }
    int64_t run_pk = 0;
    for (int n = 0; n < flags.nights; ++n) {
      for (int c = 0; c < flags.clusters; ++c) {
        for (int s = 0; s < flags.scenarios; ++s) {
          ++run_pk;
          auto run = db->Prepare(
              "INSERT INTO runs (id, run_id, scenario_id, cluster_id, scenario_version, namespace,"
              " team, agent_id, trigger, schedule_id, started_at, finished_at, verdict, "
              "env_cluster,"
              " env_namespace, istio_version, k8s_version, agent_version, latest_attempt)"
              " VALUES (?1, ?2, ?3, ?4, 'sha256:0f3c9a', 'meshproof', 'platform', ?5, 2, '', ?6,"
              " ?7, 1, '', '', '1.30.0', '', '', 1)");
          if (!run.ok()) Die(run.status(), "prepare");
          run->Bind(1, run_pk)
              .BindText(2, RunId(n, c, s))
              .Bind(3, s + 1)
              .Bind(4, c + 1)
              .BindText(5, absl::StrCat("agent-", c))
              .Bind(6, absl::ToUnixMicros(RunStart(n, c, s)))
              .Bind(7, absl::ToUnixMicros(RunStart(n, c, s) + absl::Seconds(30)));
          check(run->Run());
          auto insert = db->Prepare(
              "INSERT INTO results (run_pk, test_id, phase, attempt, seq, verdict, status_code,"
              " failure_class, latency_us, flags, attempts, reason)"
              " VALUES (?1, ?2, 3, 1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
          if (!insert.ok()) Die(insert.status(), "prepare");
          std::mt19937_64 rng(RunSeed(n, c, s));
          for (int t = 0; t < per_scenario; ++t) {
            const Synthetic syn = Generate(rng, n, s * per_scenario + t);
            const ResultRow row = EncodeResult(ToResult(syn, ""));
            insert->Bind(1, run_pk)
                .Bind(2, s * per_scenario + t + 1)
                .Bind(3, t)
                .Bind(4, row.verdict)
                .Bind(5, row.status_code)
                .Bind(6, row.failure_class)
                .Bind(7, row.latency_us)
                .Bind(8, row.flags)
                .Bind(9, row.attempts)
                .BindText(10, row.reason);
            check(insert->Run());
          }
        }
      }
    }
    check(db->Exec("COMMIT"));
    raw_time = absl::Now() - start;
    raw_cpu = CpuTime() - cpu_start;
  }

  Checkpoint(raw_path);
  const double raw_rate = total / absl::ToDoubleSeconds(raw_time);
  std::printf("ingest: raw baseline %.0f results/s (%.1f s, %.1f s CPU)\n", raw_rate,
              absl::ToDoubleSeconds(raw_time), absl::ToDoubleSeconds(raw_cpu));
  for (const Ingest& ingest : ingests) {
    const double rate = total / absl::ToDoubleSeconds(ingest.time);
    std::printf(
        "ingest: store, %d writer%s: %.0f results/s (%.1f s, %.1f s CPU, %.2f writes per"
        " commit), ratio %.2fx (goal >= 0.5x), CPU ratio %.2fx\n",
        ingest.writers, ingest.writers == 1 ? "" : "s", rate, absl::ToDoubleSeconds(ingest.time),
        absl::ToDoubleSeconds(ingest.cpu), ingest.mean_group, rate / raw_rate,
        absl::ToDoubleSeconds(raw_cpu) / absl::ToDoubleSeconds(ingest.cpu));
  }
  std::printf("disk: store %.1f bytes/result (%lld bytes), raw %.1f bytes/result (goal <= 120)\n",
              static_cast<double>(ingests.back().bytes) / total,
              static_cast<long long>(ingests.back().bytes),
              static_cast<double>(FileSize(raw_path)) / total);

  // ------------------------------------------------------------ queries
  const absl::Time open_start = absl::Now();
  auto opened = ResultsStore::Open(store_path, options, &clock);
  if (!opened.ok()) Die(opened.status(), "reopen store");
  std::printf("open (with warming the readers): %.2f s\n",
              absl::ToDoubleSeconds(absl::Now() - open_start));
  std::unique_ptr<ResultsStore> store = std::move(*opened);
  auto pick = [](std::mt19937_64& rng, int n) { return static_cast<int>(rng() % n); };
  const int last_night = flags.nights - 1;
  Percentiles compare = Measure(flags.samples, [&](std::mt19937_64& rng) {
    const int n = 1 + pick(rng, std::max(1, last_night));
    const int c = pick(rng, flags.clusters), s = pick(rng, flags.scenarios);
    v1::CompareRunsRequest request;
    request.set_base_run_id(RunId(n - 1, c, s));
    request.set_head_run_id(RunId(std::min(n, last_night), c, s));
    auto r = store->CompareRuns(request);
    if (!r.ok() || r->tests_size() != per_scenario) Die(r.status(), "CompareRuns");
  });
  Percentiles history = Measure(flags.samples, [&](std::mt19937_64& rng) {
    const int s = pick(rng, flags.scenarios);
    v1::GetTestHistoryRequest request;
    request.set_scenario(absl::StrCat("scenario-", s));
    request.set_test(TestName(s * per_scenario + pick(rng, per_scenario)));
    request.set_cluster(absl::StrCat("cluster-", pick(rng, flags.clusters)));
    request.set_page_size(std::min<int>(flags.nights, kMaxPageSize));
    auto r = store->GetTestHistory(request);
    if (!r.ok() || r->points_size() != std::min<int>(flags.nights, kMaxPageSize)) {
      Die(r.status(), "GetTestHistory");
    }
  });
  Percentiles flaky_scenario = Measure(flags.samples, [&](std::mt19937_64& rng) {
    v1::ListFlakyTestsRequest request;
    request.set_scenario(absl::StrCat("scenario-", pick(rng, flags.scenarios)));
    request.set_last_runs(30);
    auto r = store->ListFlakyTests(request);
    if (!r.ok()) Die(r.status(), "ListFlakyTests");
  });
  Percentiles flaky_cluster = Measure(flags.samples, [&](std::mt19937_64& rng) {
    v1::ListFlakyTestsRequest request;
    request.set_scenario(absl::StrCat("scenario-", pick(rng, flags.scenarios)));
    request.set_cluster(absl::StrCat("cluster-", pick(rng, flags.clusters)));
    request.set_last_runs(30);
    auto r = store->ListFlakyTests(request);
    if (!r.ok()) Die(r.status(), "ListFlakyTests");
  });
  Percentiles latest = Measure(flags.samples, [&](std::mt19937_64& rng) {
    v1::GetLatestPerClusterRequest request;
    request.set_scenario(absl::StrCat("scenario-", pick(rng, flags.scenarios)));
    auto r = store->GetLatestPerCluster(request);
    if (!r.ok() || r->rows_size() != per_scenario || r->clusters_size() != flags.clusters) {
      Die(r.status(), "GetLatestPerCluster");
    }
  });
  auto print = [](const std::string& what, const Percentiles& p, const char* goal) {
    std::printf("%s: p50 %7.2f ms  p99 %7.2f ms%s  (CPU p50 %.2f ms, p99 %.2f ms)\n", what.c_str(),
                p.p50_ms, p.p99_ms, goal, p.cpu_p50_ms, p.cpu_p99_ms);
  };
  print(absl::StrCat("compare two runs (", per_scenario, " tests)"), compare, " (goal p99 <= 20)");
  print(
      absl::StrCat("history of one test (", std::min<int>(flags.nights, kMaxPageSize), " points)"),
      history, " (goal p99 <= 5)");
  print(absl::StrCat("flaky, a scenario's last 30 runs in every cluster (",
                     30 * flags.clusters * per_scenario, " results)"),
        flaky_scenario, " (goal p99 <= 100)");
  print(absl::StrCat("flaky, a scenario's last 30 runs in one cluster (", 30 * per_scenario,
                     " results)"),
        flaky_cluster, "");
  print(
      absl::StrCat("latest per cluster (", per_scenario, " tests x ", flags.clusters, " clusters)"),
      latest, "");
  return 0;
}

}  // namespace
}  // namespace meshproof::store

int main(int argc, char** argv) { return meshproof::store::Main(argc, argv); }
