#include "services/probe-agent/agent_config.h"

#include <yaml-cpp/yaml.h>

#include "absl/strings/str_cat.h"
#include "services/scenario/yaml_reader.h"

namespace meshproof::agent {

absl::StatusOr<AgentConfig> ParseAgentConfig(absl::string_view yaml, const std::string& file_name) {
  using scenario::YamlField;
  AgentConfig config;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, ":", e.mark.line + 1, ":", e.mark.column + 1, ": ", e.msg));
  }
  if (!root.IsDefined() || root.IsNull()) return config;
  scenario::DiagnosticCollector sink(file_name);
  const scenario::VarSubstituter no_vars({}, false);
  const YamlField top(root, "", &sink, &no_vars);
  if (top.CheckMap({"agent_id", "cluster", "namespace", "labels", "max_concurrency", "exec_allowlist", "scheduler",
                    "environment_kind", "kubernetes"})) {
    if (YamlField f = top.Child("agent_id"); f.present()) f.NonEmptyString(&config.agent_id);
    if (YamlField f = top.Child("cluster"); f.present()) f.String(&config.cluster);
    if (YamlField f = top.Child("namespace"); f.present()) f.String(&config.namespace_);
    if (YamlField f = top.Child("labels"); f.present()) f.StringMap(&config.labels);
    uint32_t concurrency = 0;
    if (YamlField f = top.Child("max_concurrency"); f.present() && f.Uint(1, 4096, &concurrency)) {
      config.max_concurrency = static_cast<int>(concurrency);
    }
    if (YamlField f = top.Child("exec_allowlist"); f.present()) f.StringList(&config.exec_allowlist);
    if (YamlField f = top.Child("scheduler"); f.present()) f.String(&config.scheduler);
    if (YamlField f = top.Child("kubernetes"); f.present() && f.CheckMap({"api_server", "token_file", "ca_file"})) {
      if (YamlField k = f.Child("api_server"); k.present()) k.NonEmptyString(&config.kubernetes.api_server);
      if (YamlField k = f.Child("token_file"); k.present()) k.NonEmptyString(&config.kubernetes.token_file);
      if (YamlField k = f.Child("ca_file"); k.present()) k.NonEmptyString(&config.kubernetes.ca_file);
    }
    if (YamlField f = top.Child("environment_kind"); f.present() && f.String(&config.environment_kind)) {
      if (!CheckEnvironmentKind(config.environment_kind, "environment_kind").ok()) {
        f.Error(absl::StrCat("expected lab or cluster, got \"", config.environment_kind.substr(0, 40), "\""));
      }
    }
  }
  auto diagnostics = sink.Take();
  if (!diagnostics.empty()) return scenario::DiagnosticsToStatus(diagnostics);
  return config;
}

absl::Status CheckEnvironmentKind(const std::string& kind, const std::string& field) {
  if (kind.empty() || kind == "lab" || kind == "cluster") return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, ": expected lab or cluster, got \"", kind.substr(0, 40), "\""));
}

}  // namespace meshproof::agent
