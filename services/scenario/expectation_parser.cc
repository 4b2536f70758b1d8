// Reads what a probe must show (`expect:`), the evidence around it, and its retry policy.
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/scenario/limits.h"
#include "services/scenario/parser_internal.h"

namespace meshproof::scenario::internal {
namespace {

constexpr char kStatusHint[] =
    "expected a status code (200), a class (\"2xx\"), a range "
    "(\"500-599\") or a list of those";

bool ParseStatusCode(absl::string_view text, uint32_t* code) {
  return absl::SimpleAtoi(text, code) && *code >= 100 && *code <= 599;
}

// Reads one status item into a range.
bool ReadStatusItem(const YamlField& field, v1::StatusRange* range) {
  std::string text;
  if (!field.String(&text)) return false;
  uint32_t low = 0, high = 0;
  if (text.size() == 3 && text[1] == 'x' && text[2] == 'x' && text[0] >= '1' && text[0] <= '5') {
    low = (text[0] - '0') * 100;
    high = low + 99;
  } else if (std::vector<std::string> parts = absl::StrSplit(text, '-'); parts.size() == 2) {
    if (!ParseStatusCode(parts[0], &low) || !ParseStatusCode(parts[1], &high) || low > high) {
      field.Error(absl::StrCat(kStatusHint, ", got \"", text.substr(0, 40), "\""));
      return false;
    }
  } else if (ParseStatusCode(text, &low)) {
    high = low;
  } else {
    field.Error(absl::StrCat(kStatusHint, ", got \"", text.substr(0, 40), "\""));
    return false;
  }
  range->set_min(low);
  range->set_max(high);
  return true;
}

void ReadStatus(const YamlField& field, v1::Expectation* expect) {
  if (field.node().IsSequence()) {
    std::vector<YamlField> items;
    if (!field.Items(&items)) return;
    if (items.empty()) field.Error("must list at least one status");
    for (const YamlField& item : items) ReadStatusItem(item, expect->add_status());
    return;
  }
  if (!field.node().IsScalar()) {
    field.Error(absl::StrCat(kStatusHint, ", got ", field.Kind()));
    return;
  }
  ReadStatusItem(field, expect->add_status());
}

bool ReadFailureClass(const YamlField& field, v1::FailureClass* out) {
  static const auto* kClasses = new std::map<std::string, v1::FailureClass>{
      {"dns", v1::FAILURE_CLASS_DNS},
      {"connect_refused", v1::FAILURE_CLASS_CONNECT_REFUSED},
      {"connect_timeout", v1::FAILURE_CLASS_CONNECT_TIMEOUT},
      {"tls_handshake", v1::FAILURE_CLASS_TLS_HANDSHAKE},
      {"tls_verify", v1::FAILURE_CLASS_TLS_VERIFY},
      {"connection_reset", v1::FAILURE_CLASS_CONNECTION_RESET},
      {"empty_reply", v1::FAILURE_CLASS_EMPTY_REPLY},
      {"timeout", v1::FAILURE_CLASS_TIMEOUT},
      {"protocol", v1::FAILURE_CLASS_PROTOCOL}};
  std::string text;
  if (!field.String(&text)) return false;
  auto it = kClasses->find(text);
  if (it == kClasses->end()) {
    field.Error(absl::StrCat("unknown failure class \"", text.substr(0, 40),
                             "\"; expected one of dns, connect_refused, connect_timeout, "
                             "tls_handshake, tls_verify, connection_reset, empty_reply, "
                             "timeout, protocol"));
    return false;
  }
  *out = it->second;
  return true;
}

// One class (a scalar) or several that prove the same claim (a sequence): the first is
// `class`, the rest `or_class`.
void ReadFailureClasses(const YamlField& field, v1::FailureExpectation* failure) {
  v1::FailureClass failure_class;
  if (!field.node().IsSequence()) {
    if (ReadFailureClass(field, &failure_class)) failure->set_class_(failure_class);
    return;
  }
  std::vector<YamlField> items;
  if (!field.Items(&items)) return;
  if (items.empty()) {
    field.Error("lists no failure class, e.g. [empty_reply, connection_reset]");
    return;
  }
  std::set<int> seen;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!ReadFailureClass(items[i], &failure_class)) continue;
    if (!seen.insert(failure_class).second) {
      items[i].Error("repeats a failure class listed before it");
      continue;
    }
    if (i == 0) {
      failure->set_class_(failure_class);
    } else {
      failure->add_or_class(failure_class);
    }
  }
}

