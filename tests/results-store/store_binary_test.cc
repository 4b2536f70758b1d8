// The real meshproof-store binary over real gRPC: begin, append (with an idempotent
// retry and a rejected batch), finish, get and compare; a bad --config; and a SIGKILL in
// the middle of a stream of appends, after which every acknowledged batch is whole and
// no batch is half-present.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "meshproof/store/v1/store.grpc.pb.h"
#include "tests/results-store/store_fixtures.h"
#include "tests/testing/service_process.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::store::testing {
namespace {

using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::ServiceProcess;
using ::meshproof::testing::TempDir;
using result::v1::TEST_VERDICT_FAIL;
using result::v1::TEST_VERDICT_PASS;
using ::testing::HasSubstr;

std::unique_ptr<v1::ResultsStoreService::Stub> Connect(const std::string& address) {
  return v1::ResultsStoreService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

std::unique_ptr<grpc::ClientContext> Deadline(int seconds = 10) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return context;
}

TEST(StoreBinaryTest, WritesReadsAndComparesOverGrpc) {
  TempDir dir;
  MP_ASSERT_OK_AND_ASSIGN(
      ServiceProcess process,
      ServiceProcess::Start(BinaryPath("meshproof-store"),
                            {"--listen", "127.0.0.1:0", "--db", dir.File("store.db")},
                            dir.File("log")));
  auto stub = Connect(process.address());

  for (const char* id : {"base", "head"}) {
    v1::BeginRunResponse begun;
    auto status =
        stub->BeginRun(Deadline().get(), MakeBegin(id, "20-egress", "homelab", Night(1)), &begun);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_TRUE(begun.created());
  }
  v1::AppendResultsResponse appended;
  ASSERT_TRUE(
      stub->AppendResults(Deadline().get(),
                          MakeAppend("base", {MakeResult("sni-allowed", TEST_VERDICT_PASS),
                                              MakeResult("sni-blocked", TEST_VERDICT_PASS)}),
                          &appended)
          .ok());
  const auto head_batch =
      MakeAppend("head", {MakeResult("sni-allowed", TEST_VERDICT_PASS),
                          MakeResult("sni-blocked", TEST_VERDICT_FAIL, 0, 3,
                                     scenario::v1::FAILURE_CLASS_TLS_HANDSHAKE)});
  ASSERT_TRUE(stub->AppendResults(Deadline().get(), head_batch, &appended).ok());
  EXPECT_EQ(appended.inserted(), 2u);
  // The scheduler's retry after a lost acknowledgement.
  ASSERT_TRUE(stub->AppendResults(Deadline().get(), head_batch, &appended).ok());
  EXPECT_EQ(appended.inserted(), 0u);
  EXPECT_EQ(appended.duplicates(), 2u);
  // A bad batch is refused with the field named, and stores nothing.
  auto bad = MakeAppend("head",
                        {MakeResult("ok-1", TEST_VERDICT_PASS), MakeResult("", TEST_VERDICT_PASS)});
  grpc::Status refused = stub->AppendResults(Deadline().get(), bad, &appended);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(refused.error_message(), "results[1].test: must not be empty");
  grpc::Status missing = stub->AppendResults(
      Deadline().get(), MakeAppend("ghost", {MakeResult("t", TEST_VERDICT_PASS)}), &appended);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);

