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
  if (top.CheckMap({"agent_id", "cluster", "namespace", "labels", "max_concurrency", "exec_allowlist", "scheduler"})) {
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
  }
  auto diagnostics = sink.Take();
  if (!diagnostics.empty()) return scenario::DiagnosticsToStatus(diagnostics);
  return config;
}

}  // namespace meshproof::agent
