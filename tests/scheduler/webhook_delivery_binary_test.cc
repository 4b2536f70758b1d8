// Webhooks from the real meshproof-scheduler process to a real HTTP receiver on loopback,
// with a real meshproof-agent executing the runs against a counting HTTP server:
// - a test that passed and now fails is announced as run.regressed, and back as
//   run.fixed, each once, signed with the webhook's secret over the exact body;
// - while the receiver is down the scheduler keeps retrying (the outbox row's try count
//   grows), and once the receiver comes up the event arrives exactly once;
// - an event still pending when the scheduler is SIGKILLed is delivered after restart.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"
#include "services/scheduler/webhook_signing.h"
#include "tests/probe-agent/fake_http_server.h"
#include "tests/scheduler/webhook_receiver.h"
#include "tests/testing/grpc_polling.h"
#include "tests/testing/scheduler_client.h"
#include "tests/testing/scheduler_run.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::scheduler::testing {
namespace {

using ::meshproof::testing::FakeHttpServer;
using ::meshproof::testing::FakeRequest;
using ::meshproof::testing::FakeResponse;
using ::meshproof::testing::ServiceProcess;
using ::testing::HasSubstr;

constexpr char kSecret[] = "a-webhook-secret-of-the-payments-team";

// One number from the running scheduler's database, read-only (WAL lets it read beside
// the scheduler's writers). -1 when it cannot be read.
int64_t QueryLive(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  int64_t out = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 2000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      out = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

// Polls `done` (bounded); the sleep is the polling interval, not synchronisation.
bool WaitFor(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(20)) {
  const absl::Time end = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > end) return false;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return true;
}

class WebhookDeliveryBinaryTest : public ::testing::Test {
 protected:
  WebhookDeliveryBinaryTest()
      : targets_([this](const FakeRequest&) {
          FakeResponse r;
          r.status = probe_status_.load();
          return r;
        }) {}

  // Starts the scheduler with one json webhook for team payments at `receiver_port`,
  // and one agent.
  void StartServices(int receiver_port) {
    const std::string secret = dir_.WriteFile("hook.secret", std::string(kSecret) + "\n");
    const std::string config = dir_.WriteFile(
        "scheduler.yaml",
        absl::StrCat("tick_interval: 100ms\nheartbeat_interval: 500ms\nlease: 3s\n"
                     "webhook_backoff_initial: 100ms\nwebhook_backoff_max: 400ms\n"
                     "webhook_timeout: ",
                     timeout_,
                     "\n"
                     "webhook_allowed_hosts: [127.0.0.1]\n"
                     "webhooks:\n"
                     "  - name: payments\n    team: payments\n"
                     "    url: http://127.0.0.1:",
                     receiver_port, "/hooks/meshproof\n    secret_file: ", secret, "\n"));
    config_ = config;
    StartScheduler();
    absl::StatusOr<ServiceProcess> agent =
        ServiceProcess::Start(::meshproof::testing::BinaryPath("meshproof-agent"),
                              {"--listen", "127.0.0.1:0", "--cluster", "lab", "--agent-id",
                               "hook-agent", "--scheduler", scheduler_->address()},
                              dir_.File("agent.log"));
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_ = std::make_unique<ServiceProcess>(std::move(*agent));
    ASSERT_TRUE(
        ::meshproof::testing::WaitForConnectedAgent(scheduler_->address(), "hook-agent").ok());
    client_ = std::make_unique<::meshproof::testing::SchedulerClient>(scheduler_->address());
  }

  // Starts (or restarts, on the same database and config) the scheduler process.
  void StartScheduler() {
    absl::StatusOr<ServiceProcess> scheduler =
        ServiceProcess::Start(::meshproof::testing::BinaryPath("meshproof-scheduler"),
                              {"--listen", "127.0.0.1:0", "--db", db_path(), "--config", config_},
                              dir_.File("scheduler.log"));
    ASSERT_TRUE(scheduler.ok()) << scheduler.status();
    scheduler_ = std::make_unique<ServiceProcess>(std::move(*scheduler));
  }

  void TearDown() override {
    if (HasFailure()) {
      std::string text = ::meshproof::testing::ReadFileOrEmpty(dir_.File("scheduler.log"));
      if (text.size() > 6000) text = text.substr(text.size() - 6000);
      std::cerr << "---- scheduler.log (tail) ----\n" << text << "\n";
    }
    receiver_.Stop();
  }

  std::string db_path() const { return dir_.File("scheduler.db"); }

