#include "services/probe-agent/environment_fingerprint.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace meshproof::agent {

namespace sv1 = ::meshproof::scenario::v1;
namespace rv1 = ::meshproof::result::v1;

namespace {

// Version answers are a few hundred bytes; Envoy's /server_info lists every extension
// (~50 KiB). Anything far larger is not what was asked for.
constexpr size_t kBodyLimit = 1 << 20;
constexpr size_t kMaxVersionLength = 64;

// True for what a version string may hold: "1.30.0", "1.32.2-dev", "v1.30.6+k3s1".
bool LooksLikeVersion(absl::string_view v) {
  if (v.empty() || v.size() > kMaxVersionLength) return false;
  if (!absl::ascii_isdigit(static_cast<unsigned char>(v[0])) &&
      !(v[0] == 'v' && v.size() > 1 && absl::ascii_isdigit(static_cast<unsigned char>(v[1])))) {
    return false;
  }
  for (const char c : v) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '+' &&
        c != '_') {
      return false;
    }
  }
  return true;
}

absl::StatusOr<std::string> JsonStringField(absl::string_view body, const char* field,
                                            const char* what) {
  google::protobuf::Value root;
  if (!google::protobuf::util::JsonStringToMessage(std::string(body), &root).ok() ||
      !root.has_struct_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the answer is not ", what, " (not a JSON object)"));
  }
  const auto& fields = root.struct_value().fields();
  auto it = fields.find(field);
  if (it == fields.end() || !it->second.has_string_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the answer is not ", what, " (no \"", field, "\" string)"));
  }
  return it->second.string_value();
}

// The first http(s) admin_url and the first istiod:// one the scenario names, in file
// order (preflight, setup, tests, teardown; a test's probe before its evidence).
void ScenarioSources(const sv1::Scenario& scenario, std::string* admin, std::string* istiod) {
  auto consider = [&](const std::string& url) {
    if (IstiodBaseUrl(url).empty()) {
      if (admin->empty() && (absl::StartsWith(url, "http://") || absl::StartsWith(url, "https://")))
        *admin = url;
    } else if (istiod->empty()) {
      *istiod = IstiodBaseUrl(url);
    }
  };
  for (const auto* list :
       {&scenario.preflight(), &scenario.setup(), &scenario.tests(), &scenario.teardown()}) {
    for (const sv1::Test& test : *list) {
      if (test.probe().has_envoy_admin()) consider(test.probe().envoy_admin().admin_url());
      for (const sv1::EvidenceSpec& evidence : test.evidence()) {
        if (evidence.has_config()) consider(evidence.config().admin_url());
      }
    }
  }
}

struct Reading {
  std::string version;
  std::string unknown;  // why, when version is empty
};

Reading Read(const absl::StatusOr<std::string>& body, const std::string& url,
             absl::StatusOr<std::string> (*parse)(absl::string_view)) {
  // Prober::Fetch names the URL in its messages already.
  if (!body.ok()) return {"", std::string(body.status().message())};
  absl::StatusOr<std::string> version = parse(*body);
  if (!version.ok()) return {"", absl::StrCat(url, ": ", version.status().message())};
  return {*version, ""};
}

}  // namespace

absl::StatusOr<std::string> EnvoyVersionFromServerInfo(absl::string_view body) {
  absl::StatusOr<std::string> full = JsonStringField(body, "version", "Envoy's /server_info");
  if (!full.ok()) return full.status();
  // SHA/VERSION/STATUS/BUILD_TYPE/SSL: Envoy's build version string.
  const std::vector<absl::string_view> parts = absl::StrSplit(*full, '/');
  if (parts.size() < 2 || !LooksLikeVersion(parts[1])) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"version\" is not in Envoy's form (SHA/VERSION/STATUS/BUILD/SSL): \"",
                     full->substr(0, 80), "\""));
  }
  return std::string(parts[1]);
}

absl::StatusOr<std::string> IstioVersionFromIstiod(absl::string_view body) {
  const absl::string_view text = absl::StripAsciiWhitespace(body);
  // VERSION-REVISION-STATUS, where VERSION may hold dashes (1.7-alpha.SHA) and a
  // modified tree's REVISION is SHA-dirty.
  std::vector<absl::string_view> parts = absl::StrSplit(text, '-');
  if (parts.size() < 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        "istiod's /version answer is not VERSION-REVISION-STATUS: \"", text.substr(0, 80), "\""));
  }
  size_t version_parts = parts.size() - 2;
  if (parts[parts.size() - 2] == "dirty") --version_parts;
  const std::string version = absl::StrJoin(parts.begin(), parts.begin() + version_parts, "-");
  if (version == "unknown") {
    return absl::InvalidArgumentError("istiod reports no version (a build without version stamps)");
  }
  if (!LooksLikeVersion(version)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "istiod's /version answer is not VERSION-REVISION-STATUS: \"", text.substr(0, 80), "\""));
  }
  return version;
}