void ReadFailure(const YamlField& field, v1::FailureExpectation* failure) {
  if (!field.node().IsMap()) {
    ReadFailureClasses(field, failure);
    return;
  }
  if (!field.CheckMap({"class", "curl_exit"})) return;
  if (YamlField f = field.Child("class"); !f.present()) {
    f.Error("is required, e.g. tls_handshake");
  } else {
    ReadFailureClasses(f, failure);
  }
  uint32_t code = 0;
  if (YamlField f = field.Child("curl_exit"); f.present() && f.Uint(1, 99, &code)) {
    failure->set_curl_exit_code(code);
  }
}

void ReadHeaderChecks(const YamlField& field, v1::Expectation* expect) {
  std::vector<std::pair<std::string, YamlField>> entries;
  if (!field.Entries(&entries)) return;
  for (const auto& [name, check] : entries) {
    if (!check.CheckMap({"equals", "pattern", "present", "absent"})) continue;
    if (check.node().size() != 1) {
      check.Error("expected exactly one of equals, pattern, present, absent");
      continue;
    }
    v1::HeaderExpectation* header = expect->add_headers();
    header->set_name(name);
    std::string text;
    bool flag = false;
    if (YamlField f = check.Child("equals"); f.present() && f.String(&text))
      header->set_equals(text);
    if (YamlField f = check.Child("pattern"); f.present() && f.NonEmptyString(&text)) {
      header->set_pattern(text);
    }
    if (YamlField f = check.Child("present"); f.present() && f.Bool(&flag))
      header->set_present(flag);
    if (YamlField f = check.Child("absent"); f.present() && f.Bool(&flag)) header->set_absent(flag);
  }
}

void ReadBody(const YamlField& field, v1::BodyExpectation* body) {
  if (!field.CheckMap({"contains", "pattern", "json"})) return;
  std::string text;
  if (YamlField f = field.Child("contains"); f.present() && f.NonEmptyString(&text)) {
    body->set_contains(text);
  }
  if (YamlField f = field.Child("pattern"); f.present() && f.NonEmptyString(&text)) {
    body->set_pattern(text);
  }
  if (YamlField f = field.Child("json"); f.present()) {
    std::vector<std::pair<std::string, YamlField>> entries;
    if (!f.Entries(&entries)) return;
    for (const auto& [path, check] : entries) {
      if (!check.CheckMap({"equals", "pattern", "exists"})) continue;
      if (check.node().size() != 1) {
        check.Error("expected exactly one of equals, pattern, exists");
        continue;
      }
      v1::JsonExpectation* json = body->add_json();
      json->set_path(path);
      bool flag = false;
      if (YamlField c = check.Child("equals"); c.present() && c.String(&text))
        json->set_equals(text);
      if (YamlField c = check.Child("pattern"); c.present() && c.NonEmptyString(&text)) {
        json->set_pattern(text);
      }
      if (YamlField c = check.Child("exists"); c.present() && c.Bool(&flag)) json->set_exists(flag);
    }
  }
}

void ReadTlsExpectation(const YamlField& field, v1::TlsExpectation* tls) {
  if (!field.CheckMap({"min_version", "subject", "issuer", "san", "min_days_to_expiry", "alpn"})) {
    return;
  }
  v1::TlsVersion version;
  if (YamlField f = field.Child("min_version"); f.present() && ReadTlsVersion(f, &version)) {
    tls->set_min_version(version);
  }
  std::string text;
  if (YamlField f = field.Child("subject"); f.present() && f.NonEmptyString(&text)) {
    tls->set_subject_pattern(text);
  }
  if (YamlField f = field.Child("issuer"); f.present() && f.NonEmptyString(&text)) {
    tls->set_issuer_pattern(text);
  }
  std::vector<std::string> sans;
  if (YamlField f = field.Child("san"); f.present() && f.StringList(&sans)) {
    for (auto& san : sans) tls->add_san(san);
  }
  uint32_t days = 0;
  if (YamlField f = field.Child("min_days_to_expiry"); f.present() && f.Uint(0, 36500, &days)) {
    tls->set_min_days_to_expiry(days);
  }
  if (YamlField f = field.Child("alpn"); f.present() && f.NonEmptyString(&text))
    tls->set_alpn(text);
}

