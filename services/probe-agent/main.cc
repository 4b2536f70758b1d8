// meshproof-agent: the probe agent. Wires flags, configuration, the prober, the executor
// and the gRPC service.
#include <curl/curl.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "services/common/auth/server_auth.h"
#include "services/common/auth/token_file.h"
#include "services/common/labels.h"
#include "services/common/log.h"
#include "services/common/server_runner.h"
#include "services/common/service_flags.h"
#include "services/probe-agent/agent_config.h"
#include "services/probe-agent/agent_service.h"
#include "services/probe-agent/prober.h"
#include "services/probe-agent/scenario_entrance.h"
#include "services/probe-agent/scenario_executor.h"
#include "services/probe-agent/scheduler_link.h"

namespace {

std::string ReadWholeFile(const std::string& path, bool* ok) {
  FILE* f = std::fopen(path.c_str(), "rb");
  *ok = f != nullptr;
  std::string text;
  if (!f) return text;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0) text.append(buffer, n);
  std::fclose(f);
  return text;
}

int Main(int argc, char** argv) {
  CLI::App app{"meshproof probe agent: runs probes inside the mesh and gathers evidence",
               "meshproof-agent"};
  meshproof::CommonServiceFlags common;
  meshproof::AddCommonServiceFlags(app, &common);
  std::string scheduler, scheduler_token_file, cluster, ns, labels_text, agent_id, environment_kind,
      tokens;
  int max_concurrency = 0;
  app.add_option("--scheduler", scheduler, "scheduler HOST:PORT to dial for assignments");
  app.add_option(
      "--tokens", tokens,
      "tokens file (YAML: name, roles, sha256 of each token) for ProbeAgentService: Execute "
      "needs runner, GetInfo viewer; without it the API is open to every caller");
  app.add_option("--scheduler-token-file", scheduler_token_file,
                 "file whose first line is the bearer token sent to the scheduler (role agent)");
  meshproof::PeerTlsFlags scheduler_tls;
  meshproof::AddPeerTlsFlags(app, "scheduler", &scheduler_tls);
  app.add_option("--cluster", cluster, "cluster name this agent reports");
  app.add_option("--namespace", ns, "namespace this agent runs in");
  app.add_option("--labels", labels_text, "agent labels as k=v,k2=v2");
  app.add_option("--agent-id", agent_id, "stable agent id (default: host name)");
  app.add_option("--environment-kind", environment_kind,
                 "what this agent measures: lab (meshproof's lab) or cluster (a real mesh); "
                 "recorded with every run");
  app.add_option("--max-concurrency", max_concurrency,
                 "most probes in flight at once (default 64)");
  if (auto code = meshproof::ParseServiceFlags(app, argc, argv, common, "agent")) return *code;
  if (absl::Status s = meshproof::CheckServerTlsOptions(common.tls); !s.ok()) {
    meshproof::LogError(s.message());
    return meshproof::kExitUsage;
  }

  meshproof::agent::AgentConfig config;
  if (!common.config.empty()) {
    bool ok = false;
    const std::string text = ReadWholeFile(common.config, &ok);
    if (!ok) {
      meshproof::LogError("--config: cannot read ", common.config);
      return meshproof::kExitUsage;
    }
    auto parsed = meshproof::agent::ParseAgentConfig(text, common.config);
    if (!parsed.ok()) {
      meshproof::LogError("bad configuration:\n", parsed.status().message());
      return meshproof::kExitUsage;
    }
    config = *parsed;
  }
  // Flags win over the file.
  if (!cluster.empty()) config.cluster = cluster;
  if (!ns.empty()) config.namespace_ = ns;
  if (!agent_id.empty()) config.agent_id = agent_id;
  if (!scheduler.empty()) config.scheduler = scheduler;
  if (max_concurrency > 0) config.max_concurrency = max_concurrency;
  if (!environment_kind.empty()) config.environment_kind = environment_kind;
  if (auto kind =
          meshproof::agent::CheckEnvironmentKind(config.environment_kind, "--environment-kind");
      !kind.ok()) {
    meshproof::LogError(kind.message());
    return meshproof::kExitUsage;
  }
  auto labels = meshproof::ParseLabels(labels_text, "--labels");
  if (!labels.ok()) {
    meshproof::LogError(labels.status().message());
    return meshproof::kExitUsage;
  }
  for (const auto& [k, v] : *labels) config.labels[k] = v;
  absl::StatusOr<meshproof::auth::ServerAuth> auth =
      meshproof::auth::ServerAuthForTokens(tokens, common.tls);
  if (!auth.ok()) {
    meshproof::LogError("bad tokens file: ", auth.status().message());
    return meshproof::kExitUsage;
  }
  std::string scheduler_token;
  if (!scheduler_token_file.empty()) {
    auto token = meshproof::auth::ReadTokenFile(scheduler_token_file, "--scheduler-token-file");
    if (!token.ok()) {
      meshproof::LogError(token.status().message());
      return meshproof::kExitUsage;
    }
    if (!token->warning.empty()) meshproof::LogWarning(token->warning);
    scheduler_token = token->token;
  }
  if (config.agent_id.empty()) {
    char host[256] = {0};
    gethostname(host, sizeof(host) - 1);
    config.agent_id = host;
  }
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
  if (!config.scheduler.empty()) {
    meshproof::agent::SchedulerLinkOptions link_options;
    link_options.address = config.scheduler;
    link_options.info = info;
    link_options.token = scheduler_token;
    link_options.tls = scheduler_tls.tls;
    link_options.allow_plaintext_token = scheduler_tls.insecure;
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

  meshproof::ServerOptions options;
  options.listen_address = common.listen;
  options.credentials = auth->credentials;
  options.authenticated = auth->authorizer != nullptr;
  options.insecure_open = common.insecure_open;
  options.health_listen_address = common.health_listen;
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
  meshproof::BlockTerminationSignals();
  meshproof::ExitProcess(Main(argc, argv));
}