absl::StatusOr<std::string> KubernetesVersionFromVersion(absl::string_view body) {
  absl::StatusOr<std::string> version =
      JsonStringField(body, "gitVersion", "the API server's /version");
  if (!version.ok()) return version.status();
  if (!LooksLikeVersion(*version)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"gitVersion\" is not a version: \"", version->substr(0, 80), "\""));
  }
  return *version;
}

std::string IstiodBaseUrl(absl::string_view admin_url) {
  absl::string_view rest = admin_url;
  const char* scheme = nullptr;
  if (absl::ConsumePrefix(&rest, "istiod://")) {
    scheme = "http://";
  } else if (absl::ConsumePrefix(&rest, "istiods://")) {
    scheme = "https://";
  } else {
    return "";
  }
  const absl::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.empty()) return "";
  return absl::StrCat(scheme, authority);
}

EnvironmentFingerprint::EnvironmentFingerprint(Prober* prober, FingerprintSources sources)
    : prober_(prober), sources_(std::move(sources)) {}

void EnvironmentFingerprint::Stamp(const sv1::Scenario& scenario, rv1::Environment* env) const {
  std::string admin = sources_.envoy_admin;
  std::string istiod = sources_.istiod;
  {
    std::string scenario_admin, scenario_istiod;
    ScenarioSources(scenario, &scenario_admin, &scenario_istiod);
    if (admin.empty()) admin = scenario_admin;
    if (istiod.empty()) istiod = scenario_istiod;
  }
  Reading envoy{
      "",
      "no Envoy admin named (fingerprint.envoy_admin in the agent configuration, or an envoy_admin "
      "check in the scenario)"};
  Reading istio{
      "",
      "no istiod source configured (fingerprint.istiod in the agent configuration, or an istiod:// "
      "config source in the scenario)"};
  Reading kubernetes{
      "", sources_.kind == "lab"
              ? "not read: the agent measures meshproof's lab, which has no Kubernetes API"
              : "not read: the agent has no Kubernetes API configured (kubernetes.api_server)"};
  // The three reads are independent; at once, a run waits for the slowest, not the sum.
  std::vector<std::thread> reads;
  if (!admin.empty()) {
    reads.emplace_back([&] {
      const std::string url = absl::StrCat(absl::StripSuffix(admin, "/"), "/server_info");
      envoy = Read(FetchUrl(*prober_, url, sources_.timeout, kBodyLimit), url,
                   &EnvoyVersionFromServerInfo);
    });
  }
  if (!istiod.empty()) {
    reads.emplace_back([&] {
      const std::string url = absl::StrCat(absl::StripSuffix(istiod, "/"), "/version");
      istio =
          Read(FetchUrl(*prober_, url, sources_.timeout, kBodyLimit), url, &IstioVersionFromIstiod);
    });
  }
  if (sources_.read_kubernetes) {
    reads.emplace_back([&] {
      KubernetesAccess access = sources_.kubernetes;
      const std::string url = absl::StrCat(absl::StripSuffix(access.api_server, "/"), "/version");
      kubernetes = Read(FetchKubernetesApi(*prober_, access, "/version", kBodyLimit), url,
                        &KubernetesVersionFromVersion);
    });
  }
  for (std::thread& t : reads) t.join();

  env->clear_unknown_versions();
  auto record = [env](const char* component, const Reading& reading, std::string* field) {
    *field = reading.version;
    if (reading.version.empty()) {
      rv1::UnknownVersion* u = env->add_unknown_versions();
      u->set_component(component);
      u->set_reason(reading.unknown.substr(0, 300));
    }
  };
  record("envoy", envoy, env->mutable_envoy_version());
  record("istio", istio, env->mutable_istio_version());
  record("kubernetes", kubernetes, env->mutable_kubernetes_version());
  record("agent", Reading{sources_.agent_version, "the agent was built without a version"},
         env->mutable_agent_version());
  env->set_kind(sources_.kind);
}

}  // namespace meshproof::agent
