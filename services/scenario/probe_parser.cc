// Reads the probe kinds of a test: http, tcp, dns, envoy_admin, exec.
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/scenario/limits.h"
#include "services/scenario/parser_internal.h"

namespace meshproof::scenario::internal {
namespace {

// Reads `tls:` of an HTTP probe.
void ReadTlsOptions(const YamlField& field, v1::TlsOptions* tls) {
  if (!field.CheckMap({"insecure", "ca_file", "client_cert", "client_key", "sni", "min_version",
                       "max_version", "no_alpn"})) {
    return;
  }
  bool flag = false;
  std::string text;
  if (YamlField f = field.Child("insecure"); f.present() && f.Bool(&flag)) tls->set_insecure(flag);
  if (YamlField f = field.Child("ca_file"); f.present() && f.NonEmptyString(&text))
    tls->set_ca_file(text);
  if (YamlField f = field.Child("client_cert"); f.present() && f.NonEmptyString(&text)) {
    tls->set_client_cert_file(text);
  }
  if (YamlField f = field.Child("client_key"); f.present() && f.NonEmptyString(&text)) {
    tls->set_client_key_file(text);
  }
  if (YamlField f = field.Child("sni"); f.present() && f.NonEmptyString(&text)) tls->set_sni(text);
  v1::TlsVersion version;
  if (YamlField f = field.Child("min_version"); f.present() && ReadTlsVersion(f, &version)) {
    tls->set_min_version(version);
  }
  if (YamlField f = field.Child("max_version"); f.present() && ReadTlsVersion(f, &version)) {
    tls->set_max_version(version);
  }
  if (YamlField f = field.Child("no_alpn"); f.present() && f.Bool(&flag)) tls->set_no_alpn(flag);
  if (!tls->client_cert_file().empty() != !tls->client_key_file().empty()) {
    field.Error("client_cert and client_key must be given together");
  }
}

bool ReadHttpVersion(const YamlField& field, v1::HttpVersion* version) {
  static const auto* kVersions = new std::map<std::string, v1::HttpVersion>{
      {"1.0", v1::HTTP_VERSION_1_0},
      {"1.1", v1::HTTP_VERSION_1_1},
      {"2", v1::HTTP_VERSION_2},
      {"2-prior-knowledge", v1::HTTP_VERSION_2_PRIOR_KNOWLEDGE}};
  std::string text;
  if (!field.String(&text)) return false;
  auto it = kVersions->find(text);
  if (it == kVersions->end()) {
    field.Error(absl::StrCat("expected \"1.0\", \"1.1\", \"2\" or \"2-prior-knowledge\", got \"",
                             text.substr(0, 40), "\""));
    return false;
  }
  *version = it->second;
  return true;
}

void ReadHttp(const YamlField& field, v1::HttpProbe* http) {
  if (!field.CheckMap({"method", "url", "headers", "body", "resolve", "connect_to", "tls",
                       "http_version", "connect_timeout", "timeout", "follow_redirects",
                       "max_redirects", "body_capture_bytes"})) {
    return;
  }
  std::string text;
  if (YamlField f = field.Child("method"); f.present() && f.NonEmptyString(&text)) {
    http->set_method(text);
  }
  if (field.Child("url").NonEmptyString(&text)) http->set_url(text);
  if (YamlField f = field.Child("headers"); f.present()) {
    std::vector<std::pair<std::string, YamlField>> entries;
    f.Entries(&entries);
    for (const auto& [name, value] : entries) {
      if (value.String(&text)) {
        v1::Header* header = http->add_headers();
        header->set_name(name);
        header->set_value(text);
      }
    }
  }
  if (YamlField f = field.Child("body"); f.present() && f.String(&text)) http->set_body(text);
  std::vector<std::string> list;
  if (YamlField f = field.Child("resolve"); f.present() && f.StringList(&list)) {
    for (auto& entry : list) http->add_resolve(entry);
  }
  if (YamlField f = field.Child("connect_to"); f.present() && f.StringList(&list)) {
    for (auto& entry : list) http->add_connect_to(entry);
  }
  if (YamlField f = field.Child("tls"); f.present()) ReadTlsOptions(f, http->mutable_tls());
  v1::HttpVersion version;
  if (YamlField f = field.Child("http_version"); f.present() && ReadHttpVersion(f, &version)) {
    http->set_http_version(version);
  }
  if (YamlField f = field.Child("connect_timeout"); f.present()) {
    f.Duration(kMaxTimeout, http->mutable_connect_timeout());
  }
  if (YamlField f = field.Child("timeout"); f.present())
    f.Duration(kMaxTimeout, http->mutable_timeout());
  bool flag = false;
  if (YamlField f = field.Child("follow_redirects"); f.present() && f.Bool(&flag)) {
    http->set_follow_redirects(flag);
  }
  uint32_t number = 0;
  if (YamlField f = field.Child("max_redirects");
      f.present() && f.Uint(0, kMaxRedirects, &number)) {
    http->set_max_redirects(number);
  }
  if (YamlField f = field.Child("body_capture_bytes");
      f.present() && f.Uint(0, kMaxBodyCaptureBytes, &number)) {
    http->set_body_capture_bytes(number);
  }
}

void ReadTcp(const YamlField& field, v1::TcpProbe* tcp) {
  if (!field.CheckMap({"host", "port", "timeout"})) return;
  std::string text;
  if (field.Child("host").NonEmptyString(&text)) tcp->set_host(text);
  uint32_t port = 0;
  if (YamlField f = field.Child("port"); !f.present()) {
    f.Error("is required: a port from 1 to 65535");
  } else if (f.Uint(1, 65535, &port)) {
    tcp->set_port(port);
  }
  if (YamlField f = field.Child("timeout"); f.present())
    f.Duration(kMaxTimeout, tcp->mutable_timeout());
}

void ReadDns(const YamlField& field, v1::DnsProbe* dns) {
  if (!field.CheckMap({"name", "type", "timeout"})) return;
  std::string text;
  if (field.Child("name").NonEmptyString(&text)) dns->set_name(text);
  if (YamlField f = field.Child("type"); f.present() && f.String(&text)) {
    if (text == "A") {
      dns->set_record_type(v1::DNS_RECORD_TYPE_A);
    } else if (text == "AAAA") {
      dns->set_record_type(v1::DNS_RECORD_TYPE_AAAA);
    } else if (text == "ANY") {
      dns->set_record_type(v1::DNS_RECORD_TYPE_ANY);
    } else {
      f.Error(absl::StrCat("expected A, AAAA or ANY, got \"", text.substr(0, 40), "\""));
    }
  }
  if (YamlField f = field.Child("timeout"); f.present())
    f.Duration(kMaxTimeout, dns->mutable_timeout());
}

void ReadEnvoyAdmin(const YamlField& field, v1::EnvoyAdminProbe* admin) {
  if (!field.CheckMap({"admin_url", "resource", "timeout"})) return;
  std::string text;
  if (field.Child("admin_url").NonEmptyString(&text)) admin->set_admin_url(text);
  v1::EnvoyResource resource;
  if (YamlField f = field.Child("resource"); !f.present()) {
    f.Error("is required: clusters, listeners or config_dump");
  } else if (ReadEnvoyResource(f, &resource)) {
    admin->set_resource(resource);
  }
  if (YamlField f = field.Child("timeout"); f.present())
    f.Duration(kMaxTimeout, admin->mutable_timeout());
}

void ReadExec(const YamlField& field, v1::ExecProbe* exec) {
  if (!field.CheckMap({"program", "args", "env", "timeout"})) return;
  std::string text;
  if (field.Child("program").NonEmptyString(&text)) exec->set_program(text);
  std::vector<std::string> args;
  if (YamlField f = field.Child("args"); f.present() && f.StringList(&args)) {
    for (auto& arg : args) exec->add_args(arg);
  }
  std::map<std::string, std::string> env;
  if (YamlField f = field.Child("env"); f.present() && f.StringMap(&env)) {
    exec->mutable_env()->insert(env.begin(), env.end());
  }
  if (YamlField f = field.Child("timeout"); f.present())
    f.Duration(kMaxTimeout, exec->mutable_timeout());
}

}  // namespace

const std::vector<std::string>& ProbeKeys() {
  static const auto* kKeys =
      new std::vector<std::string>{"http", "tcp", "dns", "envoy_admin", "exec"};
  return *kKeys;
}

void ReadProbe(const std::string& kind, const YamlField& field, v1::Probe* probe) {
  if (kind == "http") ReadHttp(field, probe->mutable_http());
  if (kind == "tcp") ReadTcp(field, probe->mutable_tcp());
  if (kind == "dns") ReadDns(field, probe->mutable_dns());
  if (kind == "envoy_admin") ReadEnvoyAdmin(field, probe->mutable_envoy_admin());
  if (kind == "exec") ReadExec(field, probe->mutable_exec());
}

bool ReadTlsVersion(const YamlField& field, v1::TlsVersion* version) {
  static const auto* kVersions =
      new std::map<std::string, v1::TlsVersion>{{"1.0", v1::TLS_VERSION_1_0},
                                                {"1.1", v1::TLS_VERSION_1_1},
                                                {"1.2", v1::TLS_VERSION_1_2},
                                                {"1.3", v1::TLS_VERSION_1_3}};
  std::string text;
  if (!field.String(&text)) return false;
  auto it = kVersions->find(text);
  if (it == kVersions->end()) {
    field.Error(absl::StrCat("expected a TLS version \"1.0\", \"1.1\", \"1.2\" or \"1.3\", got \"",
                             text.substr(0, 40), "\""));
    return false;
  }
  *version = it->second;
  return true;
}

bool ReadEnvoyResource(const YamlField& field, v1::EnvoyResource* resource) {
  std::string text;
  if (!field.String(&text)) return false;
  if (text == "clusters") {
    *resource = v1::ENVOY_RESOURCE_CLUSTERS;
  } else if (text == "listeners") {
    *resource = v1::ENVOY_RESOURCE_LISTENERS;
  } else if (text == "config_dump") {
    *resource = v1::ENVOY_RESOURCE_CONFIG_DUMP;
  } else if (text == "rbac_policies") {
    *resource = v1::ENVOY_RESOURCE_RBAC_POLICIES;
  } else {
    field.Error(absl::StrCat("expected clusters, listeners, config_dump or rbac_policies, got \"",
                             text.substr(0, 40), "\""));
    return false;
  }
  return true;
}

}  // namespace meshproof::scenario::internal
