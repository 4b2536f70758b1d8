// TLS with the real service binaries and the real handshake: meshproof-store (the
// simplest service; every service listens through the same ServerAuthForTokens) started
// with --tls-cert/--tls-key/--tls-client-ca and dialled with MakeClientChannel; the
// meshproof CLI and meshproof-scheduler refusing a token in plaintext to a non-loopback
// address before any connection is made.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <stdio.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "meshproof/store/v1/store.grpc.pb.h"
#include "services/common/client_channel.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/tls_pki.h"

namespace meshproof {
namespace {

using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::CertAndKey;
using ::meshproof::testing::CommandResult;
using ::meshproof::testing::RunCommand;
using ::meshproof::testing::ServiceProcess;
using ::meshproof::testing::TempDir;
using ::meshproof::testing::TestCa;
using ::testing::HasSubstr;

// An address no test may send traffic to; the refusals below happen before dialling.
constexpr char kRemote[] = "198.51.100.7:7001";

class TlsBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto a = TestCa::Create(dir_, "a");
    auto b = TestCa::Create(dir_, "b");
    ASSERT_TRUE(a.ok() && b.ok()) << a.status() << b.status();
    ca_a_ = *a;
    ca_b_ = *b;
  }
  void TearDown() override {
    if (HasFailure())
      std::cerr << meshproof::testing::ReadFileOrEmpty(dir_.File("store.log")) << "\n";
  }

