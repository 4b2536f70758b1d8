// The token check applied to real calls over a real socket (port 0), for a sync service
// and a callback service: refused calls never reach the handler, allowed calls carry
// their own caller's name (also when calls of different tokens share a connection),
// health needs no token.
#include "services/common/auth/token_server_credentials.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <gtest/gtest.h>

#include <atomic>

#include "grpc/health/v1/health.grpc.pb.h"
#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"
#include "meshproof/store/v1/store.grpc.pb.h"
#include "services/common/auth/caller.h"

namespace meshproof::auth {
namespace {

namespace schedv1 = meshproof::scheduler::v1;
namespace storev1 = meshproof::store::v1;
using ::testing::HasSubstr;

TokenEntry Entry(const std::string& name, const std::string& token, RoleSet roles) {
  TokenEntry e;
  e.name = name;
  e.team = "platform";
  e.roles = roles;
  e.sha256 = HashToken(token);
  return e;
}

// What handlers saw: how many calls, and who called, in order.
struct Seen {
  std::shared_ptr<const Authorizer> authorizer;
  std::atomic<int> calls{0};
  std::vector<std::string> callers;
  void Record(const grpc::ServerContextBase& context) {
    const TokenEntry* caller = Caller(context, authorizer.get());
    callers.push_back(caller == nullptr ? "" : caller->name + "/" + caller->team);
    ++calls;
  }
};

class SyncScheduler final : public schedv1::SchedulerService::Service {
 public:
  explicit SyncScheduler(Seen* seen) : seen_(seen) {}
  grpc::Status StartRun(grpc::ServerContext* context, const schedv1::StartRunRequest*,
                        schedv1::Run* run) override {
    seen_->Record(*context);
    run->set_run_id("r1");
    return grpc::Status::OK;
  }

 private:
  Seen* seen_;
};

class CallbackStore final : public storev1::ResultsStoreService::CallbackService {
 public:
  explicit CallbackStore(Seen* seen) : seen_(seen) {}
  grpc::ServerUnaryReactor* GetRun(grpc::CallbackServerContext* context,
                                   const storev1::GetRunRequest*,
                                   storev1::RunDetail* detail) override {
    seen_->Record(*context);
    detail->mutable_run()->set_run_id("r1");
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  Seen* seen_;
};

class TokenServerCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::EnableDefaultHealthCheckService(true);
    // One call, then (at one call per 1000 s) none for the rest of the test.
    TokenEntry limited = Entry("limited", "tok-limited", {Role::kViewer});
    limited.rate = {.per_second = 0.001, .burst = 1};
    auto authorizer = std::make_shared<const Authorizer>(
        TokenRegistry({limited, Entry("viewer", "tok-viewer", {Role::kViewer}),
                       Entry("runner", "tok-runner", {Role::kRunner}),
                       Entry("both", "tok-both", {Role::kRunner, Role::kViewer})}));
    sync_seen_.authorizer = authorizer;
    callback_seen_.authorizer = authorizer;
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", TokenServerCredentials(authorizer), &port);
    builder.RegisterService(&scheduler_);
    builder.RegisterService(&store_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
  }

  static void Prepare(grpc::ClientContext* context, const std::string& token) {
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  }
  grpc::Status StartRun(const std::string& token) {
    grpc::ClientContext context;
    Prepare(&context, token);
    schedv1::Run run;
    return schedv1::SchedulerService::NewStub(channel_)->StartRun(&context, {}, &run);
  }
  grpc::Status GetRun(const std::string& token) {
    grpc::ClientContext context;
    Prepare(&context, token);
    storev1::RunDetail detail;
    return storev1::ResultsStoreService::NewStub(channel_)->GetRun(&context, {}, &detail);
  }

  Seen sync_seen_, callback_seen_;
  SyncScheduler scheduler_{&sync_seen_};
  CallbackStore store_{&callback_seen_};
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(TokenServerCredentialsTest, SyncServiceRefusesBeforeTheHandlerRuns) {
  grpc::Status none = StartRun("");
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(none.error_message(), HasSubstr("no bearer token"));
  grpc::Status unknown = StartRun("tok-guess");
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(unknown.error_message(), "unknown token");
  grpc::Status viewer = StartRun("tok-viewer");
  EXPECT_EQ(viewer.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(viewer.error_message(), HasSubstr("needs the role runner"));
  EXPECT_EQ(sync_seen_.calls.load(), 0) << "a refused call reached the handler";
}

TEST_F(TokenServerCredentialsTest, ACallerOverItsBudgetGetsResourceExhaustedBeforeTheHandler) {
  EXPECT_TRUE(GetRun("tok-limited").ok());
  grpc::Status over = GetRun("tok-limited");
  EXPECT_EQ(over.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(over.error_message(), HasSubstr("token \"limited\" is over its call budget"));
  EXPECT_EQ(callback_seen_.calls.load(), 1) << "a call over budget reached the handler";
  // Another token on the same connection is not held back.
  EXPECT_TRUE(GetRun("tok-viewer").ok());
}

TEST_F(TokenServerCredentialsTest, SyncServiceCanNameItsCaller) {
  grpc::Status status = StartRun("tok-runner");
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(sync_seen_.calls.load(), 1);
  EXPECT_THAT(sync_seen_.callers, ::testing::ElementsAre("runner/platform"));
}

TEST_F(TokenServerCredentialsTest, CallsOfDifferentTokensOnOneConnectionEachNameTheirOwnCaller) {
  // One channel, so one connection: whatever names the caller must be per call.
  ASSERT_TRUE(StartRun("tok-both").ok());
  ASSERT_EQ(StartRun("tok-viewer").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(StartRun("tok-runner").ok());
  ASSERT_TRUE(StartRun("tok-both").ok());
  EXPECT_THAT(sync_seen_.callers,
              ::testing::ElementsAre("both/platform", "runner/platform", "both/platform"));
}

TEST_F(TokenServerCredentialsTest, CallbackServiceIsCheckedTheSameWay) {
  EXPECT_EQ(GetRun("").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(GetRun("tok-runner").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(callback_seen_.calls.load(), 0) << "a refused call reached the reactor";
  grpc::Status status = GetRun("tok-viewer");
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(callback_seen_.calls.load(), 1);
  EXPECT_THAT(callback_seen_.callers, ::testing::ElementsAre("viewer/platform"));
}

TEST_F(TokenServerCredentialsTest, HealthNeedsNoToken) {
  grpc::ClientContext context;
  Prepare(&context, "");
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = grpc::health::v1::Health::NewStub(channel_)->Check(&context, {}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

}  // namespace
}  // namespace meshproof::auth
