// The method -> role table is complete: every RPC of every service compiled from
// proto/meshproof/ has a rule, and every rule names an RPC that exists. A new RPC
// without a rule fails here instead of shipping open (or admin-only by surprise).
#include "services/common/auth/method_roles.h"

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "meshproof/agent/v1/agent.grpc.pb.h"
#include "meshproof/result/v1/result.pb.h"
#include "meshproof/scenario/v1/scenario.pb.h"
#include "meshproof/scheduler/v1/agent_gateway.grpc.pb.h"
#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"
#include "meshproof/store/v1/store.grpc.pb.h"

namespace meshproof::auth {
namespace {

namespace fs = std::filesystem;
using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptor;

// Static linking keeps a generated file only when something references it; touching
// one descriptor per file puts every contract into the generated pool.
void LinkEveryContract() {
  (void)meshproof::scenario::v1::Scenario::descriptor();
  (void)meshproof::result::v1::TestResult::descriptor();
  (void)meshproof::agent::v1::ExecuteRequest::descriptor();
  (void)meshproof::scheduler::v1::AgentMessage::descriptor();
  (void)meshproof::scheduler::v1::StartRunRequest::descriptor();
  (void)meshproof::store::v1::BeginRunRequest::descriptor();
}

// Every .proto under proto/meshproof/, as the import path protoc gave it.
std::vector<std::string> ContractFiles() {
  const fs::path root = fs::path(MESHPROOF_SOURCE_DIR) / "proto";
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root / "meshproof")) {
    if (entry.is_regular_file() && entry.path().extension() == ".proto") {
      files.push_back(fs::relative(entry.path(), root).string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(MethodRolesTest, EveryMethodOfEveryMeshproofServiceHasARule) {
  LinkEveryContract();
  const std::vector<std::string> files = ContractFiles();
  ASSERT_GE(files.size(), 6u) << "the contracts were not found under " << MESHPROOF_SOURCE_DIR;
  int methods = 0;
  for (const std::string& name : files) {
    const FileDescriptor* file = DescriptorPool::generated_pool()->FindFileByName(name);
    ASSERT_NE(file, nullptr) << name
                             << " is not linked into this test: reference one of its messages "
                                "in LinkEveryContract() so its services are checked";
    for (int s = 0; s < file->service_count(); ++s) {
      const auto* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const std::string full = "/" + service->full_name() + "/" + service->method(m)->name();
        ++methods;
        EXPECT_TRUE(HasRule(full))
            << full << " has no rule in services/common/auth/method_roles.cc";
      }
    }
  }
  // Guards the walk itself: it must have seen the services it is meant to check.
  EXPECT_GE(methods, 30);
}

TEST(MethodRolesTest, EveryRuleNamesAMethodThatExists) {
  LinkEveryContract();
  for (const MethodRule& rule : MethodRules()) {
    ASSERT_GE(rule.method.size(), 3u);
    std::string dotted = rule.method.substr(1);
    dotted[dotted.find('/')] = '.';
    EXPECT_NE(DescriptorPool::generated_pool()->FindMethodByName(dotted), nullptr)
        << rule.method << " is in the table but no contract has it";
    EXPECT_TRUE(rule.role.has_value()) << rule.method << ": only health and reflection are open";
  }
}

TEST(MethodRolesTest, HealthAndReflectionAreOpen) {
  for (const char* method : {"/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch",
                             "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                             "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"}) {
    EXPECT_FALSE(RuleFor(method).role.has_value()) << method;
  }
}

TEST(MethodRolesTest, AnUnlistedMethodNeedsAdmin) {
  EXPECT_FALSE(HasRule("/meshproof.scheduler.v1.SchedulerService/DropEverything"));
  EXPECT_EQ(RuleFor("/meshproof.scheduler.v1.SchedulerService/DropEverything").role, Role::kAdmin);
  EXPECT_EQ(RuleFor("").role, Role::kAdmin);
  // A prefix of an open service's name is not that service.
  EXPECT_EQ(RuleFor("/grpc.health.v1.HealthX/Check").role, Role::kAdmin);
}

struct Expect {
  const char* method;
  Role role;
};

TEST(MethodRolesTest, TheRolesOfTheMethodsPeopleAskAbout) {
  for (const Expect& e : std::vector<Expect>{
           {"/meshproof.scheduler.v1.SchedulerService/ListRuns", Role::kViewer},
           {"/meshproof.scheduler.v1.SchedulerService/WatchRun", Role::kViewer},
           {"/meshproof.scheduler.v1.SchedulerService/SubmitScenario", Role::kRunner},
           {"/meshproof.scheduler.v1.SchedulerService/StartRun", Role::kRunner},
           {"/meshproof.scheduler.v1.SchedulerService/CancelRun", Role::kRunner},
           {"/meshproof.scheduler.v1.SchedulerService/CreateSchedule", Role::kRunner},
           {"/meshproof.scheduler.v1.SchedulerService/ApproveRun", Role::kApprover},
           {"/meshproof.scheduler.v1.SchedulerService/RejectRun", Role::kApprover},
           {"/meshproof.scheduler.v1.AgentGatewayService/Connect", Role::kAgent},
           {"/meshproof.store.v1.ResultsStoreService/BeginRun", Role::kWriter},
           {"/meshproof.store.v1.ResultsStoreService/AppendResults", Role::kWriter},
           {"/meshproof.store.v1.ResultsStoreService/FinishRun", Role::kWriter},
           {"/meshproof.store.v1.ResultsStoreService/CompareRuns", Role::kViewer},
           {"/meshproof.store.v1.ResultsStoreService/Backup", Role::kAdmin},
       }) {
    EXPECT_EQ(RuleFor(e.method).role, e.role) << e.method;
  }
}

TEST(RolesTest, AdminGrantsEveryRoleAndOthersOnlyThemselves) {
  const RoleSet admin{Role::kAdmin};
  const RoleSet viewer{Role::kViewer};
  for (Role role : AllRoles()) {
    EXPECT_TRUE(admin.Grants(role)) << RoleName(role);
    EXPECT_EQ(viewer.Grants(role), role == Role::kViewer) << RoleName(role);
    EXPECT_EQ(ParseRole(RoleName(role)), role);
  }
  EXPECT_FALSE(ParseRole("Viewer").has_value());
  EXPECT_EQ((RoleSet{Role::kRunner, Role::kViewer}).ToString(), "viewer,runner");
}

}  // namespace
}  // namespace meshproof::auth