  v1::FinishRunResponse finished;
  ASSERT_TRUE(stub->FinishRun(Deadline().get(), MakeFinish("base"), &finished).ok());
  ASSERT_TRUE(stub->FinishRun(Deadline().get(), MakeFinish("head", result::v1::RUN_VERDICT_FAILED),
                              &finished)
                  .ok());
  EXPECT_TRUE(finished.finished());
  grpc::Status late = stub->AppendResults(
      Deadline().get(), MakeAppend("head", {MakeResult("late", TEST_VERDICT_PASS)}), &appended);
  EXPECT_EQ(late.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  v1::GetRunRequest get;
  get.set_run_id("head");
  v1::RunDetail detail;
  ASSERT_TRUE(stub->GetRun(Deadline().get(), get, &detail).ok());
  EXPECT_EQ(detail.results_size(), 2);
  EXPECT_EQ(detail.run().verdict(), result::v1::RUN_VERDICT_FAILED);

  v1::CompareRunsRequest compare;
  compare.set_base_run_id("base");
  compare.set_head_run_id("head");
  v1::CompareRunsResponse comparison;
  ASSERT_TRUE(stub->CompareRuns(Deadline().get(), compare, &comparison).ok());
  ASSERT_EQ(comparison.tests_size(), 2);
  EXPECT_EQ(comparison.tests(0).test(), "sni-blocked");
  EXPECT_EQ(comparison.tests(0).change(), v1::CHANGE_REGRESSED);
  EXPECT_EQ(comparison.tests(0).base_outcome(), "200");
  EXPECT_EQ(comparison.tests(0).head_outcome(), "tls_handshake");

  MP_ASSERT_OK_AND_ASSIGN(int code, process.Terminate());
  EXPECT_EQ(code, 0);
}

TEST(StoreBinaryTest, UnknownConfigKeyExitsTwo) {
  TempDir dir;
  const std::string config = dir.WriteFile("store.yaml", "db: x.db\nretension: 3\n");
  auto result = ::meshproof::testing::RunCommand(
      {BinaryPath("meshproof-store"), "--config", config, "--db", dir.File("x.db")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("store.yaml:2:1: unknown key \"retension\""));
}

TEST(StoreBinaryTest, ConfigFileChoosesTheDatabase) {
  TempDir dir;
  const std::string config =
      dir.WriteFile("store.yaml", "db: " + dir.File("from-config.db") + "\nmax_batch: 2\n");
  MP_ASSERT_OK_AND_ASSIGN(
      ServiceProcess process,
      ServiceProcess::Start(BinaryPath("meshproof-store"),
                            {"--listen", "127.0.0.1:0", "--config", config}, dir.File("log")));
  auto stub = Connect(process.address());
  v1::BeginRunResponse begun;
  ASSERT_TRUE(stub->BeginRun(Deadline().get(), MakeBegin("r", "s", "c", Night(1)), &begun).ok());
  v1::AppendResultsResponse appended;
  auto three =
      MakeAppend("r", {MakeResult("a", TEST_VERDICT_PASS), MakeResult("b", TEST_VERDICT_PASS),
                       MakeResult("c", TEST_VERDICT_PASS)});
  EXPECT_EQ(stub->AppendResults(Deadline().get(), three, &appended).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  MP_ASSERT_OK(process.Terminate().status());
  EXPECT_FALSE(::meshproof::testing::ReadFileOrEmpty(dir.File("from-config.db")).empty());
}

// Batch b of the crash test holds tests "b<b>-t<i>" for i < kPerBatch.
constexpr int kPerBatch = 200;

v1::AppendResultsRequest CrashBatch(int writer, int batch) {
  std::vector<result::v1::TestResult> results;
  for (int i = 0; i < kPerBatch; ++i) {
    auto r = MakeResult(
        "w" + std::to_string(writer) + "-b" + std::to_string(batch) + "-t" + std::to_string(i),
        i % 7 == 0 ? TEST_VERDICT_FAIL : TEST_VERDICT_PASS);
    r.add_evidence()->set_name("log");
    r.mutable_evidence(0)->add_lines(std::string(300, 'x'));
    results.push_back(std::move(r));
  }
  return MakeAppend("run-" + std::to_string(writer), std::move(results));
}

TEST(StoreCrashTest, SigkillMidStreamLosesNoAcknowledgedBatchAndLeavesNoHalfBatch) {
  TempDir dir;
  MP_ASSERT_OK_AND_ASSIGN(
      ServiceProcess process,
      ServiceProcess::Start(BinaryPath("meshproof-store"),
                            {"--listen", "127.0.0.1:0", "--db", dir.File("store.db")},
                            dir.File("log")));
  constexpr int kWriters = 3;
  {
    auto stub = Connect(process.address());
    for (int w = 0; w < kWriters; ++w) {
      v1::BeginRunResponse begun;
      ASSERT_TRUE(stub->BeginRun(Deadline().get(),
                                 MakeBegin("run-" + std::to_string(w), "crash", "c", Night(1)),
                                 &begun)
                      .ok());
    }
  }
  absl::Mutex mu;
  std::set<std::pair<int, int>> acked;  // (writer, batch)
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto stub = Connect(process.address());
      for (int b = 0; !stop; ++b) {
        v1::AppendResultsResponse response;
        if (!stub->AppendResults(Deadline(5).get(), CrashBatch(w, b), &response).ok()) return;
        absl::MutexLock lock(&mu);
        acked.insert({w, b});
      }
    });
  }
  {
    // Kill once enough batches were acknowledged, while writers are still sending.
    absl::MutexLock lock(&mu);
    ASSERT_TRUE(mu.AwaitWithTimeout(
        absl::Condition(
            +[](std::set<std::pair<int, int>>* a) { return a->size() >= 30; }, &acked),
        absl::Seconds(60)));
  }
  process.Kill();
  stop = true;
  for (auto& t : writers) t.join();

  ::meshproof::testing::FakeClock clock;
  MP_ASSERT_OK_AND_ASSIGN(auto store, ResultsStore::Open(dir.File("store.db"), {}, &clock));
  for (int w = 0; w < kWriters; ++w) {
    v1::GetRunRequest get;
    get.set_run_id("run-" + std::to_string(w));
    get.set_include_evidence(true);
    MP_ASSERT_OK_AND_ASSIGN(auto run, store->GetRun(get));
    std::map<int, int> per_batch;
    for (const auto& r : run.results()) {
      const std::string& name = r.test();
      const size_t b = name.find("-b"), t = name.find("-t");
      per_batch[std::stoi(name.substr(b + 2, t - b - 2))]++;
      ASSERT_EQ(r.evidence_size(), 1) << name;
    }
    for (const auto& [batch, count] : per_batch) {
      EXPECT_EQ(count, kPerBatch) << "writer " << w << " batch " << batch << " is half-present";
    }
    absl::MutexLock lock(&mu);
    for (const auto& [writer, batch] : acked) {
      if (writer != w) continue;
      EXPECT_TRUE(per_batch.contains(batch)) << "acknowledged batch lost: " << batch;
    }
  }
}

}  // namespace
}  // namespace meshproof::store::testing
