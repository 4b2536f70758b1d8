// The CLI's agent client against a small hand-written fake agent on 127.0.0.1:0: results
// in order, the outcome, the token and deadline on the call, status mapping, and a
// broken stream.
#include "clients/cli/agent_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/synchronization/mutex.h"

namespace meshproof::cli {
namespace {

namespace av1 = ::meshproof::agent::v1;
namespace rv1 = ::meshproof::result::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FakeAgent final : public av1::ProbeAgentService::Service {
 public:
  // Events to send, in order; then `finish`.
  std::vector<av1::ExecuteEvent> events;
  grpc::Status finish = grpc::Status::OK;
  av1::ExecuteRequest last_request;
  bool saw_deadline = false;
  std::string authorization;

  // Replaces the events of later calls. A client that stops reading early (a gap, say)
  // returns while this handler may still be writing the previous list, so the handler
  // works on a copy taken under the lock.
  void SetEvents(std::vector<av1::ExecuteEvent> next) {
    absl::MutexLock lock(&mu_);
    events = std::move(next);
  }

  grpc::Status Execute(grpc::ServerContext* context, const av1::ExecuteRequest* request,
                       grpc::ServerWriter<av1::ExecuteEvent>* writer) override {
    std::vector<av1::ExecuteEvent> to_send;
    {
      absl::MutexLock lock(&mu_);
      to_send = events;
    }
    last_request = *request;
    auto auth = context->client_metadata().find("authorization");
    authorization = auth == context->client_metadata().end()
                        ? ""
                        : std::string(auth->second.data(), auth->second.size());
    saw_deadline = context->deadline() < std::chrono::system_clock::time_point::max();
    for (const auto& event : to_send) writer->Write(event);
    return finish;
  }
  grpc::Status GetInfo(grpc::ServerContext*, const av1::GetInfoRequest*,
                       av1::AgentInfo* info) override {
    info->set_agent_id("fake");
    return grpc::Status::OK;
  }

 private:
  absl::Mutex mu_;
};

av1::ExecuteEvent Result(uint64_t sequence, const std::string& test) {
  av1::ExecuteEvent event;
  event.set_sequence(sequence);
  event.mutable_result()->set_test(test);
  return event;
}

av1::ExecuteEvent Outcome(uint64_t sequence) {
  av1::ExecuteEvent event;
  event.set_sequence(sequence);
  event.mutable_outcome()->set_verdict(rv1::RUN_VERDICT_PASSED);
  return event;
}

AgentClient ClientOf(const std::string& address, const std::string& token = "") {
  auto channel = MakeChannel(address, token, ClientTlsOptions{}, /*insecure=*/false);
  EXPECT_TRUE(channel.ok()) << channel.status();
  return AgentClient(
      *channel, RpcCaller(Peer{"agent", address, "--agent", "MESHPROOF_AGENT"}, absl::Seconds(5)));
}

class AgentClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&agent_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override { server_->Shutdown(); }
  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }
  AgentClient Client(const std::string& token = "") const { return ClientOf(target(), token); }

  FakeAgent agent_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(AgentClientTest, DeliversResultsInOrderAndReturnsTheOutcome) {
  agent_.SetEvents({Result(1, "a"), Result(2, "b"), Outcome(3)});
  AgentClient client = Client("s3cret");
  scenario::v1::Scenario scenario;
  scenario.set_name("s");
  std::vector<std::string> seen;
  auto outcome = client.Execute(scenario, {"b"}, absl::Seconds(10),
                                [&](const rv1::TestResult& r) { seen.push_back(r.test()); });
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->verdict(), rv1::RUN_VERDICT_PASSED);
  EXPECT_THAT(seen, ElementsAre("a", "b"));
  EXPECT_EQ(agent_.last_request.scenario().name(), "s");
  EXPECT_THAT(agent_.last_request.only_tests(), ElementsAre("b"));
  // The client has no way to claim approval: the agent would refuse it.
  EXPECT_FALSE(agent_.last_request.approved());
  EXPECT_EQ(agent_.authorization, "Bearer s3cret");
  EXPECT_TRUE(agent_.saw_deadline);
}

TEST_F(AgentClientTest, MapsTheAgentsErrorsAndNamesTheAgent) {
  agent_.finish = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                               "scenario s: tests[0]: expected exactly one probe");
  auto outcome = Client().Execute(scenario::v1::Scenario(), {}, absl::Seconds(10), nullptr);
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(outcome.status().message(), "scenario s: tests[0]: expected exactly one probe");

  agent_.finish = grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "unknown token");
  auto refused = Client("wrong").Execute(scenario::v1::Scenario(), {}, absl::Seconds(10), nullptr);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("the agent at " + target() + " did not accept the token: unknown token"));
}

TEST_F(AgentClientTest, ASkippedEventOrAMissingOutcomeIsDataLoss) {
  agent_.SetEvents({Result(1, "a"), Result(3, "c"), Outcome(4)});
  auto gap = Client().Execute(scenario::v1::Scenario(), {}, absl::Seconds(10), nullptr);
  EXPECT_EQ(gap.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(gap.status().message()), HasSubstr("skipped event 2 (got 3)"));

  agent_.SetEvents({Result(1, "a")});
  auto cut = Client().Execute(scenario::v1::Scenario(), {}, absl::Seconds(10), nullptr);
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(cut.status().message()), HasSubstr("without an outcome"));
}

TEST_F(AgentClientTest, GetInfo) {
  auto info = Client().GetInfo();
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->agent_id(), "fake");
}

TEST(AgentClientUnreachableTest, NoAgentIsUnavailable) {
  // Port 1 on loopback: nothing listens there, and connecting needs no privilege.
  auto outcome =
      ClientOf("127.0.0.1:1").Execute(scenario::v1::Scenario(), {}, absl::Seconds(5), nullptr);
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(outcome.status().message()),
              HasSubstr("cannot reach the agent at 127.0.0.1:1"));
}

}  // namespace
}  // namespace meshproof::cli