  // Starts the store with `extra` flags.
  void StartStore(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"--listen", "127.0.0.1:0", "--db", dir_.File("store.db")};
    args.insert(args.end(), extra.begin(), extra.end());
    auto store = ServiceProcess::Start(BinaryPath("meshproof-store"), args, dir_.File("store.log"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_.emplace(std::move(*store));
  }
  std::vector<std::string> ServerFlags(const CertAndKey& cert) {
    return {"--tls-cert", cert.cert_file, "--tls-key", cert.key_file};
  }

  // One health check over a new channel (so a new connection and handshake).
  grpc::Status Check(const ClientTlsOptions& tls) {
    ClientChannelOptions options;
    options.target = store_->address();
    options.tls = tls;
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeClientChannel(options);
    if (!channel.ok())
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          std::string(channel.status().message()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::health::v1::HealthCheckResponse response;
    return grpc::health::v1::Health::NewStub(*channel)->Check(&context, {}, &response);
  }
  ClientTlsOptions Trusting(const TestCa& ca) {
    ClientTlsOptions tls;
    tls.ca_file = ca.ca_file();
    return tls;
  }

  TempDir dir_;
  TestCa ca_a_, ca_b_;
  std::optional<ServiceProcess> store_;
};

TEST_F(TlsBinaryTest, ATlsServerRefusesAPlaintextClientAndServesATrustingOne) {
  auto cert = ca_a_.IssueServer("store", "IP:127.0.0.1");
  ASSERT_TRUE(cert.ok()) << cert.status();
  StartStore(ServerFlags(*cert));
  EXPECT_EQ(Check(ClientTlsOptions{}).error_code(), grpc::StatusCode::UNAVAILABLE);
  const grpc::Status ok = Check(Trusting(ca_a_));
  EXPECT_TRUE(ok.ok()) << ok.error_message();
}

TEST_F(TlsBinaryTest, TheConfigurationFileTurnsTlsOnWithTheFlagsKeyNames) {
  auto cert = ca_a_.IssueServer("store", "IP:127.0.0.1");
  ASSERT_TRUE(cert.ok()) << cert.status();
  const std::string config = dir_.WriteFile(
      "store.yaml",
      absl::StrCat("tls_cert: ", cert->cert_file, "\ntls_key: ", cert->key_file, "\n"));
  StartStore({"--config", config});
  EXPECT_EQ(Check(ClientTlsOptions{}).error_code(), grpc::StatusCode::UNAVAILABLE);
  const grpc::Status ok = Check(Trusting(ca_a_));
  EXPECT_TRUE(ok.ok()) << ok.error_message();
}

TEST_F(TlsBinaryTest, TheHealthListenerServesOnlyHealthInPlaintext) {
  auto cert = ca_a_.IssueServer("store", "IP:127.0.0.1");
  ASSERT_TRUE(cert.ok()) << cert.status();
  std::vector<std::string> flags = ServerFlags(*cert);
  flags.insert(flags.end(), {"--health-listen", "127.0.0.1:0"});
  StartStore(flags);
  // The chosen port is in the log, written before "listening on".
  const std::string log = meshproof::testing::ReadFileOrEmpty(dir_.File("store.log"));
  const std::string marker = "health (plaintext) on ";
  const size_t at = log.find(marker);
  ASSERT_NE(at, std::string::npos) << log;
  const std::string address =
      log.substr(at + marker.size(), log.find('\n', at) - at - marker.size());
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::health::v1::HealthCheckResponse response;
    const grpc::Status status =
        grpc::health::v1::Health::NewStub(channel)->Check(&context, {}, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  }
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  store::v1::ListRunsResponse runs;
  EXPECT_EQ(
      store::v1::ResultsStoreService::NewStub(channel)->ListRuns(&context, {}, &runs).error_code(),
      grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(TlsBinaryTest, AClientTrustingAnotherCaFails) {
  auto cert = ca_a_.IssueServer("store", "IP:127.0.0.1");
  ASSERT_TRUE(cert.ok()) << cert.status();
  StartStore(ServerFlags(*cert));
  EXPECT_EQ(Check(Trusting(ca_b_)).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsBinaryTest, MutualTlsRefusesClientsWithoutACertificateFromItsCa) {
  auto cert = ca_a_.IssueServer("store", "IP:127.0.0.1");
  auto good = ca_a_.IssueClient("scheduler");
  auto foreign = ca_b_.IssueClient("mallory");
  ASSERT_TRUE(cert.ok() && good.ok() && foreign.ok());
  std::vector<std::string> flags = ServerFlags(*cert);
  flags.insert(flags.end(), {"--tls-client-ca", ca_a_.ca_file()});
  StartStore(flags);

  EXPECT_EQ(Check(Trusting(ca_a_)).error_code(), grpc::StatusCode::UNAVAILABLE)
      << "no client certificate";
  ClientTlsOptions with_foreign = Trusting(ca_a_);
  with_foreign.cert_file = foreign->cert_file;
  with_foreign.key_file = foreign->key_file;
  EXPECT_EQ(Check(with_foreign).error_code(), grpc::StatusCode::UNAVAILABLE)
      << "certificate from another CA";
  ClientTlsOptions with_good = Trusting(ca_a_);
  with_good.cert_file = good->cert_file;
  with_good.key_file = good->key_file;
  const grpc::Status ok = Check(with_good);
  EXPECT_TRUE(ok.ok()) << ok.error_message();
}

TEST_F(TlsBinaryTest, TheServerNameOverrideIsWhatTheCertificateIsCheckedAgainst) {
  auto cert = ca_a_.IssueServer("store", "DNS:store.meshproof.test");
  ASSERT_TRUE(cert.ok()) << cert.status();
  StartStore(ServerFlags(*cert));
  EXPECT_EQ(Check(Trusting(ca_a_)).error_code(), grpc::StatusCode::UNAVAILABLE)
      << "127.0.0.1 is not in the certificate";
  ClientTlsOptions wrong = Trusting(ca_a_);
  wrong.server_name = "other.meshproof.test";
  EXPECT_EQ(Check(wrong).error_code(), grpc::StatusCode::UNAVAILABLE);
  ClientTlsOptions named = Trusting(ca_a_);
  named.server_name = "store.meshproof.test";
  const grpc::Status ok = Check(named);
  EXPECT_TRUE(ok.ok()) << ok.error_message();
}

TEST_F(TlsBinaryTest, ACertificateReplacedOnDiskServesTheNextConnectionWithoutRestart) {
  auto first = ca_a_.IssueServer("first", "IP:127.0.0.1");
  auto second = ca_b_.IssueServer("second", "IP:127.0.0.1");
  ASSERT_TRUE(first.ok() && second.ok());
  const std::string cert_file = dir_.File("served.pem"), key_file = dir_.File("served.key");
  ASSERT_EQ(std::system(absl::StrCat("cp ", first->cert_file, " ", cert_file, " && cp ",
                                     first->key_file, " ", key_file)
                            .c_str()),
            0);
  StartStore({"--tls-cert", cert_file, "--tls-key", key_file});
  const pid_t pid = store_->pid();
  ASSERT_TRUE(Check(Trusting(ca_a_)).ok());
  ASSERT_EQ(Check(Trusting(ca_b_)).error_code(), grpc::StatusCode::UNAVAILABLE);

  // Replace both files the way a Secret update does: whole files, renamed into place.
  ASSERT_EQ(std::system(absl::StrCat("cp ", second->key_file, " ", key_file, ".new && cp ",
                                     second->cert_file, " ", cert_file, ".new && mv ", key_file,
                                     ".new ", key_file, " && mv ", cert_file, ".new ", cert_file)
                            .c_str()),
            0);
  const absl::Time give_up = absl::Now() + absl::Seconds(15);
  grpc::Status renewed;
  while (absl::Now() < give_up) {
    renewed = Check(Trusting(ca_b_));
    if (renewed.ok()) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(renewed.ok()) << renewed.error_message();
  EXPECT_EQ(Check(Trusting(ca_a_)).error_code(), grpc::StatusCode::UNAVAILABLE)
      << "the old certificate is gone";
  EXPECT_EQ(store_->pid(), pid);
  EXPECT_EQ(kill(pid, 0), 0) << "the same process serves";
}

TEST_F(TlsBinaryTest, BadTlsFlagsStopAServiceBeforeItListens) {
  const std::string not_pem = dir_.WriteFile("not.pem", "hello\n");
  const CommandResult result =
      RunCommand({BinaryPath("meshproof-store"), "--listen", "127.0.0.1:0", "--db",
                  dir_.File("s.db"), "--tls-cert", not_pem, "--tls-key", not_pem});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("--tls-cert"));
  EXPECT_THAT(result.out, Not(HasSubstr("listening on")));
}

TEST_F(TlsBinaryTest, ATokenIsNeverSentInPlaintextToANonLoopbackAddress) {
  const std::string token = dir_.WriteFile("token", "mpt-writer-0123456789\n");
  // The CLI refuses before dialling, and says how to fix it.
  CommandResult cli =
      RunCommand({BinaryPath("meshproof"), "run", "list", "--scheduler", kRemote, "--token-file",
                  token, "--config", dir_.WriteFile("cli.yaml", "")});
  EXPECT_EQ(cli.exit_code, 2) << cli.err;
  EXPECT_THAT(cli.err, HasSubstr("--insecure"));
  EXPECT_THAT(cli.err, HasSubstr("--tls-ca"));
  // So does `meshproof probe`, which used to send everything in plaintext.
  const std::string scenario = dir_.WriteFile(
      "s.yaml",
      "apiVersion: meshproof/v1\nkind: Scenario\nname: s\ntarget: {cluster: lab}\ntests:\n"
      "  - name: t\n    http: {url: \"http://example.com/\"}\n");
  cli = RunCommand(
      {BinaryPath("meshproof"), "probe", scenario, "--agent", kRemote, "--token-file", token});
  EXPECT_EQ(cli.exit_code, 2) << cli.err;
  EXPECT_THAT(cli.err, HasSubstr("--insecure"));
  // And the scheduler as the store's client, before it listens.
  const CommandResult scheduler =
      RunCommand({BinaryPath("meshproof-scheduler"), "--listen", "127.0.0.1:0", "--db",
                  dir_.File("sched.db"), "--store", kRemote, "--store-token-file", token});
  EXPECT_EQ(scheduler.exit_code, 2) << scheduler.err;
  EXPECT_THAT(scheduler.err, HasSubstr("--store-insecure"));
  EXPECT_THAT(scheduler.out, Not(HasSubstr("listening on")));
  // And the agent as the scheduler's client.
  const CommandResult agent = RunCommand({BinaryPath("meshproof-agent"), "--listen", "127.0.0.1:0",
                                          "--scheduler", kRemote, "--scheduler-token-file", token});
  EXPECT_EQ(agent.exit_code, 2) << agent.err;
  EXPECT_THAT(agent.err, HasSubstr("--scheduler-insecure"));
}

}  // namespace
}  // namespace meshproof
