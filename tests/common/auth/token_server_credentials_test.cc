// The token check applied to real calls over a real socket (port 0), for a sync service
// and a callback service: refused calls never reach the handler, allowed calls carry
// the caller's name and no longer carry the token, health needs no token.
#include <atomic>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include "grpc/health/v1/health.grpc.pb.h"
#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"
#include "meshproof/store/v1/store.grpc.pb.h"
#include "services/common/auth/caller.h"
#include "services/common/auth/token_server_credentials.h"

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

// What a handler saw of the call: counted, with the caller and whether the token was
// still in the metadata.
struct Seen {
  std::atomic<int> calls{0};
  std::string caller, team;
  bool saw_authorization = false;
  void Record(const grpc::ServerContextBase& context,
              const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
    caller = CallerName(context);
    team = CallerTeam(context);
    saw_authorization = metadata.count("authorization") > 0;
    ++calls;
  }
};

class SyncScheduler final : public schedv1::SchedulerService::Service {
 public:
  explicit SyncScheduler(Seen* seen) : seen_(seen) {}
  grpc::Status StartRun(grpc::ServerContext* context, const schedv1::StartRunRequest*,
                        schedv1::Run* run) override {
    seen_->Record(*context, context->client_metadata());
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
    seen_->Record(*context, context->client_metadata());
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
    auto authorizer = std::make_shared<const Authorizer>(
        TokenRegistry({Entry("viewer", "tok-viewer", {Role::kViewer}),
                       Entry("runner", "tok-runner", {Role::kRunner})}));
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

TEST_F(TokenServerCredentialsTest, SyncServiceSeesTheCallerAndNotTheToken) {
  grpc::Status status = StartRun("tok-runner");
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(sync_seen_.calls.load(), 1);
  EXPECT_EQ(sync_seen_.caller, "runner");
  EXPECT_EQ(sync_seen_.team, "platform");
  EXPECT_FALSE(sync_seen_.saw_authorization);
}

TEST_F(TokenServerCredentialsTest, CallbackServiceIsCheckedTheSameWay) {
  EXPECT_EQ(GetRun("").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(GetRun("tok-runner").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(callback_seen_.calls.load(), 0) << "a refused call reached the reactor";
  grpc::Status status = GetRun("tok-viewer");
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(callback_seen_.calls.load(), 1);
  EXPECT_EQ(callback_seen_.caller, "viewer");
  EXPECT_FALSE(callback_seen_.saw_authorization);
}

TEST_F(TokenServerCredentialsTest, HealthNeedsNoToken) {
  grpc::ClientContext context;
  Prepare(&context, "");
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status =
      grpc::health::v1::Health::NewStub(channel_)->Check(&context, {}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

}  // namespace
}  // namespace meshproof::auth
