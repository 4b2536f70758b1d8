// The whole product at once, every part real: the lab's nginx gateways and httpbin, the
// results store, the scheduler and probe agents as separate processes dialling each other
// over gRPC, driven the way a team drives them — through the `meshproof` CLI — and checked
// in the store, where the history must land. What the seed report found by hand must come
// out of the pipeline unchanged: ingress 200/418/404 and HTTPS 200, egress 200 with the
// gateway's access-log line as evidence, the SNI mismatch failing at the TLS layer.
#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"
#include "meshproof/store/v1/store.grpc.pb.h"
#include "services/common/client_channel.h"
#include "services/common/time_util.h"
#include "tests/testing/grpc_polling.h"
#include "tests/testing/lab.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/tls_pki.h"

namespace meshproof::e2e {
namespace {

namespace rv1 = meshproof::result::v1;
namespace sv1 = meshproof::store::v1;
namespace v1 = meshproof::scheduler::v1;
using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::CertAndKey;
using ::meshproof::testing::CommandResult;
using ::meshproof::testing::Deadline;
using ::meshproof::testing::Lab;
using ::meshproof::testing::RunCommand;
using ::meshproof::testing::ServiceProcess;
using ::meshproof::testing::TempDir;
using ::meshproof::testing::TestCa;
using ::meshproof::testing::WaitForFinishedRun;
using ::testing::HasSubstr;

std::string Example(const std::string& name) {
  return absl::StrCat(MESHPROOF_SOURCE_DIR, "/examples/scenarios/", name, ".yaml");
}

// The CLI's --output json is the protobuf JSON mapping; reading it back into the message
// checks that contract too.
template <typename Message>
Message FromJson(const std::string& json) {
  Message message;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &message, options);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return message;
}

std::map<std::string, rv1::TestResult> ByTest(const sv1::RunDetail& detail) {
  std::map<std::string, rv1::TestResult> results;
  for (const rv1::TestResult& r : detail.results()) results[r.test()] = r;
  return results;
}

off_t FileSize(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

class EndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Lab>> lab = Lab::Start(dir_.File("lab"));
    ASSERT_TRUE(lab.ok()) << lab.status();
    lab_ = std::move(*lab);

    // TLS everywhere, as deployed: one throwaway CA; the store requires client
    // certificates (the scheduler's, and the test's for reading history), the scheduler
    // and the agents serve TLS, and every client verifies the server against the CA.
    absl::StatusOr<TestCa> ca = TestCa::Create(dir_, "e2e");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *ca;
    absl::StatusOr<CertAndKey> server_cert = ca_.IssueServer("server", "IP:127.0.0.1");
    absl::StatusOr<CertAndKey> client_cert = ca_.IssueClient("client");
    ASSERT_TRUE(server_cert.ok() && client_cert.ok());
    server_cert_ = *server_cert;
    client_cert_ = *client_cert;
    absl::StatusOr<ServiceProcess> store =
        ServiceProcess::Start(BinaryPath("meshproof-store"),
                              {"--listen", "127.0.0.1:0", "--db", dir_.File("store.db"),
                               "--tls-cert", server_cert_.cert_file, "--tls-key",
                               server_cert_.key_file, "--tls-client-ca", ca_.ca_file()},
                              dir_.File("store.log"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_.emplace(std::move(*store));

    // A short lease so a lost agent is noticed within seconds, not the default minutes.
    const std::string config = dir_.WriteFile(
        "scheduler.yaml", "lease: 3s\nheartbeat_interval: 500ms\ntick_interval: 100ms\n");
    scheduler_config_ = config;
    ASSERT_NO_FATAL_FAILURE(StartScheduler("127.0.0.1:0"));

    scheduler_stub_ = v1::SchedulerService::NewStub(Dial(scheduler_->address()));
    store_stub_ = sv1::ResultsStoreService::NewStub(Dial(store_->address()));

    // The CLI finds the services the way a user's shell would, and no user config.
    setenv("MESHPROOF_SCHEDULER", scheduler_->address().c_str(), 1);
    setenv("MESHPROOF_STORE", store_->address().c_str(), 1);
    setenv("HOME", dir_.path().c_str(), 1);
    unsetenv("MESHPROOF_TOKEN");
    setenv("MESHPROOF_TLS_CA", ca_.ca_file().c_str(), 1);
    setenv("MESHPROOF_TLS_CERT", client_cert_.cert_file.c_str(), 1);
    setenv("MESHPROOF_TLS_KEY", client_cert_.key_file.c_str(), 1);

    ASSERT_NO_FATAL_FAILURE(StartAgent("lab-agent-1"));
    const CommandResult submit =
        Cli({"scenario", "submit", Example("10-ingress"), Example("20-egress")});
    ASSERT_EQ(submit.exit_code, 0) << submit.out << submit.err;
  }

  void TearDown() override {
    if (!HasFailure()) return;
    for (const char* log : {"scheduler.log", "store.log", "lab-agent-1.log", "lab-agent-2.log"}) {
      std::string text = ::meshproof::testing::ReadFileOrEmpty(dir_.File(log));
      if (text.size() > 6000) text = text.substr(text.size() - 6000);
      std::cerr << "---- " << log << " (tail) ----\n" << text << "\n";
    }
  }

  // Starts the scheduler on `listen` (a fixed address to restart it where agents and
  // watchers look for it), always on the same database.
  void StartScheduler(const std::string& listen) {
    absl::StatusOr<ServiceProcess> scheduler = ServiceProcess::Start(
        BinaryPath("meshproof-scheduler"),
        {"--listen", listen, "--db", dir_.File("scheduler.db"), "--store", store_->address(),
         "--config", scheduler_config_, "--tls-cert", server_cert_.cert_file, "--tls-key",
         server_cert_.key_file, "--store-tls-ca", ca_.ca_file(), "--store-tls-cert",
         client_cert_.cert_file, "--store-tls-key", client_cert_.key_file},
        dir_.File("scheduler.log"));
    ASSERT_TRUE(scheduler.ok()) << scheduler.status();
    scheduler_.emplace(std::move(*scheduler));
  }

  // Starts an agent that dials the scheduler, and waits until the scheduler lists it as
  // connected so the next run has somewhere to go.
  void StartAgent(const std::string& id) {
    absl::StatusOr<ServiceProcess> agent = ServiceProcess::Start(
        BinaryPath("meshproof-agent"),
        {"--listen", "127.0.0.1:0", "--scheduler", scheduler_->address(), "--cluster", "lab",
         "--namespace", "mesh-test", "--agent-id", id, "--environment-kind", "lab", "--tls-cert",
         server_cert_.cert_file, "--tls-key", server_cert_.key_file, "--scheduler-tls-ca",
         ca_.ca_file()},
        dir_.File(id + ".log"));
    ASSERT_TRUE(agent.ok()) << agent.status();
    agents_.emplace(id, std::move(*agent));
    const absl::Time give_up = absl::Now() + absl::Seconds(15);
    while (absl::Now() < give_up) {
      grpc::ClientContext context;
      Deadline(&context);
      v1::ListAgentsRequest req;
      v1::ListAgentsResponse resp;
      if (scheduler_stub_->ListAgents(&context, req, &resp).ok()) {
        for (const v1::AgentStatus& a : resp.agents()) {
          if (a.info().agent_id() == id && a.state() == v1::AGENT_STATE_CONNECTED) return;
        }
      }
      absl::SleepFor(absl::Milliseconds(50));  // another process: nothing to wait on
    }
    FAIL() << "agent " << id << " never showed up connected at the scheduler";
  }

  // A channel to one of the services over TLS with the test's client certificate.
  std::shared_ptr<grpc::Channel> Dial(const std::string& address) {
    ClientChannelOptions options;
    options.target = address;
    options.tls.ca_file = ca_.ca_file();
    options.tls.cert_file = client_cert_.cert_file;
    options.tls.key_file = client_cert_.key_file;
    options.max_receive_message_bytes = 64 << 20;
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeClientChannel(options);
    EXPECT_TRUE(channel.ok()) << channel.status();
    return channel.ok() ? *channel : nullptr;
  }

  CommandResult Cli(std::vector<std::string> args) {
    args.insert(args.begin(), BinaryPath("meshproof"));
    return RunCommand(args);
  }

  v1::Run GetRun(const std::string& run_id) {
    grpc::ClientContext context;
    Deadline(&context);
    v1::GetRunRequest req;
    req.set_run_id(run_id);
    v1::Run run;
    const grpc::Status status = scheduler_stub_->GetRun(&context, req, &run);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return run;
  }

  // The scheduler forwards to the store through its outbox, asynchronously: read the
  // store until the run is there, finished, with `results` results (bounded).
  sv1::RunDetail StoredRun(const std::string& run_id, int results) {
    sv1::RunDetail last_seen;
    std::optional<sv1::RunDetail> stored = WaitForFinishedRun(
        *store_stub_, run_id, results, /*include_evidence=*/true, absl::Seconds(30), &last_seen);
    if (stored) return *stored;
    ADD_FAILURE() << "run " << run_id << " never arrived finished in the store with " << results
                  << " results; last seen: " << last_seen.ShortDebugString();
    return last_seen;
  }

  TempDir dir_;
  TestCa ca_;
  CertAndKey server_cert_, client_cert_;
  std::unique_ptr<Lab> lab_;
  std::optional<ServiceProcess> store_;
  std::optional<ServiceProcess> scheduler_;
  std::string scheduler_config_;
  std::map<std::string, ServiceProcess> agents_;
  std::unique_ptr<v1::SchedulerService::Stub> scheduler_stub_;
  std::unique_ptr<sv1::ResultsStoreService::Stub> store_stub_;
};

TEST_F(EndToEndTest, TheSeedIngressTableThroughSchedulerAgentAndStore) {
  const CommandResult started = Cli({"run", "start", "10-ingress", "--vars-file", lab_->env_file(),
                                     "--wait", "--output", "json"});
  ASSERT_EQ(started.exit_code, 0) << started.out << started.err;
  const v1::Run run = FromJson<v1::Run>(started.out);
  EXPECT_EQ(run.state(), v1::RUN_STATE_PASSED) << run.reason();
  EXPECT_EQ(run.agent_id(), "lab-agent-1");
  EXPECT_EQ(run.trigger(), rv1::TRIGGER_MANUAL);

  const sv1::RunDetail stored = StoredRun(run.run_id(), 6);
  EXPECT_EQ(stored.run().verdict(), rv1::RUN_VERDICT_PASSED);
  EXPECT_EQ(stored.run().scenario(), "10-ingress");
  EXPECT_EQ(stored.run().scenario_version(), run.scenario_version());
  EXPECT_EQ(stored.run().cluster(), "lab");
  std::map<std::string, rv1::TestResult> results = ByTest(stored);
  EXPECT_EQ(results.size(), 6u);  // 2 preflight checks and 4 tests
  EXPECT_EQ(results["http-catch-all"].outcome().http().status_code(), 200u);
  EXPECT_EQ(results["path-match-status-418"].outcome().http().status_code(), 418u);
  EXPECT_EQ(results["unknown-host-404"].outcome().http().status_code(), 404u);
  const rv1::TestResult& tls = results["tls-termination"];
  EXPECT_EQ(tls.outcome().http().status_code(), 200u);
  EXPECT_THAT(tls.outcome().http().tls().peer_sans(), ::testing::Contains("httpbin.example.com"));
  for (const auto& [name, result] : results) {
    EXPECT_EQ(result.verdict(), rv1::TEST_VERDICT_PASS) << name << ": " << result.reason();
  }
  // The claims ledger travels with the run: C1 is confirmed by the ingress tests.
  bool c1_confirmed = false;
  for (const rv1::ClaimResult& claim : stored.claims()) {
    if (claim.id() == "C1") c1_confirmed = claim.verdict() == rv1::CLAIM_VERDICT_CONFIRMED;
  }
  EXPECT_TRUE(c1_confirmed);

  // The report people read is made from what the store holds.
  const CommandResult report = Cli({"report", run.run_id(), "--format", "md"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_THAT(report.out, HasSubstr("path-match-status-418"));
  EXPECT_THAT(report.out, HasSubstr("418"));
}

TEST_F(EndToEndTest, EgressWaitsForApprovalThenProvesTheGatewayAndTheSniFailure) {
  const std::string access_log = lab_->Get("EGRESS_ACCESS_LOG");
  ASSERT_FALSE(access_log.empty());
  const CommandResult started =
      Cli({"run", "start", "20-egress", "--vars-file", lab_->env_file(), "--output", "json"});
  ASSERT_EQ(started.exit_code, 0) << started.out << started.err;
  const v1::Run pending = FromJson<v1::Run>(started.out);
  ASSERT_EQ(pending.state(), v1::RUN_STATE_AWAITING_APPROVAL);

  // Waiting means waiting: many scheduler ticks later nothing has been assigned and no
  // probe has touched the egress gateway.
  const off_t log_before = FileSize(access_log);
  absl::SleepFor(absl::Seconds(1));
  const v1::Run still = GetRun(pending.run_id());
  EXPECT_EQ(still.state(), v1::RUN_STATE_AWAITING_APPROVAL);
  EXPECT_TRUE(still.agent_id().empty());
  EXPECT_EQ(FileSize(access_log), log_before);

  const CommandResult approved =
      Cli({"run", "approve", pending.run_id(), "--reason", "lab, no mesh-global state"});
  ASSERT_EQ(approved.exit_code, 0) << approved.out << approved.err;
  // The approved REGISTRY_ONLY test runs on a lab that is ALLOW_ANY and fails (below):
  // the run fails, and `watch` exits 1.
  const CommandResult watched = Cli({"run", "watch", pending.run_id(), "--output", "json"});
  ASSERT_EQ(watched.exit_code, 1) << watched.out << watched.err;
  const v1::Run run = FromJson<v1::Run>(watched.out);
  EXPECT_EQ(run.state(), v1::RUN_STATE_FAILED) << run.reason();
  EXPECT_EQ(run.approval().reason(), "lab, no mesh-global state");

  const sv1::RunDetail stored = StoredRun(run.run_id(), run.counts().total());
  EXPECT_EQ(stored.run().verdict(), rv1::RUN_VERDICT_FAILED);
  // The versions the agent read at the start of the run reached the store through the
  // scheduler: the lab's sidecar admin answers a recorded Envoy 1.15.0-dev; the lab has
  // no istiod, which is recorded as such, not as a version.
  EXPECT_EQ(stored.run().environment().envoy_version(), "1.15.0-dev");
  EXPECT_EQ(stored.run().environment().istio_version(), "");
  EXPECT_EQ(stored.run().environment().kind(), "lab");
  std::map<std::string, rv1::TestResult> results = ByTest(stored);

  const rv1::TestResult& through = results["egress-through-gateway"];
  EXPECT_EQ(through.verdict(), rv1::TEST_VERDICT_PASS) << through.reason();
  EXPECT_EQ(through.outcome().http().status_code(), 200u);
  int gateway_lines = 0;
  for (const rv1::Evidence& e : through.evidence()) {
    if (e.name() != "gateway-access-log") continue;
    for (const std::string& line : e.lines()) {
      EXPECT_THAT(line, HasSubstr("outbound|443||external.test"));
      ++gateway_lines;
    }
  }
  EXPECT_EQ(gateway_lines, 1) << "one connection, one access-log line";

  // The report carries that line as evidence under the table, as the seed report did.
  const CommandResult report = Cli({"report", run.run_id(), "--format", "md"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_THAT(report.out, HasSubstr("outbound|443||external.test"));
  EXPECT_THAT(
      report.out,
      HasSubstr("| Versions | Envoy 1.15.0-dev · Istio unknown (no istiod source configured"));

  const rv1::TestResult& sni = results["sni-mismatch-fails-at-tls"];
  EXPECT_EQ(sni.verdict(), rv1::TEST_VERDICT_PASS) << sni.reason();
  EXPECT_EQ(sni.outcome().failure().class_(), scenario::v1::FAILURE_CLASS_TLS_HANDSHAKE);
  EXPECT_EQ(sni.outcome().failure().curl_exit_code(), 35u);

  // The gated test ran because, and only because, the run was approved; the lab's outbound
  // policy is ALLOW_ANY, so its direct call to an unregistered host answered 200: FAIL.
  ASSERT_EQ(lab_->Get("OUTBOUND_POLICY"), "ALLOW_ANY");
  const rv1::TestResult& gated = results["registry-only-blocks-unregistered"];
  EXPECT_EQ(gated.verdict(), rv1::TEST_VERDICT_FAIL) << gated.reason();
  EXPECT_EQ(gated.outcome().http().status_code(), 200u);
  EXPECT_EQ(gated.attempts(), 1u);
  for (const auto& [name, result] : results) {
    if (name == "registry-only-blocks-unregistered" || name == "tls-origination-variant") continue;
    EXPECT_EQ(result.verdict(), rv1::TEST_VERDICT_PASS) << name << ": " << result.reason();
  }
}

TEST_F(EndToEndTest, ARejectedRunStillRunsButSkipsItsGatedTest) {
  const CommandResult started =
      Cli({"run", "start", "20-egress", "--vars-file", lab_->env_file(), "--output", "json"});
  ASSERT_EQ(started.exit_code, 0) << started.out << started.err;
  const v1::Run pending = FromJson<v1::Run>(started.out);
  const CommandResult rejected =
      Cli({"run", "reject", pending.run_id(), "--reason", "no change window"});
  ASSERT_EQ(rejected.exit_code, 0) << rejected.out << rejected.err;
  const CommandResult watched = Cli({"run", "watch", pending.run_id(), "--output", "json"});
  const v1::Run run = FromJson<v1::Run>(watched.out);
  EXPECT_EQ(run.state(), v1::RUN_STATE_PASSED) << run.reason();
  std::map<std::string, rv1::TestResult> results =
      ByTest(StoredRun(run.run_id(), run.counts().total()));
  const rv1::TestResult& gated = results["registry-only-blocks-unregistered"];
  EXPECT_EQ(gated.verdict(), rv1::TEST_VERDICT_SKIPPED);
  EXPECT_EQ(gated.attempts(), 0u);
  EXPECT_EQ(results["egress-through-gateway"].verdict(), rv1::TEST_VERDICT_PASS);
}

TEST_F(EndToEndTest, AnIntervalScheduleFiresOneRunPerIntervalAndEachLandsInTheStore) {
  std::vector<std::string> create = {"schedule",   "create",        "every-2s",
                                     "--scenario", "10-ingress",    "--every",
                                     "2s",         "--concurrency", "forbid"};
  for (const auto& [key, value] : lab_->env()) {
    create.push_back("--var");
    create.push_back(absl::StrCat(key, "=", value));
  }
  const CommandResult created = Cli(create);
  ASSERT_EQ(created.exit_code, 0) << created.out << created.err;

  // Three finished runs, then pause and compare what fired with what ran and was stored.
  std::vector<v1::Run> finished;
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (absl::Now() < give_up && finished.size() < 3) {
    grpc::ClientContext context;
    Deadline(&context);
    v1::ListRunsRequest req;
    req.set_schedule_id("every-2s");
    req.add_states(v1::RUN_STATE_PASSED);
    v1::ListRunsResponse resp;
    ASSERT_TRUE(scheduler_stub_->ListRuns(&context, req, &resp).ok());
    finished.assign(resp.runs().begin(), resp.runs().end());
    if (finished.size() < 3) absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_GE(finished.size(), 3u);
  const CommandResult paused = Cli({"schedule", "pause", "every-2s", "--output", "json"});
  ASSERT_EQ(paused.exit_code, 0) << paused.out << paused.err;
  const v1::Schedule schedule = FromJson<v1::Schedule>(paused.out);
  EXPECT_TRUE(schedule.paused());

  std::set<int64_t> fire_times;
  int started = 0;
  for (const v1::FireRecord& r : schedule.recent()) {
    if (r.outcome() == v1::FireRecord::OUTCOME_STARTED) ++started;
    fire_times.insert(absl::ToUnixSeconds(FromProtoTimestamp(r.fire_time())));
  }
  EXPECT_EQ(static_cast<int>(fire_times.size()), schedule.recent_size()) << "a fire time twice";
  // Consecutive fire times two seconds apart: no fire time skipped, none doubled.
  ASSERT_GE(fire_times.size(), 3u);
  int64_t previous = *fire_times.begin();
  for (auto it = std::next(fire_times.begin()); it != fire_times.end(); ++it) {
    EXPECT_EQ(*it - previous, 2) << "fire times " << previous << " and " << *it;
    previous = *it;
  }
  EXPECT_GE(started, 3);
  for (const v1::Run& run : finished) {
    EXPECT_EQ(run.trigger(), rv1::TRIGGER_SCHEDULE);
    const sv1::RunDetail stored = StoredRun(run.run_id(), 6);
    EXPECT_EQ(stored.run().verdict(), rv1::RUN_VERDICT_PASSED);
    EXPECT_EQ(stored.run().trigger(), rv1::TRIGGER_SCHEDULE);
  }
}

TEST_F(EndToEndTest, AnAgentKilledMidRunIsReplacedAndTheRunFinishesOnTheOther) {
  ASSERT_NO_FATAL_FAILURE(StartAgent("lab-agent-2"));
  // One slow call to the upstream (httpbin's /delay; the gateway's catch-all would send it
  // to /anything, which answers at once) keeps the run in flight long enough to kill the
  // agent that holds it.
  const std::string slow = dir_.WriteFile("slow.yaml", R"(apiVersion: meshproof/v1
kind: Scenario
name: slow-ingress
team: platform
target: {namespace: mesh-test}
tests:
  - name: quick
    http:
      url: "http://${INGRESS_HOST}:${INGRESS_HTTP_PORT}/get"
      headers: {Host: "${ROUTE_HOST}"}
    expect: {status: 200}
  - name: slow
    http:
      url: "${HTTPBIN_URL}/delay/3"
    expect: {status: 200}
)");
  ASSERT_EQ(Cli({"scenario", "submit", slow}).exit_code, 0);
  const CommandResult started =
      Cli({"run", "start", "slow-ingress", "--vars-file", lab_->env_file(), "--output", "json"});
  ASSERT_EQ(started.exit_code, 0) << started.out << started.err;
  const std::string run_id = FromJson<v1::Run>(started.out).run_id();

  std::string holder;
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (absl::Now() < give_up && holder.empty()) {
    const v1::Run run = GetRun(run_id);
    if (run.state() == v1::RUN_STATE_RUNNING)
      holder = run.agent_id();
    else
      absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_FALSE(holder.empty()) << "the run never started";
  agents_.at(holder).Kill();

  const CommandResult watched = Cli({"run", "watch", run_id, "--output", "json"});
  ASSERT_EQ(watched.exit_code, 0) << watched.out << watched.err;
  const v1::Run run = FromJson<v1::Run>(watched.out);
  EXPECT_EQ(run.state(), v1::RUN_STATE_PASSED) << run.reason();
  EXPECT_EQ(run.attempt(), 2u);
  EXPECT_NE(run.agent_id(), holder);
  const sv1::RunDetail stored = StoredRun(run_id, 2);
  EXPECT_EQ(stored.run().latest_attempt(), 2u);
  EXPECT_EQ(stored.results_size(), 2) << "only the finishing attempt's results, once each";
}

TEST_F(EndToEndTest, AnAgentStoppedGracefullyHandsItsRunBackAndTheOtherFinishesIt) {
  ASSERT_NO_FATAL_FAILURE(StartAgent("lab-agent-2"));
  // "quick" is decided before the stop; the stop lands while "slow" waits on httpbin's
  // /delay. Each test's path is its own, so httpbin's access log counts how often it ran.
  const std::string scenario = dir_.WriteFile("handback.yaml", R"(apiVersion: meshproof/v1
kind: Scenario
name: handback
team: platform
target: {namespace: mesh-test}
tests:
  - name: quick
    http:
      url: "${HTTPBIN_URL}/anything/handback-quick"
    expect: {status: 200}
  - name: slow
    http:
      url: "${HTTPBIN_URL}/delay/3"
    expect: {status: 200}
  - name: after
    http:
      url: "${HTTPBIN_URL}/anything/handback-after"
    expect: {status: 200}
)");
  ASSERT_EQ(Cli({"scenario", "submit", scenario}).exit_code, 0);
  const CommandResult started =
      Cli({"run", "start", "handback", "--vars-file", lab_->env_file(), "--output", "json"});
  ASSERT_EQ(started.exit_code, 0) << started.out << started.err;
  const std::string run_id = FromJson<v1::Run>(started.out).run_id();

  grpc::ClientContext watch_context;
  Deadline(&watch_context, absl::Seconds(60));
  v1::WatchRunRequest watch_request;
  watch_request.set_run_id(run_id);
  std::unique_ptr<grpc::ClientReader<v1::RunEvent>> watch =
      scheduler_stub_->WatchRun(&watch_context, watch_request);
  v1::RunEvent event;
  std::string holder;
  bool quick_recorded = false;
  while (!quick_recorded && watch->Read(&event)) {
    if (event.has_run() && event.run().state() == v1::RUN_STATE_RUNNING)
      holder = event.run().agent_id();
    if (event.has_result() && event.result().test() == "quick") quick_recorded = true;
  }
  ASSERT_TRUE(quick_recorded) << "the first test's result never arrived";
  ASSERT_FALSE(holder.empty());

  // The stop: SIGTERM, as an orchestrator sends it. The agent hands the run back and the
  // scheduler gives it to the other agent at once, long before the lease could expire.
  const absl::Time stopped_at = absl::Now();
  absl::StatusOr<int> exit_code = agents_.at(holder).Terminate();
  std::string moved_to, handback_reason;
  absl::Time moved_at = absl::InfiniteFuture();
  std::map<std::string, int> results_seen = {{"quick", 1}};
  v1::Run last;
  while (watch->Read(&event)) {
    if (event.has_result()) ++results_seen[event.result().test()];
    if (!event.has_run()) continue;
    last = event.run();
    if (last.state() == v1::RUN_STATE_QUEUED && handback_reason.empty())
      handback_reason = last.reason();
    if (last.state() == v1::RUN_STATE_RUNNING && last.agent_id() != holder && moved_to.empty()) {
      moved_to = last.agent_id();
      moved_at = absl::Now();
    }
  }
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
  EXPECT_THAT(handback_reason, HasSubstr("handed the run back"));
  ASSERT_FALSE(moved_to.empty()) << "the run never moved to the other agent";
  EXPECT_LT(moved_at - stopped_at, absl::Seconds(2))
      << "moved after " << absl::FormatDuration(moved_at - stopped_at);
  EXPECT_EQ(last.state(), v1::RUN_STATE_PASSED) << last.reason();
  EXPECT_EQ(last.attempt(), 1u) << "a hand-back uses no attempt";
  EXPECT_EQ(results_seen, (std::map<std::string, int>{{"quick", 1}, {"slow", 1}, {"after", 1}}));

  // The test decided before the stop ran once: the second agent did not repeat it.
  const std::string access = ::meshproof::testing::ReadFileOrEmpty(lab_->Get("HTTPBIN_ACCESS_LOG"));
  size_t quick_calls = 0;
  for (size_t at = access.find("handback-quick"); at != std::string::npos;
       at = access.find("handback-quick", at + 1))
    ++quick_calls;
  EXPECT_EQ(quick_calls, 1u) << access;

  const sv1::RunDetail stored = StoredRun(run_id, 3);
  EXPECT_EQ(stored.results_size(), 3) << "each test once";
  const std::map<std::string, rv1::TestResult> by_test = ByTest(stored);
  for (const char* test : {"quick", "slow", "after"}) {
    ASSERT_EQ(by_test.count(test), 1u) << test;
    EXPECT_EQ(by_test.at(test).verdict(), rv1::TEST_VERDICT_PASS) << test;
  }
}

TEST_F(EndToEndTest, RunWatchFollowsARunAcrossAGracefulSchedulerRestart) {
  const std::string scenario = dir_.WriteFile("restart.yaml", R"(apiVersion: meshproof/v1
kind: Scenario
name: across-restart
team: platform
target: {namespace: mesh-test}
tests:
  - name: before
    http:
      url: "${HTTPBIN_URL}/anything/restart-before"
    expect: {status: 200}
  - name: during
    http:
      url: "${HTTPBIN_URL}/delay/3"
    expect: {status: 200}
  - name: after
    http:
      url: "${HTTPBIN_URL}/anything/restart-after"
    expect: {status: 200}
)");
  ASSERT_EQ(Cli({"scenario", "submit", scenario}).exit_code, 0);
  const CommandResult started =
      Cli({"run", "start", "across-restart", "--vars-file", lab_->env_file(), "--output", "json"});
  ASSERT_EQ(started.exit_code, 0) << started.out << started.err;
  const std::string run_id = FromJson<v1::Run>(started.out).run_id();

  // The watch is a real CLI process; its output goes to a file the test can read while it
  // runs, so the restart happens only once the watch has shown the first result.
  const std::string shown = dir_.File("watch.out");
  CommandResult watched;
  std::thread watcher([&] {
    watched = RunCommand({"/bin/sh", "-c", absl::StrCat("exec \"$0\" run watch \"$1\" >\"$2\""),
                          BinaryPath("meshproof"), run_id, shown});
  });
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (absl::Now() < give_up &&
         ::meshproof::testing::ReadFileOrEmpty(shown).find(" before ") == std::string::npos) {
    absl::SleepFor(absl::Milliseconds(20));  // another process's output: nothing to wait on
  }
  const bool first_shown =
      ::meshproof::testing::ReadFileOrEmpty(shown).find(" before ") != std::string::npos;
  EXPECT_TRUE(first_shown) << "the watch never showed the first result";

  // A graceful restart while "during" is in flight: same port, same database.
  const std::string address = scheduler_->address();
  absl::StatusOr<int> stopped = scheduler_->Terminate();
  scheduler_.reset();
  StartScheduler(address);
  watcher.join();
  ASSERT_TRUE(first_shown);
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_EQ(*stopped, 0);

  const std::string out = ::meshproof::testing::ReadFileOrEmpty(shown);
  EXPECT_EQ(watched.exit_code, 0) << out << watched.err;
  // Each result exactly once, though the restarted scheduler's stream begins with every
  // result so far.
  for (const char* test : {"before", "during", "after"}) {
    size_t lines = 0;
    for (absl::string_view line : absl::StrSplit(out, '\n')) {
      const std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (words.size() >= 2 && words[0] == "PASS" && words[1] == test) ++lines;
    }
    EXPECT_EQ(lines, 1u) << test << " in:\n" << out;
  }
  EXPECT_THAT(out, HasSubstr(absl::StrCat("run ", run_id, " PASSED")));
  EXPECT_EQ(GetRun(run_id).state(), v1::RUN_STATE_PASSED);
}

}  // namespace
}  // namespace meshproof::e2e
