// The client channel's rules without a network: which targets count as loopback, when a
// token is refused in plaintext, how bad TLS files are named; and, on an in-process
// server, that the keepalive clients send is what RunServer's policy allows — at the
// shipped ratio of client and server intervals — and that a faster client is dropped.
#include "services/common/client_channel.h"

#include <gmock/gmock.h>
#include <grpcpp/ext/health_check_service_server_builder_option.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <optional>

#include "grpc/health/v1/health.grpc.pb.h"
#include "services/common/keepalive_policy.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace meshproof {
namespace {

using ::meshproof::testing::IsOk;
using ::meshproof::testing::StatusIs;
using ::meshproof::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(IsLoopbackTargetTest, LoopbackForms) {
  for (const char* target : {"127.0.0.1:7001", "127.8.9.10:1", "localhost:7001", "LOCALHOST:1",
                             "[::1]:7001", "dns:///localhost:7001", "ipv4:127.0.0.1:7001",
                             "ipv6:[::1]:7001", "unix:/tmp/s.sock", "[::ffff:127.0.0.1]:1"}) {
    EXPECT_TRUE(IsLoopbackTarget(target)) << target;
  }
}

TEST(IsLoopbackTargetTest, EverythingElseIsNot) {
  for (const char* target :
       {"10.0.0.1:7001", "scheduler.meshproof.svc:7001", "dns:///scheduler:7001",
        "[2001:db8::1]:7001", "0.0.0.0:7001", "128.0.0.1:1", "localhost.evil.test:1",
        "ipv4:127.0.0.1:1,10.0.0.1:1", "[::]:1"}) {
    EXPECT_FALSE(IsLoopbackTarget(target)) << target;
  }
}

ClientChannelOptions WithToken(const std::string& target) {
  ClientChannelOptions options;
  options.target = target;
  options.token = "mpt-secret";
  return options;
}

TEST(CheckClientChannelOptionsTest, RefusesATokenInPlaintextToANonLoopbackTarget) {
  ClientChannelOptions options = WithToken("scheduler.example:7001");
  options.insecure_flag = "--store-insecure";
  options.tls.flag_prefix = "--store-tls-";
  EXPECT_THAT(CheckClientChannelOptions(options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("scheduler.example:7001"), HasSubstr("--store-tls-ca"),
                             HasSubstr("--store-insecure"))));
  EXPECT_THAT(MakeClientChannel(options), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CheckClientChannelOptionsTest, AllowsWhatIsSafeOrExplicitlyAccepted) {
  EXPECT_THAT(CheckClientChannelOptions(WithToken("127.0.0.1:7001")), IsOk());
  ClientChannelOptions insecure = WithToken("scheduler.example:7001");
  insecure.allow_plaintext_token = true;
  EXPECT_THAT(CheckClientChannelOptions(insecure), IsOk());
  ClientChannelOptions tls = WithToken("scheduler.example:7001");
  tls.tls.server_name = "scheduler.example";  // TLS with the system's roots
  EXPECT_THAT(CheckClientChannelOptions(tls), IsOk());
  ClientChannelOptions no_token;
  no_token.target = "scheduler.example:7001";
  EXPECT_THAT(CheckClientChannelOptions(no_token), IsOk());
  EXPECT_THAT(CheckClientChannelOptions(ClientChannelOptions{}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CheckTlsOptionsTest, NamesTheFlagOfABadFile) {
  TempDir dir;
  const std::string not_pem = dir.WriteFile("not.pem", "hello\n");
  ClientTlsOptions client;
  client.flag_prefix = "--scheduler-tls-";
  client.ca_file = not_pem;
  EXPECT_THAT(CheckClientTlsOptions(client),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--scheduler-tls-ca")));
  client.ca_file = dir.File("missing.pem");
  EXPECT_THAT(CheckClientTlsOptions(client),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("--scheduler-tls-ca")));
  client.ca_file.clear();
  client.cert_file = not_pem;
  EXPECT_THAT(CheckClientTlsOptions(client),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--scheduler-tls-cert needs --scheduler-tls-key")));

  ServerTlsOptions server;
  server.key_file = not_pem;
  EXPECT_THAT(CheckServerTlsOptions(server), StatusIs(absl::StatusCode::kInvalidArgument,
                                                      HasSubstr("--tls-key needs --tls-cert")));
  server = {};
  server.client_ca_file = not_pem;
  EXPECT_THAT(
      CheckServerTlsOptions(server),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--tls-client-ca needs --tls-cert")));
  const std::string cert =
      dir.WriteFile("c.pem", "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n");
  server = {cert, cert, ""};
  EXPECT_THAT(CheckServerTlsOptions(server),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--tls-key")));
  EXPECT_THAT(CheckServerTlsOptions(ServerTlsOptions{}), IsOk());
}

// An idle client channel made by MakeClientChannel, pinging every `ping_every` (and
// waiting `ping_timeout` for each answer), against a real in-process gRPC server that
// accepts pings every `server_min_ping` (gRPC's default policy when nullopt). Returns
// whether the connection stayed READY for `window`.
bool StaysConnectedWith(std::optional<absl::Duration> server_min_ping, absl::Duration ping_every,
                        absl::Duration ping_timeout, absl::Duration window) {
  grpc::ServerBuilder builder;
  // Any sync service gives the server a polled queue; its methods are never called.
  grpc::health::v1::Health::Service unused;
  builder.SetOption(std::make_unique<grpc::HealthCheckServiceServerBuilderOption>(nullptr));
  builder.RegisterService(&unused);
  if (server_min_ping) {
    ApplyServerKeepalivePolicy(&builder, ServerKeepalivePolicy{*server_min_ping});
  }
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  EXPECT_NE(port, 0);
  ClientChannelOptions options;
  options.target = "127.0.0.1:" + std::to_string(port);
  options.keepalive_time = ping_every;
  options.keepalive_timeout = ping_timeout;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeClientChannel(options);
  EXPECT_TRUE(channel.ok());
  const auto connect_deadline = std::chrono::system_clock::now() + std::chrono::seconds(5);
  EXPECT_TRUE((*channel)->WaitForConnected(connect_deadline));
  // Too many pings make the server send GOAWAY, and the channel leaves READY.
  const bool changed = (*channel)->WaitForStateChange(
      GRPC_CHANNEL_READY, std::chrono::system_clock::now() + absl::ToChronoMilliseconds(window));
  server->Shutdown(std::chrono::system_clock::now());
  return !changed;
}

// An idle client channel pinging at `ping_every` against a server built with (or
// without) the keepalive policy at the same interval. Returns whether the connection
// stayed READY for `window`.
bool StaysConnected(bool apply_policy, absl::Duration ping_every, absl::Duration window) {
  return StaysConnectedWith(apply_policy ? std::optional<absl::Duration>(ping_every) : std::nullopt,
                            ping_every, kClientKeepaliveTimeout, window);
}

TEST(KeepaliveTest, ServerPolicyAllowsTheClientsIdlePings) {
  EXPECT_TRUE(StaysConnected(/*apply_policy=*/true, absl::Milliseconds(500), absl::Seconds(3)));
}

// The shipped intervals, each divided by the same factor (the test-only knobs are
// ClientChannelOptions.keepalive_time and ServerKeepalivePolicy): client pings every
// 1.5 s, the server accepts one every 0.5 s; the channel sits idle for 5 s (three client
// pings, ten times the server's minimum) and is never sent GOAWAY too_many_pings.
// Production runs the same ratio over minutes. The ping timeout stays unscaled: it is not
// what the server judges, and a busy test machine must not pass for a dead peer.
constexpr int kScale = 20;

TEST(KeepaliveTest, ShippedClientAndServerSettingsKeepAnIdleChannel) {
  EXPECT_TRUE(StaysConnectedWith(kServerMinPingInterval / kScale, kClientKeepaliveTime / kScale,
                                 kClientKeepaliveTimeout, absl::Seconds(5)));
}

TEST(KeepaliveTest, AClientPingingFasterThanTheServerAllowsIsDropped) {
  // What the shipped numbers would do if they drifted apart (static_assert aside). gRPC's
  // client sends at most one ping a second whatever keepalive_time says, so the server's
  // minimum here is 2 s and the client asks for one every 0.5 s (sending one a second).
  EXPECT_FALSE(StaysConnectedWith(absl::Seconds(2), absl::Milliseconds(500),
                                  kClientKeepaliveTimeout, absl::Seconds(5)));
}

TEST(KeepaliveTest, WithoutThePolicyTheServerDropsAnIdlePingingClient) {
  // gRPC's default server policy: the failure the policy exists to prevent.
  EXPECT_FALSE(StaysConnected(/*apply_policy=*/false, absl::Milliseconds(500), absl::Seconds(5)));
}

}  // namespace
}  // namespace meshproof