  void Submit(const std::string& yaml) {
    absl::Status status = client_->Submit(yaml);
    ASSERT_TRUE(status.ok()) << status;
  }
  v1::Run StartRun(const std::string& scenario) {
    absl::StatusOr<v1::Run> run = client_->StartRun(scenario);
    EXPECT_TRUE(run.ok()) << run.status();
    return run.ok() ? *std::move(run) : v1::Run{};
  }
  v1::RunState State(const std::string& run_id) {
    absl::StatusOr<v1::Run> run = client_->GetRun(run_id);
    return run.ok() ? run->state() : v1::RUN_STATE_UNSPECIFIED;
  }
  // Runs "checkout" with the probe target answering `status`; returns the ended run's id.
  std::string RunCheckout(int status) {
    probe_status_ = status;
    const v1::Run run = StartRun("checkout");
    const v1::RunState want = status == 200 ? v1::RUN_STATE_PASSED : v1::RUN_STATE_FAILED;
    EXPECT_TRUE(WaitFor([&] { return State(run.run_id()) == want; }))
        << "run " << run.run_id() << " did not end " << v1::RunState_Name(want);
    return run.run_id();
  }
  std::vector<ReceivedHook> ReceivedWithId(const std::string& event_id) {
    std::vector<ReceivedHook> out;
    for (const ReceivedHook& r : receiver_.received()) {
      if (r.event_id == event_id) out.push_back(r);
    }
    return out;
  }

  std::string CheckoutScenario() const {
    return absl::StrCat(
        "apiVersion: meshproof/v1\nkind: Scenario\nname: checkout\n"
        "team: payments\ntarget: {cluster: lab}\ntests:\n"
        "  - name: mtls-strict\n    http: {url: \"http://127.0.0.1:",
        targets_.port(), "/checkout\"}\n    expect: {status: 200}\n");
  }

  ::meshproof::testing::TempDir dir_;
  std::string config_;
  std::string timeout_ = "2s";
  std::atomic<int> probe_status_{200};
  FakeHttpServer targets_;
  WebhookReceiver receiver_;
  std::unique_ptr<ServiceProcess> scheduler_;
  std::unique_ptr<ServiceProcess> agent_;
  std::unique_ptr<::meshproof::testing::SchedulerClient> client_;
};

TEST_F(WebhookDeliveryBinaryTest, RegressionAndFixAreDeliveredSignedAndOnce) {
  ASSERT_TRUE(receiver_.Start());
  ASSERT_NO_FATAL_FAILURE(StartServices(receiver_.port()));
  Submit(CheckoutScenario());

  RunCheckout(200);
  const std::string failing = RunCheckout(500);
  const std::string regressed_id = "run.regressed:" + failing;
  ASSERT_TRUE(WaitFor([&] { return !ReceivedWithId(regressed_id).empty(); }))
      << "no run.regressed for " << failing;
  const ReceivedHook hook = ReceivedWithId(regressed_id).at(0);
  EXPECT_EQ(hook.path, "/hooks/meshproof");
  EXPECT_EQ(hook.kind, "run.regressed");
  EXPECT_EQ(hook.content_type, "application/json");
  // The receiver's check: HMAC-SHA256 of the exact body under the shared secret.
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, hook.body, hook.signature)) << hook.signature;
  EXPECT_FALSE(VerifyWebhookSignature("another-secret", hook.body, hook.signature));
  int64_t ts = 0;
  ASSERT_TRUE(absl::SimpleAtoi(hook.timestamp, &ts)) << hook.timestamp;
  EXPECT_LE(std::abs(absl::ToUnixSeconds(absl::Now()) - ts), 60);
  google::protobuf::Struct doc;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(hook.body, &doc).ok()) << hook.body;
  EXPECT_EQ(doc.fields().at("id").string_value(), regressed_id);
  EXPECT_EQ(doc.fields().at("team").string_value(), "payments");
  const auto& tests = doc.fields().at("tests").list_value();
  ASSERT_EQ(tests.values_size(), 1);
  EXPECT_EQ(tests.values(0).struct_value().fields().at("test").string_value(), "mtls-strict");
  EXPECT_EQ(tests.values(0).struct_value().fields().at("before").string_value(), "PASS");
  EXPECT_EQ(tests.values(0).struct_value().fields().at("now").string_value(), "FAIL");

  const std::string fixed_run = RunCheckout(200);
  ASSERT_TRUE(WaitFor([&] { return !ReceivedWithId("run.fixed:" + fixed_run).empty(); }));
  // Every event reached the receiver once, and the receiver saw nothing else.
  EXPECT_EQ(ReceivedWithId(regressed_id).size(), 1u);
  EXPECT_EQ(ReceivedWithId("run.fixed:" + fixed_run).size(), 1u);
  EXPECT_EQ(receiver_.received().size(), 2u);
  // The sender marks a row delivered after the receiver's answer: wait for that write.
  EXPECT_TRUE(WaitFor([&] {
    return QueryLive(db_path(), "SELECT COUNT(*) FROM webhook_outbox WHERE state = 1") == 2;
  })) << QueryLive(db_path(), "SELECT COUNT(*) FROM webhook_outbox WHERE state = 1");
}