void ReadLogEvidence(const YamlField& field, v1::LogEvidence* log) {
  if (!field.CheckMap({"file", "url", "kubernetes", "source", "pattern", "min_lines", "max_lines",
                       "window", "time", "skew", "correlate", "client_address_pattern"})) {
    return;
  }
  int sources = 0;
  std::string text;
  if (YamlField f = field.Child("file"); f.present()) {
    ++sources;
    if (f.NonEmptyString(&text)) log->mutable_source()->mutable_file()->set_path(text);
  }
  if (YamlField f = field.Child("url"); f.present()) {
    ++sources;
    if (f.NonEmptyString(&text)) log->mutable_source()->mutable_http()->set_url(text);
  }
  if (YamlField f = field.Child("kubernetes"); f.present()) {
    ++sources;
    v1::KubernetesLogSource* k8s = log->mutable_source()->mutable_kubernetes();
    if (f.CheckMap({"namespace", "selector", "container", "api_server", "token_file", "ca_file"})) {
      if (f.Child("namespace").NonEmptyString(&text)) k8s->set_namespace_(text);
      if (f.Child("selector").NonEmptyString(&text)) k8s->set_label_selector(text);
      if (YamlField c = f.Child("container"); c.present() && c.NonEmptyString(&text))
        k8s->set_container(text);
      // The API server and the credentials are the agent's, never a scenario's: a
      // scenario that chose them could send the agent's token anywhere.
      for (const char* key : {"api_server", "token_file", "ca_file"}) {
        if (YamlField c = f.Child(key); c.present()) {
          c.Error(absl::StrCat("is set by the agent's configuration (kubernetes.", key,
                               "), never by a scenario"));
        }
      }
    }
  }
  if (YamlField f = field.Child("source"); f.present()) {
    // A URI a variable can switch (file:///…, k8s://…, http(s)://…), resolved by the
    // agent once variables are substituted.
    ++sources;
    if (f.NonEmptyString(&text)) log->mutable_source()->set_uri(text);
  }
  if (sources != 1) {
    field.Error("expected exactly one log source: file, url, kubernetes or source");
  }
  if (field.Child("pattern").NonEmptyString(&text)) log->set_pattern(text);
  uint32_t number = 0;
  if (YamlField f = field.Child("min_lines"); f.present() && f.Uint(0, 10000, &number)) {
    log->set_min_lines(number);
  }
  if (YamlField f = field.Child("max_lines"); f.present() && f.Uint(1, 10000, &number)) {
    log->set_max_lines(number);
  }
  if (YamlField f = field.Child("window"); f.present())
    f.Duration(kMaxEvidenceWindow, log->mutable_window());
  if (YamlField f = field.Child("time"); f.present() && f.CheckMap({"pattern", "format"})) {
    if (YamlField p = f.Child("pattern"); p.present() && p.NonEmptyString(&text))
      log->mutable_time()->set_pattern(text);
    if (YamlField p = f.Child("format");
        p.present() && p.Choice({"rfc3339", "epoch", "common", "none"}, &text)) {
      log->mutable_time()->set_format(text);
    }
  }
  if (YamlField f = field.Child("skew"); f.present())
    f.Duration(kMaxEvidenceWindow, log->mutable_skew());
  if (YamlField f = field.Child("correlate");
      f.present() && f.Choice({"client_address", "client_ip", "none"}, &text)) {
    if (text == "client_address") log->set_correlate(v1::LOG_CORRELATION_CLIENT_ADDRESS);
    if (text == "client_ip") log->set_correlate(v1::LOG_CORRELATION_CLIENT_IP);
  }
  if (YamlField f = field.Child("client_address_pattern"); f.present() && f.NonEmptyString(&text)) {
    log->set_client_address_pattern(text);
  }
}

