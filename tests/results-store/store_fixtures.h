// Builders for results-store tests: runs, results and a store opened in a temp dir.
#ifndef MESHPROOF_TESTS_RESULTS_STORE_STORE_FIXTURES_H_
#define MESHPROOF_TESTS_RESULTS_STORE_STORE_FIXTURES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "meshproof/store/v1/store.pb.h"
#include "services/results-store/results_store.h"
#include "services/results-store/run_records.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::store::testing {

using result::v1::TestVerdict;

// 2026-01-01T00:00:00Z; night n starts at 02:00 UTC of day n.
inline absl::Time Night(int n) {
  return absl::FromUnixSeconds(1767225600) + absl::Hours(24) * n + absl::Hours(2);
}

inline v1::BeginRunRequest MakeBegin(const std::string& run_id, const std::string& scenario,
                                     const std::string& cluster, absl::Time started) {
  v1::BeginRunRequest request;
  v1::RunRecord* run = request.mutable_run();
  run->set_run_id(run_id);
  run->set_scenario(scenario);
  run->set_scenario_version("sha256:abc");
  run->set_cluster(cluster);
  run->set_namespace_("meshproof");
  run->set_team("platform");
  run->set_agent_id("agent-" + cluster);
  run->set_trigger(result::v1::TRIGGER_SCHEDULE);
  run->mutable_environment()->set_cluster(cluster);
  run->mutable_environment()->set_istio_version("1.30.0");
  (*run->mutable_environment()->mutable_tags())["cni"] = "calico";
  *run->mutable_started_at() = FromMicros(absl::ToUnixMicros(started));
  return request;
}

// A TEST-phase HTTP result. `status` 0 with a failure class means no response.
inline result::v1::TestResult MakeResult(
    const std::string& test, TestVerdict verdict, int status = 200, int latency_ms = 10,
    scenario::v1::FailureClass failure = scenario::v1::FAILURE_CLASS_UNSPECIFIED) {
  result::v1::TestResult r;
  r.set_test(test);
  r.set_phase(result::v1::PHASE_TEST);
  r.set_verdict(verdict);
  r.set_attempts(1);
  auto* outcome = r.mutable_outcome();
  outcome->mutable_http()->set_status_code(status);
  outcome->mutable_timings()->mutable_total()->set_nanos(latency_ms * 1000000);
  if (failure != scenario::v1::FAILURE_CLASS_UNSPECIFIED) {
    outcome->mutable_failure()->set_class_(failure);
    outcome->mutable_failure()->set_curl_exit_code(35);
  }
  if (verdict != result::v1::TEST_VERDICT_PASS) r.set_reason("expected status 200");
  return r;
}

inline v1::AppendResultsRequest MakeAppend(const std::string& run_id,
                                           std::vector<result::v1::TestResult> results,
                                           uint32_t attempt = 1) {
  v1::AppendResultsRequest request;
  request.set_run_id(run_id);
  request.set_attempt(attempt);
  for (auto& r : results) *request.add_results() = std::move(r);
  return request;
}

inline v1::FinishRunRequest MakeFinish(
    const std::string& run_id, result::v1::RunVerdict verdict = result::v1::RUN_VERDICT_PASSED) {
  v1::FinishRunRequest request;
  request.set_run_id(run_id);
  request.set_verdict(verdict);
  request.mutable_counts()->set_total(1);
  return request;
}

// A store in a fresh temp dir with a fake clock.
struct StoreHarness {
  ::meshproof::testing::TempDir dir;
  ::meshproof::testing::FakeClock clock{Night(400)};
  std::unique_ptr<ResultsStore> store;

  std::string path() const { return dir.File("store.db"); }
  absl::Status Open(const ResultsStoreOptions& options = {}) {
    store.reset();
    absl::StatusOr<std::unique_ptr<ResultsStore>> opened =
        ResultsStore::Open(path(), options, &clock);
    if (!opened.ok()) return opened.status();
    store = std::move(*opened);
    return absl::OkStatus();
  }
};

}  // namespace meshproof::store::testing

#endif  // MESHPROOF_TESTS_RESULTS_STORE_STORE_FIXTURES_H_
