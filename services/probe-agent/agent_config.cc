#include "services/probe-agent/agent_config.h"

#include <yaml-cpp/yaml.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/labels.h"
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

void DeclareAgentOptions(bootstrap::OptionTable* table, AgentConfig* config) {
  bootstrap::AddServerOptions(
      table, &config->server,
      "for ProbeAgentService: Execute needs runner, GetInfo viewer; without it the API is open "
      "to every caller");
  bootstrap::AddPeerOptions(table, "scheduler", "scheduler HOST:PORT to dial for assignments",
                            "agent", &config->scheduler);
  table->String("agent-id", &config->agent_id, "stable agent id (default: the host name)")
      .NonEmpty("a non-empty id");
  table->String("cluster", &config->cluster, "cluster name this agent reports");
  table->String("namespace", &config->namespace_, "namespace this agent runs in");
  table
      ->String("labels", &config->labels_flag,
               "agent labels as k=v,k2=v2 (over the configuration's labels map)")
      .FlagOnly();
  table
      ->Choice("environment-kind", &config->environment_kind, {"lab", "cluster"},
               "what this agent measures: lab (meshproof's lab) or cluster (a real mesh); "
               "recorded with every run")
      .AllowEmpty();
  table->Int("max-concurrency", &config->max_concurrency, 1, 4096, "most probes in flight at once");
  table->Bool("follow-redirects", &config->follow_redirects, "let HTTP probes follow redirects");
  table->Section("labels", "agent labels, a map of name to value",
                 [config](const YamlField& f) { f.StringMap(&config->labels); });
  table->Section("exec_allowlist",
                 "programs exec probes may run: a list of {program: /absolute/path, args: "
                 "[PATTERN, ...] | args_pattern: PATTERN}; empty refuses every exec probe",
                 [config](const YamlField& f) { ReadExecAllowlist(f, &config->exec_allowlist); });
  table->Section("exec_env", "the whole environment of every exec probe, NAME: value",
                 [config](const YamlField& f) {
                   if (!f.StringMap(&config->exec_env)) return;
                   for (const auto& [name, value] : config->exec_env) {
                     if (name.empty() || name.find('=') != std::string::npos ||
                         name.find('\0') != std::string::npos ||
                         value.find('\0') != std::string::npos) {
                       f.Error(absl::StrCat("\"", name.substr(0, 40),
                                            "\": expected NAME: value, a name without '='"));
                     }
                   }
                 });
  table->Section("destinations",
                 "where probes and evidence sources may connect: {allow: [{cidr | host, "
                 "ports}]}; absent: anywhere, with a warning",
                 [config](const YamlField& f) {
                   config->has_destinations = true;
                   ReadDestinations(f, &config->destinations);
                 });
  table->Section(
      "fingerprint",
      "{envoy_admin, istiod}: http(s) URLs the environment fingerprint reads versions from",
      [config](const YamlField& f) {
        if (!f.CheckMap({"envoy_admin", "istiod"})) return;
        for (auto [key, out] : {std::pair{"envoy_admin", &config->fingerprint_envoy_admin},
                                std::pair{"istiod", &config->fingerprint_istiod}}) {
          YamlField k = f.Child(key);
          if (!k.present() || !k.NonEmptyString(out)) continue;
          if (!absl::StartsWith(*out, "http://") && !absl::StartsWith(*out, "https://")) {
            k.Error(absl::StrCat(
                "expected an http:// or https:// URL (HOST:PORT of the ",
                std::string(key) == "istiod" ? "monitoring port, 15014" : "admin interface, 15000",
                "), got \"", out->substr(0, 60), "\""));
          }
        }
      });
  table->Section("kubernetes",
                 "{api_server, token_file, ca_file}: how Kubernetes log sources reach the API "
                 "(default: the pod's service account)",
                 [config](const YamlField& f) {
                   config->has_kubernetes = true;
                   if (!f.CheckMap({"api_server", "token_file", "ca_file"})) return;
                   if (YamlField k = f.Child("api_server"); k.present())
                     k.NonEmptyString(&config->kubernetes.api_server);
                   if (YamlField k = f.Child("token_file"); k.present())
                     k.NonEmptyString(&config->kubernetes.token_file);
                   if (YamlField k = f.Child("ca_file"); k.present())
                     k.NonEmptyString(&config->kubernetes.ca_file);
                 });
  table->Check([config]() -> absl::Status {
    absl::StatusOr<std::map<std::string, std::string>> labels =
        ParseLabels(config->labels_flag, "--labels");
    if (!labels.ok()) return labels.status();
    for (const auto& [k, v] : *labels) config->labels[k] = v;
    return absl::OkStatus();
  });
}

absl::StatusOr<AgentConfig> ParseAgentConfig(absl::string_view yaml, const std::string& file_name) {
  AgentConfig config;
  bootstrap::OptionTable table;
  DeclareAgentOptions(&table, &config);
  if (absl::Status read = table.ReadFile(yaml, file_name); !read.ok()) return read;
  if (absl::Status checked = table.Finish(); !checked.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(file_name, ": ", checked.message()));
  }
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
