#include "services/common/auth/method_roles.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace meshproof::auth {
namespace {

constexpr char kScheduler[] = "/meshproof.scheduler.v1.SchedulerService/";
constexpr char kGateway[] = "/meshproof.scheduler.v1.AgentGatewayService/";
constexpr char kStore[] = "/meshproof.store.v1.ResultsStoreService/";
constexpr char kAgent[] = "/meshproof.agent.v1.ProbeAgentService/";

std::vector<MethodRule> BuildRules() {
  std::vector<MethodRule> rules;
  auto add = [&rules](const char* service, std::initializer_list<const char*> methods, Role role) {
    for (const char* m : methods) rules.push_back({absl::StrCat(service, m), role});
  };
  // Scheduler: reading is viewer; changing scenarios, runs and schedules is runner;
  // deciding an approval is approver (kept apart from runner so the person who starts a
  // dangerous run is not the one who approves it, unless given both).
  add(kScheduler,
      {"ListScenarios", "GetScenario", "ListScenarioVersions", "GetRun", "ListRuns", "WatchRun",
       "ListSchedules", "GetSchedule", "ListAgents"},
      Role::kViewer);
  add(kScheduler,
      {"SubmitScenario", "DeleteScenario", "StartRun", "CancelRun", "CreateSchedule",
       "PauseSchedule", "ResumeSchedule", "TriggerSchedule", "DeleteSchedule"},
      Role::kRunner);
  add(kScheduler, {"ApproveRun", "RejectRun"}, Role::kApprover);
  // The agent-dialed stream hands out scenarios and accepts results: agents only.
  add(kGateway, {"Connect"}, Role::kAgent);
  // Store: writes come from the scheduler's forwarder; reads are everyone's history.
  add(kStore, {"BeginRun", "AppendResults", "FinishRun"}, Role::kWriter);
  add(kStore,
      {"GetRun", "ListRuns", "CompareRuns", "GetTestHistory", "ListFlakyTests",
       "GetLatestPerCluster", "GetClaimsLedger", "GetLatencyTrend"},
      Role::kViewer);
  // Deleting history and writing a backup file on the store's host are operators' work.
  add(kStore, {"ApplyRetention", "Backup"}, Role::kAdmin);
  // The agent's direct API (meshproof-agent --tokens): running probes is runner,
  // describing itself is viewer. No role lets a caller claim approval (agent_service.cc).
  add(kAgent, {"Execute"}, Role::kRunner);
  add(kAgent, {"GetInfo"}, Role::kViewer);
  return rules;
}

const absl::flat_hash_map<std::string, const MethodRule*>& RuleIndex() {
  static const auto* index = [] {
    auto* map = new absl::flat_hash_map<std::string, const MethodRule*>();
    for (const MethodRule& rule : MethodRules()) map->emplace(rule.method, &rule);
    return map;
  }();
  return *index;
}

}  // namespace

const std::vector<MethodRule>& MethodRules() {
  static const std::vector<MethodRule>* rules = new std::vector<MethodRule>(BuildRules());
  return *rules;
}

bool IsOpenService(absl::string_view full_method) {
  return absl::StartsWith(full_method, "/grpc.health.v1.Health/") ||
         absl::StartsWith(full_method, "/grpc.reflection.v1alpha.ServerReflection/") ||
         absl::StartsWith(full_method, "/grpc.reflection.v1.ServerReflection/");
}

MethodRule RuleFor(absl::string_view full_method) {
  if (IsOpenService(full_method)) return {std::string(full_method), std::nullopt};
  auto it = RuleIndex().find(full_method);
  if (it != RuleIndex().end()) return *it->second;
  return {std::string(full_method), Role::kAdmin};
}

bool HasRule(absl::string_view full_method) {
  return IsOpenService(full_method) || RuleIndex().contains(full_method);
}

}  // namespace meshproof::auth