TEST_F(WebhookDeliveryBinaryTest, AReceiverDownForAWhileGetsTheEventOnceWhenBack) {
  // A free port nobody listens on yet: bound once to learn it, then released.
  ASSERT_TRUE(receiver_.Start());
  const int port = receiver_.port();
  receiver_.Stop();
  ASSERT_NO_FATAL_FAILURE(StartServices(port));
  Submit(CheckoutScenario());

  RunCheckout(200);
  const std::string failing = RunCheckout(500);
  const std::string event_id = "run.regressed:" + failing;
  const std::string row = absl::StrCat("FROM webhook_outbox WHERE event_id = '", event_id, "'");
  // Down: the scheduler tried and failed several times and still holds the event.
  ASSERT_TRUE(WaitFor([&] {
    return QueryLive(db_path(), absl::StrCat("SELECT tries ", row, " AND state = 0")) >= 3;
  })) << "the scheduler never retried";
  EXPECT_EQ(QueryLive(db_path(),
                      absl::StrCat("SELECT COUNT(*) ", row, " AND last_error LIKE '%onnect%'")),
            1);

  ASSERT_TRUE(receiver_.Start(port)) << "port " << port << " was taken meanwhile";
  ASSERT_TRUE(WaitFor([&] { return !ReceivedWithId(event_id).empty(); }))
      << "the event never arrived after the receiver came back";
  ASSERT_TRUE(
      WaitFor([&] { return QueryLive(db_path(), absl::StrCat("SELECT state ", row)) == 1; }));
  // A later event goes through the same sender after the first was marked: had the first
  // been queued for another try, it would have been sent before this one arrived.
  const std::string fixed_run = RunCheckout(200);
  ASSERT_TRUE(WaitFor([&] { return !ReceivedWithId("run.fixed:" + fixed_run).empty(); }));
  const std::vector<ReceivedHook> got = ReceivedWithId(event_id);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, got[0].body, got[0].signature));
  EXPECT_EQ(receiver_.received().size(), 2u);
}

TEST_F(WebhookDeliveryBinaryTest, AnEventPendingWhenTheSchedulerIsKilledIsDeliveredAfterRestart) {
  ASSERT_TRUE(receiver_.Start());
  const int port = receiver_.port();
  receiver_.Stop();
  ASSERT_NO_FATAL_FAILURE(StartServices(port));
  Submit(CheckoutScenario());
  RunCheckout(200);
  const std::string failing = RunCheckout(500);
  const std::string event_id = "run.regressed:" + failing;
  const std::string row = absl::StrCat("FROM webhook_outbox WHERE event_id = '", event_id, "'");
  ASSERT_TRUE(WaitFor([&] {
    return QueryLive(db_path(), absl::StrCat("SELECT tries ", row, " AND state = 0")) >= 1;
  })) << "the scheduler never tried";

  // Killed with the event still pending: it lives on in the database.
  scheduler_->Kill();
  ASSERT_TRUE(receiver_.Start(port)) << "port " << port << " was taken meanwhile";
  ASSERT_NO_FATAL_FAILURE(StartScheduler());
  ASSERT_TRUE(WaitFor([&] { return !ReceivedWithId(event_id).empty(); }))
      << "the event was lost with the process";
  ASSERT_TRUE(
      WaitFor([&] { return QueryLive(db_path(), absl::StrCat("SELECT state ", row)) == 1; }));
  const std::vector<ReceivedHook> got = ReceivedWithId(event_id);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, got[0].body, got[0].signature));
  EXPECT_EQ(receiver_.received().size(), 1u);
}

TEST_F(WebhookDeliveryBinaryTest, AHangingReceiverDoesNotHoldUpShutdown) {
  timeout_ = "60s";
  ASSERT_TRUE(receiver_.Start());
  receiver_.Hold(true);
  ASSERT_NO_FATAL_FAILURE(StartServices(receiver_.port()));
  Submit(CheckoutScenario());
  RunCheckout(200);
  const std::string failing = RunCheckout(500);
  ASSERT_TRUE(WaitFor([&] { return receiver_.arrived() >= 1; }));
  // SIGTERM while the request hangs: the scheduler aborts it instead of waiting out the
  // 60 s timeout, and the event stays pending for the next start.
  const absl::Time before = absl::Now();
  absl::StatusOr<int> code = scheduler_->Terminate(absl::Seconds(30));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  EXPECT_LT(absl::Now() - before, absl::Seconds(15));
  EXPECT_EQ(QueryLive(db_path(), absl::StrCat("SELECT state FROM webhook_outbox WHERE event_id = "
                                              "'run.regressed:",
                                              failing, "'")),
            0);
  EXPECT_TRUE(receiver_.received().empty());
}

}  // namespace
}  // namespace meshproof::scheduler::testing