void ReadConfigEvidence(const YamlField& field, v1::ConfigEvidence* config) {
  if (!field.CheckMap({"admin_url", "resource", "present", "absent"})) return;
  std::string text;
  if (field.Child("admin_url").NonEmptyString(&text)) config->set_admin_url(text);
  v1::EnvoyResource resource;
  if (YamlField f = field.Child("resource"); !f.present()) {
    f.Error("is required: clusters, listeners or config_dump");
  } else if (ReadEnvoyResource(f, &resource)) {
    config->set_resource(resource);
  }
  std::vector<std::string> names;
  if (YamlField f = field.Child("present"); f.present() && f.StringList(&names)) {
    for (auto& name : names) config->add_present(name);
  }
  if (YamlField f = field.Child("absent"); f.present() && f.StringList(&names)) {
    for (auto& name : names) config->add_absent(name);
  }
}

}  // namespace

void ReadExpectation(const YamlField& field, v1::Expectation* expect) {
  if (!field.CheckMap({"status", "failure", "headers", "body", "tls", "max_latency",
                       "config_present", "config_absent", "addresses", "exit_code", "stdout"})) {
    return;
  }
  if (YamlField f = field.Child("status"); f.present()) ReadStatus(f, expect);
  if (YamlField f = field.Child("failure"); f.present()) ReadFailure(f, expect->mutable_failure());
  if (YamlField f = field.Child("headers"); f.present()) ReadHeaderChecks(f, expect);
  if (YamlField f = field.Child("body"); f.present()) ReadBody(f, expect->mutable_body());
  if (YamlField f = field.Child("tls"); f.present()) ReadTlsExpectation(f, expect->mutable_tls());
  if (YamlField f = field.Child("max_latency"); f.present()) {
    f.Duration(kMaxTimeout, expect->mutable_max_latency());
  }
  std::vector<std::string> names;
  if (YamlField f = field.Child("config_present"); f.present() && f.StringList(&names)) {
    for (auto& name : names) expect->add_config_present(name);
  }
  if (YamlField f = field.Child("config_absent"); f.present() && f.StringList(&names)) {
    for (auto& name : names) expect->add_config_absent(name);
  }
  if (YamlField f = field.Child("addresses"); f.present() && f.StringList(&names)) {
    for (auto& name : names) expect->add_dns_addresses(name);
  }
  int64_t code = 0;
  if (YamlField f = field.Child("exit_code"); f.present() && f.Int(0, 255, &code)) {
    expect->set_exit_code(static_cast<int32_t>(code));
  }
  std::string text;
  if (YamlField f = field.Child("stdout"); f.present() && f.NonEmptyString(&text)) {
    expect->set_stdout_pattern(text);
  }
}

void ReadEvidenceList(const YamlField& field, v1::Test* test) {
  std::vector<YamlField> items;
  if (!field.Items(&items)) return;
  for (const YamlField& item : items) {
    if (!item.CheckMap({"name", "log", "config", "optional"})) continue;
    v1::EvidenceSpec* spec = test->add_evidence();
    std::string text;
    if (item.Child("name").NonEmptyString(&text)) spec->set_name(text);
    const YamlField log = item.Child("log");
    const YamlField config = item.Child("config");
    if (log.present() == config.present()) {
      item.Error("expected exactly one of log or config");
    } else if (log.present()) {
      ReadLogEvidence(log, spec->mutable_log());
    } else {
      ReadConfigEvidence(config, spec->mutable_config());
    }
    bool flag = false;
    if (YamlField f = item.Child("optional"); f.present() && f.Bool(&flag))
      spec->set_optional(flag);
  }
}

void ReadRetry(const YamlField& field, v1::RetryPolicy* retry) {
  if (!field.CheckMap({"attempts", "backoff", "on_failure", "converge"})) return;
  uint32_t number = 0;
  if (YamlField f = field.Child("attempts"); f.present() && f.Uint(1, kMaxAttempts, &number)) {
    retry->set_attempts(number);
  }
  if (YamlField f = field.Child("backoff"); f.present())
    f.Duration(absl::Minutes(1), retry->mutable_backoff());
  bool flag = false;
  if (YamlField f = field.Child("on_failure"); f.present() && f.Bool(&flag))
    retry->set_on_failure(flag);
  if (YamlField f = field.Child("converge"); f.present() && f.Uint(1, kMaxAttempts, &number)) {
    retry->set_converge(number);
  }
}

}  // namespace meshproof::scenario::internal
