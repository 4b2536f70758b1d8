// Every service binary: --help works, --listen with port 0 prints the chosen address,
// health (for "" and each service's full name) and reflection answer over a real socket, SIGTERM
// exits 0, bad flags exit 2, and an address other hosts can reach is refused without tokens unless
// --insecure-open.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/common/auth/token_hash.h"
#include "tests/testing/metrics_scrape.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace meshproof {
namespace {

using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::RunCommand;
using ::meshproof::testing::ServiceProcess;

class ServiceBinaryTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ServiceBinaryTest, HelpExitsZeroAndNamesListenFlag) {
  auto result = RunCommand({BinaryPath(GetParam()), "--help"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.out.find("--listen"), std::string::npos) << result.out;
}

TEST_P(ServiceBinaryTest, UnknownFlagExitsTwo) {
  auto result = RunCommand({BinaryPath(GetParam()), "--no-such-flag"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
}

TEST_P(ServiceBinaryTest, ServesHealthAndStopsOnSigterm) {
  testing::TempDir dir;
  std::vector<std::string> args = {"--listen", "127.0.0.1:0"};
  if (GetParam() != "meshproof-agent") {
    args.push_back("--db");
    args.push_back(dir.File("x.db"));
  }
  auto process = ServiceProcess::Start(BinaryPath(GetParam()), args, dir.File("log"));
  ASSERT_TRUE(process.ok()) << process.status() << testing::ReadFileOrEmpty(dir.File("log"));

  auto channel = grpc::CreateChannel(process->address(), grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  auto code = process->Terminate();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

// The flags a binary needs besides --listen to start in `dir`.
std::vector<std::string> BaseArgs(const std::string& binary, const testing::TempDir& dir) {
  if (binary == "meshproof-agent") return {};
  return {"--db", dir.File("x.db")};
}

TEST_P(ServiceBinaryTest, ANonLoopbackAddressWithoutTokensIsRefused) {
  testing::TempDir dir;
  // Bounded: a binary that wrongly starts serving is stopped (exit 124), and fails below.
  std::vector<std::string> args = {"/usr/bin/timeout", "20", BinaryPath(GetParam()), "--listen",
                                   "0.0.0.0:0"};
  for (const std::string& a : BaseArgs(GetParam(), dir)) args.push_back(a);
  auto result = RunCommand(args);
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("--listen 0.0.0.0:0: this address is reachable from other hosts"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("--insecure-open"), std::string::npos) << result.err;
  EXPECT_EQ(result.out.find("listening on"), std::string::npos) << result.out;

  args[4] = "[::]:0";
  EXPECT_EQ(RunCommand(args).exit_code, 2);
}

// With tokens, or with the operator's explicit --insecure-open, the same address serves.
TEST_P(ServiceBinaryTest, ANonLoopbackAddressServesWithTokensOrInsecureOpen) {
  testing::TempDir dir;
  const std::string tokens = dir.WriteFile(
      "tokens.yaml", absl::StrCat("tokens:\n  - name: ops\n    roles: [admin]\n    sha256: ",
                                  auth::HashToHex(auth::HashToken("mpt-ops-0123456789")), "\n"));
  for (const std::vector<std::string>& extra : {std::vector<std::string>{"--tokens", tokens},
                                                std::vector<std::string>{"--insecure-open"}}) {
    std::vector<std::string> args = {"--listen", "0.0.0.0:0"};
    for (const std::string& a : BaseArgs(GetParam(), dir)) args.push_back(a);
    args.insert(args.end(), extra.begin(), extra.end());
    const std::string log = dir.File(extra[0] == "--tokens" ? "tokens.log" : "open.log");
    auto process = ServiceProcess::Start(BinaryPath(GetParam()), args, log);
    ASSERT_TRUE(process.ok()) << extra[0] << ": " << process.status()
                              << testing::ReadFileOrEmpty(log);
    auto code = process->Terminate();
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_EQ(*code, 0);
    if (extra[0] == "--insecure-open") {
      EXPECT_NE(testing::ReadFileOrEmpty(log).find("--insecure-open: serving 0.0.0.0"),
                std::string::npos);
    }
  }
}

// /metrics is off unless asked for; asked for on loopback, it answers over a real socket,
// and a second process on the same metrics port fails to start instead of sharing it.
TEST_P(ServiceBinaryTest, MetricsListenerOnlyWhenAskedAndItsPortIsItsOwn) {
  testing::TempDir dir;
  std::vector<std::string> plain = {"--listen", "127.0.0.1:0"};
  for (const std::string& a : BaseArgs(GetParam(), dir)) plain.push_back(a);
  {
    auto process = ServiceProcess::Start(BinaryPath(GetParam()), plain, dir.File("off.log"));
    ASSERT_TRUE(process.ok()) << process.status();
    EXPECT_FALSE(testing::MetricsAddressFromLog(dir.File("off.log")).ok());
    ASSERT_TRUE(process->Terminate().ok());
  }
  std::vector<std::string> args = plain;
  args.insert(args.end(), {"--metrics-listen", "127.0.0.1:0"});
  auto process = ServiceProcess::Start(BinaryPath(GetParam()), args, dir.File("on.log"));
  ASSERT_TRUE(process.ok()) << process.status();
  absl::StatusOr<std::string> address = testing::MetricsAddressFromLog(dir.File("on.log"));
  ASSERT_TRUE(address.ok()) << address.status();
  auto answer = testing::HttpGet(*address, "/metrics");
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->status, 200);
  EXPECT_NE(answer->body.find("# TYPE meshproof_metrics_series_overflow_total counter"),
            std::string::npos)
      << answer->body;

  testing::TempDir other;
  std::vector<std::string> second = {
      "/usr/bin/timeout", "20",    BinaryPath(GetParam()), "--listen", "127.0.0.1:0",
      "--metrics-listen", *address};
  for (const std::string& a : BaseArgs(GetParam(), other)) second.push_back(a);
  auto refused = RunCommand(second);
  EXPECT_EQ(refused.exit_code, 3) << refused.err;
  EXPECT_NE(refused.err.find("--metrics-listen: cannot listen on " + *address), std::string::npos)
      << refused.err;
  auto code = process->Terminate();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

// /metrics has no tokens: even a service whose API needs tokens refuses to serve its
// metrics to other hosts without --metrics-open. A value that is not HOST:PORT is refused.
TEST_P(ServiceBinaryTest, MetricsOnANonLoopbackAddressNeedMetricsOpen) {
  testing::TempDir dir;
  const std::string tokens = dir.WriteFile(
      "tokens.yaml", absl::StrCat("tokens:\n  - name: ops\n    roles: [admin]\n    sha256: ",
                                  auth::HashToHex(auth::HashToken("mpt-ops-0123456789")), "\n"));
  for (const std::string& value : {std::string("0.0.0.0:0"), std::string("nonsense")}) {
    std::vector<std::string> args = {
        "/usr/bin/timeout", "20",   BinaryPath(GetParam()), "--listen", "127.0.0.1:0",
        "--tokens",         tokens, "--metrics-listen",     value};
    for (const std::string& a : BaseArgs(GetParam(), dir)) args.push_back(a);
    auto result = RunCommand(args);
    EXPECT_EQ(result.exit_code, 2) << value << ": " << result.err;
    EXPECT_NE(result.err.find("--metrics-listen"), std::string::npos) << result.err;
    if (value == "0.0.0.0:0") {
      EXPECT_NE(result.err.find("reachable from other hosts"), std::string::npos) << result.err;
      EXPECT_NE(result.err.find("--metrics-open"), std::string::npos) << result.err;
    }
  }
}

// --metrics-open opens /metrics and nothing else: with it the metrics serve other hosts,
// but an API on an address other hosts can reach still needs tokens.
TEST_P(ServiceBinaryTest, MetricsOpenLeavesTheApiTokensCheckInPlace) {
  testing::TempDir dir;
  std::vector<std::string> open_api = {
      "/usr/bin/timeout", "20",        BinaryPath(GetParam()), "--listen", "0.0.0.0:0",
      "--metrics-listen", "0.0.0.0:0", "--metrics-open"};
  for (const std::string& a : BaseArgs(GetParam(), dir)) open_api.push_back(a);
  auto refused = RunCommand(open_api);
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("--listen 0.0.0.0:0"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("no --tokens"), std::string::npos) << refused.err;

  const std::string tokens = dir.WriteFile(
      "tokens.yaml", absl::StrCat("tokens:\n  - name: ops\n    roles: [admin]\n    sha256: ",
                                  auth::HashToHex(auth::HashToken("mpt-ops-0123456789")), "\n"));
  std::vector<std::string> args = {"--listen",         "127.0.0.1:0", "--tokens",      tokens,
                                   "--metrics-listen", "0.0.0.0:0",   "--metrics-open"};
  for (const std::string& a : BaseArgs(GetParam(), dir)) args.push_back(a);
  auto process = ServiceProcess::Start(BinaryPath(GetParam()), args, dir.File("open.log"));
  ASSERT_TRUE(process.ok()) << process.status();
  absl::StatusOr<std::string> address = testing::MetricsAddressFromLog(dir.File("open.log"));
  ASSERT_TRUE(address.ok()) << address.status();
  EXPECT_EQ(address->rfind("0.0.0.0:", 0), 0u) << *address;
  const std::string port = address->substr(address->rfind(':') + 1);
  auto answer = testing::HttpGet("127.0.0.1:" + port, "/metrics");
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->status, 200);
  auto code = process->Terminate();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

// Every service reads its --config through the same strict reader: an unknown key stops it
// before it listens, naming the file, line and column.
TEST_P(ServiceBinaryTest, AnUnknownConfigurationKeyIsRefusedWithItsPlace) {
  testing::TempDir dir;
  const std::string config = dir.WriteFile("service.yaml", "listen: 127.0.0.1:0\nlissen: x\n");
  std::vector<std::string> args = {"/usr/bin/timeout", "20", BinaryPath(GetParam()), "--config",
                                   config};
  for (const std::string& a : BaseArgs(GetParam(), dir)) args.push_back(a);
  auto result = RunCommand(args);
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find(config + ":2:1: unknown key \"lissen\""), std::string::npos)
      << result.err;
  EXPECT_EQ(result.out.find("listening on"), std::string::npos) << result.out;
}

// The shared keys mean the same in every service: `listen` and `log_level` from the file.
TEST_P(ServiceBinaryTest, SharedKeysComeFromTheConfigurationFile) {
  testing::TempDir dir;
  const std::string config =
      dir.WriteFile("service.yaml", "listen: 127.0.0.1:0\nlog_level: debug\n");
  std::vector<std::string> args = {"--config", config};
  for (const std::string& a : BaseArgs(GetParam(), dir)) args.push_back(a);
  auto process = ServiceProcess::Start(BinaryPath(GetParam()), args, dir.File("log"));
  ASSERT_TRUE(process.ok()) << process.status() << testing::ReadFileOrEmpty(dir.File("log"));
  EXPECT_EQ(process->address().rfind("127.0.0.1:", 0), 0u) << process->address();
  auto code = process->Terminate();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);

  auto bad = RunCommand(
      {BinaryPath(GetParam()), "--config", dir.WriteFile("bad.yaml", "log_level: loud\n")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("bad.yaml:1:12: log_level: expected debug, info, warning or error"),
            std::string::npos)
      << bad.err;
}

// Calls health Check at `address` with one request header of `bytes` bytes.
grpc::Status CheckWithHeader(const std::string& address, size_t bytes) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  context.AddMetadata("x-padding", std::string(bytes, 'a'));
  grpc::health::v1::HealthCheckResponse response;
  return grpc::health::v1::Health::NewStub(channel)->Check(&context, {}, &response);
}

// The plaintext health listener is as reachable as the main one and has no tokens: it
// applies the same bounds (server_limits.h). Headers up to kMaxMetadataBytes (16 KiB,
// above gRPC's own 8 KiB default) pass on both; larger ones are refused on both.
TEST_P(ServiceBinaryTest, ThePlaintextHealthListenerHasTheMainListenersBounds) {
  testing::TempDir dir;
  std::vector<std::string> args = {"--listen", "127.0.0.1:0", "--health-listen", "127.0.0.1:0"};
  for (const std::string& a : BaseArgs(GetParam(), dir)) args.push_back(a);
  auto process = ServiceProcess::Start(BinaryPath(GetParam()), args, dir.File("log"));
  ASSERT_TRUE(process.ok()) << process.status() << testing::ReadFileOrEmpty(dir.File("log"));
  // The chosen port is in the log, written before "listening on".
  const std::string log = testing::ReadFileOrEmpty(dir.File("log"));
  const std::string marker = "health (plaintext) on ";
  const size_t at = log.find(marker);
  ASSERT_NE(at, std::string::npos) << log;
  const std::string health =
      log.substr(at + marker.size(), log.find('\n', at) - at - marker.size());
  for (const std::string& address : {process->address(), health}) {
    const grpc::Status within = CheckWithHeader(address, 12 << 10);
    EXPECT_TRUE(within.ok()) << address << ": " << within.error_message();
    EXPECT_FALSE(CheckWithHeader(address, 32 << 10).ok()) << address;
  }
  auto code = process->Terminate();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

// The full names of the services `binary` registers (the protos' package + service).
std::vector<std::string> ServiceNames(const std::string& binary) {
  if (binary == "meshproof-store") return {"meshproof.store.v1.ResultsStoreService"};
  if (binary == "meshproof-agent") return {"meshproof.agent.v1.ProbeAgentService"};
  return {"meshproof.scheduler.v1.SchedulerService", "meshproof.scheduler.v1.AgentGatewayService"};
}

// Calls health Check for `service` at `address`; the status, and the answer when OK.
grpc::Status CheckService(const std::string& address, const std::string& service,
                          grpc::health::v1::HealthCheckResponse* response) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  return grpc::health::v1::Health::NewStub(channel)->Check(&context, request, response);
}

// Health answers for the whole server and for each service by its full name, on the main
// listener and on the plaintext one; a name the binary does not serve is NOT_FOUND.
TEST_P(ServiceBinaryTest, HealthAnswersForEachServiceName) {
  testing::TempDir dir;
  std::vector<std::string> args = {"--listen", "127.0.0.1:0", "--health-listen", "127.0.0.1:0"};
  for (const std::string& a : BaseArgs(GetParam(), dir)) args.push_back(a);
  auto process = ServiceProcess::Start(BinaryPath(GetParam()), args, dir.File("log"));
  ASSERT_TRUE(process.ok()) << process.status() << testing::ReadFileOrEmpty(dir.File("log"));
  const std::string log = testing::ReadFileOrEmpty(dir.File("log"));
  const std::string marker = "health (plaintext) on ";
  const size_t at = log.find(marker);
  ASSERT_NE(at, std::string::npos) << log;
  const std::string health =
      log.substr(at + marker.size(), log.find('\n', at) - at - marker.size());
  for (const std::string& address : {process->address(), health}) {
    std::vector<std::string> names = ServiceNames(GetParam());
    names.push_back("");
    for (const std::string& name : names) {
      grpc::health::v1::HealthCheckResponse response;
      const grpc::Status status = CheckService(address, name, &response);
      ASSERT_TRUE(status.ok()) << address << " \"" << name << "\": " << status.error_message();
      EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING)
          << address << " \"" << name << "\"";
    }
    for (const std::string& unknown :
         {std::string("meshproof.nothing.v1.NoService"), std::string("grpc.health.v1.Health"),
          ServiceNames(GetParam())[0] + "x"}) {
      grpc::health::v1::HealthCheckResponse response;
      EXPECT_EQ(CheckService(address, unknown, &response).error_code(), grpc::StatusCode::NOT_FOUND)
          << address << " " << unknown;
    }
  }
  auto code = process->Terminate();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

// Watchers of each service name see SERVING, then NOT_SERVING as soon as SIGTERM arrives,
// before the server stops: load balancers move away while calls still drain.
TEST_P(ServiceBinaryTest, EachServiceNameTurnsNotServingOnSigterm) {
  testing::TempDir dir;
  std::vector<std::string> args = {"--listen", "127.0.0.1:0"};
  for (const std::string& a : BaseArgs(GetParam(), dir)) args.push_back(a);
  auto process = ServiceProcess::Start(BinaryPath(GetParam()), args, dir.File("log"));
  ASSERT_TRUE(process.ok()) << process.status() << testing::ReadFileOrEmpty(dir.File("log"));
  auto channel = grpc::CreateChannel(process->address(), grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);

  std::vector<std::string> names = ServiceNames(GetParam());
  names.push_back("");
  struct Watch {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<grpc::health::v1::HealthCheckResponse>> reader;
  };
  std::vector<std::unique_ptr<Watch>> watches;
  for (const std::string& name : names) {
    auto watch = std::make_unique<Watch>();
    watch->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(name);
    watch->reader = stub->Watch(&watch->context, request);
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(watch->reader->Read(&response)) << "\"" << name << "\"";
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING)
        << "\"" << name << "\"";
    watches.push_back(std::move(watch));
  }
  ASSERT_EQ(kill(process->pid(), SIGTERM), 0);
  for (size_t i = 0; i < watches.size(); ++i) {
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(watches[i]->reader->Read(&response)) << "\"" << names[i] << "\"";
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::NOT_SERVING)
        << "\"" << names[i] << "\"";
    // An open watch is an in-flight call: end it so the drain need not wait for it.
    watches[i]->context.TryCancel();
    watches[i]->reader->Finish();
  }
  auto code = process->Terminate();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

INSTANTIATE_TEST_SUITE_P(AllServices, ServiceBinaryTest,
                         ::testing::Values("meshproof-store", "meshproof-agent",
                                           "meshproof-scheduler"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
}  // namespace meshproof
