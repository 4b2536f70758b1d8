// meshproof-agent: the probe agent. Wires its options (agent_config.h), the prober, the
// executor and the gRPC service.
#include <curl/curl.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/common/auth/server_auth.h"
#include "services/common/bootstrap/server_settings.h"
#include "services/common/log.h"
#include "services/common/server_runner.h"
#include "services/probe-agent/agent_config.h"
#include "services/probe-agent/agent_metrics.h"
#include "services/probe-agent/agent_service.h"
#include "services/probe-agent/prober.h"
#include "services/probe-agent/scenario_entrance.h"
#include "services/probe-agent/scenario_executor.h"
#include "services/probe-agent/scheduler_link.h"

namespace {

int Main(int argc, char** argv) {
  meshproof::agent::AgentConfig config;
  meshproof::bootstrap::OptionTable table;
  meshproof::agent::DeclareAgentOptions(&table, &config);
  if (auto code = meshproof::bootstrap::ParseServiceCommandLine(
          table,
          {"meshproof-agent",
           "meshproof probe agent: runs probes inside the mesh and gathers evidence", "agent"},
          argc, argv, config.server)) {
    return *code;
  }
  absl::StatusOr<meshproof::auth::ServerAuth> auth =
      meshproof::auth::ServerAuthForTokens(config.server.tokens, config.server.tls);
  if (!auth.ok()) {
    meshproof::LogError("bad tokens file: ", auth.status().message());
    return meshproof::kExitUsage;
  }
  absl::StatusOr<std::string> scheduler_token =
      meshproof::bootstrap::ReadPeerToken(config.scheduler, "scheduler");
  if (!scheduler_token.ok()) {
    meshproof::LogError(scheduler_token.status().message());
    return meshproof::kExitUsage;
  }
  if (config.agent_id.empty()) {
    char host[256] = {0};
    gethostname(host, sizeof(host) - 1);
    config.agent_id = host;
  }
  // Debian's Abseil is built with Mutex deadlock detection on: every lock and unlock
  // (several per probe) updates a process-wide lock graph under a global spin lock.
  // It is a debugging aid, off in an optimised Abseil; the agent's tests keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  curl_global_init(CURL_GLOBAL_ALL);
  meshproof::agent::ProberOptions prober_options;
  prober_options.max_concurrency = config.max_concurrency;
  prober_options.exec = meshproof::agent::ExecPolicy(config.exec_allowlist, config.exec_env);
  prober_options.follow_redirects = config.follow_redirects;
  if (config.has_destinations) {
    // The Kubernetes API server the operator configured is where Kubernetes log sources
    // read from: reaching it is part of the configuration, not a scenario's choice.
    std::vector<meshproof::agent::DestinationRule> rules = config.destinations;
    if (auto api = meshproof::agent::ApiServerRule(config.kubernetes.api_server); api.ok()) {
      rules.push_back(*api);
    }
    auto destinations = meshproof::agent::DestinationPolicy::Create(rules);
    if (!destinations.ok()) {
      meshproof::LogError("bad configuration: ", destinations.status().message());
      return meshproof::kExitUsage;
    }
    prober_options.destinations = *destinations;
  } else {
    meshproof::LogWarning(
        "the configuration has no destinations: probes and evidence sources may reach any address "
        "(set destinations.allow to limit them)");
  }
  meshproof::agent::RealProber prober(prober_options);
  meshproof::agent::ScenarioExecutor executor(
      &prober, meshproof::RealClock::Get(), [](absl::Duration d) { absl::SleepFor(d); },
      [&prober, &config](const meshproof::scenario::v1::LogSource& spec) {
        return meshproof::agent::MakeLogSource(spec, &prober, meshproof::RealClock::Get(),
                                               config.kubernetes);
      });
  const meshproof::agent::EnvironmentFingerprint fingerprint(
      &prober, FingerprintSourcesFor(config, MESHPROOF_VERSION));
  executor.SetFingerprint(&fingerprint);
  meshproof::metrics::Registry metrics;
  meshproof::agent::AgentMetrics agent_metrics(&metrics);
  executor.SetObserver(&agent_metrics);

  meshproof::agent::v1::AgentInfo info;
  info.set_agent_id(config.agent_id);
  info.set_cluster(config.cluster);
  info.set_namespace_(config.namespace_);
  info.mutable_labels()->insert(config.labels.begin(), config.labels.end());
  info.set_version(MESHPROOF_VERSION);
  info.set_environment_kind(config.environment_kind);
  for (const char* capability :
       {"http", "tcp", "dns", "envoy_admin", "exec", "log.file", "log.http", "log.kubernetes"}) {
    info.add_capabilities(capability);
  }
  info.set_max_concurrency(static_cast<uint32_t>(config.max_concurrency));
  for (const auto& program : prober_options.exec.programs()) info.add_exec_allowlist(program);
  // Both ways in — the direct API and the scheduler's assignments — pass this entrance.
  meshproof::agent::ScenarioEntrance entrance(&executor, meshproof::RealClock::Get(), info,
                                              /*max_scenarios=*/16);
  meshproof::agent::AgentService service(&entrance);

  // With --scheduler, also take assignments from the scheduler's stream.
  std::unique_ptr<meshproof::agent::SchedulerLink> link;
  if (!config.scheduler.address.empty()) {
    meshproof::agent::SchedulerLinkOptions link_options;
    link_options.address = config.scheduler.address;
    link_options.info = info;
    link_options.token = *scheduler_token;
    link_options.tls = config.scheduler.tls;
    link_options.allow_plaintext_token = config.scheduler.insecure;
    if (absl::Status s = meshproof::CheckClientChannelOptions(
            meshproof::agent::LinkChannelOptions(link_options));
        !s.ok()) {
      meshproof::LogError("--scheduler: ", s.message());
      return meshproof::kExitUsage;
    }
    link = std::make_unique<meshproof::agent::SchedulerLink>(
        link_options, [&entrance](const meshproof::scheduler::v1::Assignment& a, const auto& emit,
                                  const auto& cancelled) {
          return entrance.ExecuteAssignment(a, emit, cancelled);
        });
    link->Start();
  }

  meshproof::ServerOptions options = meshproof::bootstrap::ServerOptionsFor(config.server, *auth);
  options.metrics = &metrics;
  options.on_shutdown = [&service, &link] {
    // The scheduler's assignments are handed back first (the scheduler moves them to
    // another agent at once), so none that arrives meanwhile is refused as an ERROR.
    if (link) link->StopGracefully();
    service.Shutdown();
  };
  return meshproof::RunServer(options, {&service});
}

}  // namespace

int main(int argc, char** argv) {
  // Every test of a scenario runs on a thread of its own (up to 64 per call, several
  // calls at once), and glibc gives threads up to 8 arenas per CPU, each keeping what
  // it freed: at 256 probes in flight that held about a sixth of the peak, and it grew
  // from one load to the next. Two arenas were also faster on the memory bench.
  // MALLOC_ARENA_MAX in the environment still wins (glibc reads it first).
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
  meshproof::BlockTerminationSignals();
  meshproof::ExitProcess(Main(argc, argv));
}
