#include "services/probe-agent/agent_config.h"

#include <yaml-cpp/yaml.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/scenario/yaml_reader.h"

namespace meshproof::agent {
namespace {

using scenario::YamlField;

// exec_allowlist: a list of {program, args | args_pattern}.
void ReadExecAllowlist(const YamlField& field, std::vector<ExecRule>* out) {
  std::vector<YamlField> items;
  if (!field.Items(&items)) return;
  for (const YamlField& item : items) {
    if (item.node().IsScalar()) {
      // The form that named programs only let a scenario choose every argument.
      item.Error(absl::StrCat(
          "a program name alone is no longer accepted: write {program: /absolute/path, args: "
          "[PATTERN, ...]} (or args_pattern: PATTERN), got \"",
          item.node().Scalar().substr(0, 60), "\""));
      continue;
    }
    if (!item.CheckMap({"program", "args", "args_pattern"})) continue;
    ExecRule rule;
    bool ok = true;
    if (YamlField f = item.Child("program"); !f.present()) {
      item.Error("program is required");
      ok = false;
    } else {
      ok = f.NonEmptyString(&rule.program) && ok;
    }
    if (YamlField f = item.Child("args"); f.present()) ok = f.StringList(&rule.args) && ok;
    if (YamlField f = item.Child("args_pattern"); f.present()) {
      rule.has_args_pattern = true;
      ok = f.String(&rule.args_pattern) && ok;
    }
    if (!ok) continue;
    if (absl::Status valid = CheckExecRule(rule, item.path()); !valid.ok()) {
      item.Error(std::string(valid.message()));
      continue;
    }
    out->push_back(std::move(rule));
  }
}

// destinations: {allow: [{cidr | host, ports}]}.
void ReadDestinations(const YamlField& field, std::vector<DestinationRule>* out) {
  if (!field.CheckMap({"allow"})) return;
  const YamlField allow = field.Child("allow");
  if (!allow.present()) {
    field.Error("allow is required (an empty list denies every destination)");
    return;
  }
  std::vector<YamlField> items;
  if (!allow.Items(&items)) return;
  std::vector<DestinationRule> rules;
  for (const YamlField& item : items) {
    if (!item.CheckMap({"cidr", "host", "ports"})) continue;
    DestinationRule rule;
    bool ok = true;
    if (YamlField f = item.Child("cidr"); f.present()) ok = f.NonEmptyString(&rule.cidr) && ok;
    if (YamlField f = item.Child("host"); f.present()) ok = f.NonEmptyString(&rule.host) && ok;
    if (YamlField f = item.Child("ports"); f.present()) {
      std::vector<std::string> ports;
      if (f.StringList(&ports)) {
        for (size_t i = 0; i < ports.size(); ++i) {
          auto range = ParsePortRange(ports[i], absl::StrCat(f.path(), "[", i, "]"));
          if (range.ok()) {
            rule.ports.push_back(*range);
          } else {
            f.Error(std::string(range.status().message()));
            ok = false;
          }
        }
        if (ports.empty()) {
          f.Error("an empty list allows no port: leave ports out to allow every port");
          ok = false;
        }
      } else {
        ok = false;
      }
    }
    if (!ok) continue;
    // The policy checks each rule (one of cidr and host, their syntax) with its index.
    if (auto single = DestinationPolicy::Create({rule}); !single.ok()) {
      // Checked alone, the rule is number 0: the diagnostic gives its real place.
      absl::string_view message = single.status().message();
      if (!absl::ConsumePrefix(&message, "destinations.allow[0]."))
        absl::ConsumePrefix(&message, "destinations.allow[0]: ");
      item.Error(std::string(message));
      continue;
    }
    out->push_back(std::move(rule));
  }
}

}  // namespace

absl::StatusOr<AgentConfig> ParseAgentConfig(absl::string_view yaml, const std::string& file_name) {
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
  if (top.CheckMap({"agent_id", "cluster", "namespace", "labels", "max_concurrency",
                    "exec_allowlist", "scheduler", "environment_kind", "kubernetes", "exec_env",
                    "destinations", "follow_redirects", "fingerprint"})) {
    if (YamlField f = top.Child("agent_id"); f.present()) f.NonEmptyString(&config.agent_id);
    if (YamlField f = top.Child("cluster"); f.present()) f.String(&config.cluster);
    if (YamlField f = top.Child("namespace"); f.present()) f.String(&config.namespace_);
    if (YamlField f = top.Child("labels"); f.present()) f.StringMap(&config.labels);
    uint32_t concurrency = 0;
    if (YamlField f = top.Child("max_concurrency"); f.present() && f.Uint(1, 4096, &concurrency)) {
      config.max_concurrency = static_cast<int>(concurrency);
    }
    if (YamlField f = top.Child("exec_allowlist"); f.present())
      ReadExecAllowlist(f, &config.exec_allowlist);
    if (YamlField f = top.Child("exec_env"); f.present() && f.StringMap(&config.exec_env)) {
      for (const auto& [name, value] : config.exec_env) {
        if (name.empty() || name.find('=') != std::string::npos ||
            name.find('\0') != std::string::npos || value.find('\0') != std::string::npos) {
          f.Error(absl::StrCat("\"", name.substr(0, 40),
                               "\": expected NAME: value, a name without '='"));
        }
      }
    }
    if (YamlField f = top.Child("destinations"); f.present()) {
      config.has_destinations = true;
      ReadDestinations(f, &config.destinations);
    }
    if (YamlField f = top.Child("follow_redirects"); f.present()) f.Bool(&config.follow_redirects);
    if (YamlField f = top.Child("scheduler"); f.present()) f.String(&config.scheduler);
    if (YamlField f = top.Child("fingerprint");
        f.present() && f.CheckMap({"envoy_admin", "istiod"})) {
      for (auto [key, out] : {std::pair{"envoy_admin", &config.fingerprint_envoy_admin},
                              std::pair{"istiod", &config.fingerprint_istiod}}) {
        YamlField k = f.Child(key);
        if (!k.present() || !k.NonEmptyString(out)) continue;
        if (!absl::StartsWith(*out, "http://") && !absl::StartsWith(*out, "https://")) {
          k.Error(absl::StrCat(
              "expected an http:// or https:// URL (HOST:PORT of the ",
              std::string(key) == "istiod" ? "monitoring port, 15014" : "admin interface, 15000",
              "), got \"", out->substr(0, 60), "\""));
        }
      }
    }
    if (YamlField f = top.Child("kubernetes"); f.present()) config.has_kubernetes = true;
    if (YamlField f = top.Child("kubernetes");
        f.present() && f.CheckMap({"api_server", "token_file", "ca_file"})) {
      if (YamlField k = f.Child("api_server"); k.present())
        k.NonEmptyString(&config.kubernetes.api_server);
      if (YamlField k = f.Child("token_file"); k.present())
        k.NonEmptyString(&config.kubernetes.token_file);
      if (YamlField k = f.Child("ca_file"); k.present())
        k.NonEmptyString(&config.kubernetes.ca_file);
    }
    if (YamlField f = top.Child("environment_kind");
        f.present() && f.String(&config.environment_kind)) {
      if (!CheckEnvironmentKind(config.environment_kind, "environment_kind").ok()) {
        f.Error(absl::StrCat("expected lab or cluster, got \"",
                             config.environment_kind.substr(0, 40), "\""));
      }
    }
  }
  auto diagnostics = sink.Take();
  if (!diagnostics.empty()) return scenario::DiagnosticsToStatus(diagnostics);
  return config;
}

FingerprintSources FingerprintSourcesFor(const AgentConfig& config,
                                         const std::string& agent_version) {
  FingerprintSources sources;
  sources.envoy_admin = config.fingerprint_envoy_admin;
  sources.istiod = config.fingerprint_istiod;
  sources.kubernetes = config.kubernetes;
  // A cluster agent has the API server by default (its service account); elsewhere only
  // one configured on purpose is read.
  sources.read_kubernetes = config.has_kubernetes || config.environment_kind == "cluster";
  sources.agent_version = agent_version;
  sources.kind = config.environment_kind;
  return sources;
}

absl::Status CheckEnvironmentKind(const std::string& kind, const std::string& field) {
  if (kind.empty() || kind == "lab" || kind == "cluster") return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": expected lab or cluster, got \"", kind.substr(0, 40), "\""));
}

}  // namespace meshproof::agent
