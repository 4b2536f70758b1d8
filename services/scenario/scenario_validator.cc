#include "services/scenario/scenario_validator.h"

#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/time_util.h"
#include "services/scenario/config_source.h"
#include "services/scenario/describe.h"
#include "services/scenario/enum_values.h"
#include "services/scenario/limits.h"
#include "services/scenario/log_source_uri.h"

namespace meshproof::scenario {
namespace {

namespace v1 = ::meshproof::scenario::v1;

bool HasReference(const std::string& text) { return text.find("${") != std::string::npos; }

bool IsDnsLabel(absl::string_view name) {
  if (name.empty() || name.size() > kMaxScenarioNameLength) return false;
  for (char c : name) {
    if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
          absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return false;
    }
  }
  return name.front() != '-' && name.back() != '-';
}

bool IsTestName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  if (!absl::ascii_isalnum(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

bool IsPort(absl::string_view text) {
  int port = 0;
  return absl::SimpleAtoi(text, &port) && port >= 1 && port <= 65535;
}

// Checks the parts of a URL a probe needs: scheme, host, optional port, no spaces.
// Returns "" when fine, else what is wrong.
std::string UrlProblem(const std::string& url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "http://") && !absl::ConsumePrefix(&rest, "https://")) {
    return absl::StrCat("expected an absolute http:// or https:// URL, got \"", url.substr(0, 80),
                        "\"");
  }
  for (char c : url) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) ||
        absl::ascii_iscntrl(static_cast<unsigned char>(c))) {
      return "URL must not contain spaces or control characters";
    }
  }
  absl::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != absl::string_view::npos) {
    return "URL must not carry credentials (user@host)";
  }
  absl::string_view host = authority;
  absl::string_view port;
  if (absl::StartsWith(authority, "[")) {
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) return "URL has an unterminated IPv6 address";
    host = authority.substr(0, close + 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return "URL has junk after its IPv6 address";
      port = authority.substr(close + 2);
    }
  } else if (const size_t colon = authority.rfind(':'); colon != absl::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return absl::StrCat("URL has no host: \"", url.substr(0, 80), "\"");
  if (!port.empty() && !IsPort(port)) {
    return absl::StrCat("URL port must be 1-65535, got \"", port, "\"");
  }
  if (authority.find(':') != absl::string_view::npos && port.empty() &&
      !absl::StartsWith(authority, "[")) {
    return "URL has an empty port";
  }
  return "";
}

class Checker {
 public:
  Checker(const v1::Scenario& scenario, bool allow_unsubstituted, const ViolationSink& sink)
      : scenario_(scenario), allow_unsubstituted_(allow_unsubstituted), sink_(sink) {}

  void Run() {
    FindUnknownEnumValues(scenario_, "", [&](const std::string& field, int number) {
      Report(field, absl::StrCat("unknown value ", number));
    });
    if (!IsDnsLabel(scenario_.name())) {
      Report("name", absl::StrCat("expected a lower-case DNS label (a-z, 0-9, -; at most ",
                                  kMaxScenarioNameLength, " characters), got \"",
                                  scenario_.name().substr(0, 80), "\""));
    }
    CheckLabels("labels", scenario_.labels());
    CheckLabels("target.agent", scenario_.target().agent_selector());
    CheckClaims();
    const size_t total = scenario_.preflight_size() + scenario_.setup_size() +
                         scenario_.tests_size() + scenario_.teardown_size();
    if (total > kMaxTests) {
      Report("tests", absl::StrCat("a scenario may hold at most ", kMaxTests,
                                   " tests and steps, this one has ", total));
    }
    if (scenario_.tests_size() == 0) Report("tests", "a scenario needs at least one test");
    for (int i = 0; i < scenario_.preflight_size(); ++i) {
      CheckTest(absl::StrCat("preflight[", i, "]"), scenario_.preflight(i));
    }
    for (int i = 0; i < scenario_.setup_size(); ++i) {
      CheckTest(absl::StrCat("setup[", i, "]"), scenario_.setup(i));
    }
    for (int i = 0; i < scenario_.tests_size(); ++i) {
      CheckTest(TestPath(scenario_, i), scenario_.tests(i));
    }
    for (int i = 0; i < scenario_.teardown_size(); ++i) {
      CheckTest(absl::StrCat("teardown[", i, "]"), scenario_.teardown(i));
    }
    const v1::Defaults& defaults = scenario_.defaults();
    CheckRetry("defaults.retry", defaults.retry());
    CheckAtMost("defaults.parallelism", defaults.parallelism(), 64);
    CheckDuration("defaults.connect_timeout", defaults.has_connect_timeout(),
                  defaults.connect_timeout(), kMaxTimeout);
    CheckDuration("defaults.timeout", defaults.has_timeout(), defaults.timeout(), kMaxTimeout);
    CheckDuration("defaults.evidence_window", defaults.has_evidence_window(),
                  defaults.evidence_window(), kMaxEvidenceWindow);
  }

 private:
  void Report(const std::string& field, const std::string& message,
              const std::string& first_field = "") {
    sink_(Violation{field, message, first_field});
  }

  bool Skip(const std::string& text) const { return allow_unsubstituted_ && HasReference(text); }

  void CheckLabels(const std::string& path,
                   const google::protobuf::Map<std::string, std::string>& labels) {
    for (const auto& [key, value] : labels) {
      if (key.size() > 63)
        Report(absl::StrCat(path, ".", key), "label keys are at most 63 characters");
      if (value.size() > 253)
        Report(absl::StrCat(path, ".", key), "label values are at most 253 characters");
    }
  }

  void CheckClaims() {
    static const LazyRE2 kClaimId = {"[A-Za-z][A-Za-z0-9_.-]{0,31}"};
    std::map<std::string, std::string> seen;  // id -> field of its first definition
    for (int i = 0; i < scenario_.claims_size(); ++i) {
      const v1::Claim& claim = scenario_.claims(i);
      const std::string path = absl::StrCat("claims[", i, "]");
      if (!RE2::FullMatch(claim.id(), *kClaimId)) {
        Report(path + ".id", absl::StrCat("expected an id like C1 (a letter, then letters, "
                                          "digits, . _ -), got \"",
                                          claim.id().substr(0, 40), "\""));
      } else if (auto [it, inserted] = seen.emplace(claim.id(), path + ".id"); !inserted) {
        Report(path + ".id", absl::StrCat("duplicate claim id \"", claim.id(), "\""), it->second);
      }
      if (claim.text().empty()) Report(path + ".text", "is required and must not be empty");
      claim_ids_.insert(claim.id());
    }
  }

  void Required(const std::string& path, const std::string& value) {
    if (value.empty()) Report(path, "is required and must not be empty");
  }

  void CheckDuration(const std::string& path, bool present, const google::protobuf::Duration& value,
                     absl::Duration max) {
    if (!present) return;
    const absl::Duration d = FromProtoDuration(value);
    if (d <= absl::ZeroDuration()) {
      Report(path, absl::StrCat("must be positive, got ", absl::FormatDuration(d)));
    } else if (d > max) {
      Report(path, absl::StrCat("must be at most ", absl::FormatDuration(max), ", got ",
                                absl::FormatDuration(d)));
    }
  }

  void CheckAtMost(const std::string& path, uint64_t value, uint64_t max) {
    if (value > max) Report(path, absl::StrCat("must be at most ", max, ", got ", value));
  }

  // A pattern whose first capture group is read (a time, an address).
  void CheckCapturePattern(const std::string& path, const std::string& pattern) {
    if (pattern.empty() || Skip(pattern)) return;
    RE2 re(pattern, RE2::Quiet);
    if (!re.ok()) {
      Report(path, absl::StrCat("invalid RE2 pattern: ", re.error()));
    } else if (re.NumberOfCapturingGroups() < 1) {
      Report(path, "needs one capture group around the value");
    }
  }

  void CheckPattern(const std::string& path, const std::string& pattern) {
    if (pattern.empty() || Skip(pattern)) return;
    RE2 re(pattern, RE2::Quiet);
    if (!re.ok()) Report(path, absl::StrCat("invalid RE2 pattern: ", re.error()));
  }

  // Request headers (a probe's, an HTTP log source's): a CR or LF would end the header
  // and let the scenario write further headers or a second request.
  void CheckHeaders(const std::string& path,
                    const google::protobuf::RepeatedPtrField<v1::Header>& headers) {
    static const LazyRE2 kToken = {"[!#$%&'*+.^_`|~0-9A-Za-z-]+"};
    for (int i = 0; i < headers.size(); ++i) {
      const v1::Header& header = headers.Get(i);
      const bool printable_name =
          std::none_of(header.name().begin(), header.name().end(),
                       [](char c) { return absl::ascii_iscntrl(static_cast<unsigned char>(c)); });
      // A name with control characters is not echoed: the field is named by position.
      const std::string field =
          printable_name ? absl::StrCat(path, ".", header.name()) : absl::StrCat(path, "[", i, "]");
      if (header.name().find_first_of("\r\n") != std::string::npos) {
        Report(field, "header names must not contain line breaks");
      } else if (!RE2::FullMatch(header.name(), *kToken)) {
        Report(field, "not a valid header name");
      }
      if (header.value().find_first_of(std::string("\r\n\0", 3)) != std::string::npos) {
        Report(field, "header values must not contain line breaks or NUL bytes");
      }
    }
  }

  void CheckUrl(const std::string& path, const std::string& url) {
    if (url.empty() || Skip(url)) return;
    const std::string problem = UrlProblem(url);
    if (!problem.empty()) Report(path, problem);
  }

  // An Envoy configuration source: an admin URL, or istiod://HOST:PORT/POD.NAMESPACE.
  void CheckAdminUrl(const std::string& path, const std::string& url) {
    if (url.empty() || Skip(url)) return;
    if (!IsIstiodUrl(url)) return CheckUrl(path, url);
    auto source = ResolveConfigSource(url, v1::ENVOY_RESOURCE_CONFIG_DUMP);
    if (!source.ok()) return Report(path, std::string(source.status().message()));
    const std::string problem = UrlProblem(source->read_url);
    if (!problem.empty()) Report(path, problem);
  }

  void CheckTest(const std::string& path, const v1::Test& test) {
    if (test.name().size() > kMaxNameLength) {
      Report(path + ".name", absl::StrCat("is ", test.name().size(), " characters long; at most ",
                                          kMaxNameLength, " are allowed"));
    } else if (!IsTestName(test.name())) {
      Report(path + ".name",
             absl::StrCat("expected a name of letters, digits, . _ - (starting "
                          "with a letter or digit, at most ",
                          kMaxNameLength, " characters), got \"", test.name().substr(0, 80), "\""));
    } else {
      auto [it, inserted] = names_.emplace(test.name(), path + ".name");
      if (!inserted) {
        Report(path + ".name", absl::StrCat("duplicate test name \"", test.name(), "\""),
               it->second);
      }
    }
    const bool deferred = test.has_deferral();
    if (deferred && test.deferral().reason().empty()) {
      Report(path + ".reason", "a deferred test must say why it is deferred");
    }
    if (test.probe().kind_case() == v1::Probe::KIND_NOT_SET && !deferred) {
      Report(path, "expected exactly one probe: http, tcp, dns, envoy_admin or exec");
    }
    for (const std::string& claim : test.claims()) {
      if (!claim_ids_.contains(claim)) {
        Report(path + ".claims",
               absl::StrCat("unknown claim \"", claim, "\"; declare it under claims:"));
      }
    }
    CheckProbe(path, test.probe());
    CheckExpectation(path + ".expect", test.probe(), test.expect());
    std::map<std::string, std::string> evidence_names;  // name -> first field
    for (int i = 0; i < test.evidence_size(); ++i) {
      const std::string evidence_path = absl::StrCat(path, ".evidence[", i, "]");
      if (auto [it, inserted] =
              evidence_names.emplace(test.evidence(i).name(), evidence_path + ".name");
          !inserted && !test.evidence(i).name().empty()) {
        Report(evidence_path + ".name",
               absl::StrCat("duplicate evidence name \"", test.evidence(i).name(), "\""),
               it->second);
      }
      CheckEvidence(evidence_path, test.evidence(i));
    }
    if (test.has_retry()) CheckRetry(path + ".retry", test.retry());
  }

  void CheckProbe(const std::string& path, const v1::Probe& probe) {
    switch (probe.kind_case()) {
      case v1::Probe::kHttp: {
        const v1::HttpProbe& http = probe.http();
        Required(path + ".http.url", http.url());
        CheckUrl(path + ".http.url", http.url());
        CheckDuration(path + ".http.connect_timeout", http.has_connect_timeout(),
                      http.connect_timeout(), kMaxTimeout);
        CheckDuration(path + ".http.timeout", http.has_timeout(), http.timeout(), kMaxTimeout);
        CheckAtMost(path + ".http.max_redirects", http.max_redirects(), kMaxRedirects);
        CheckAtMost(path + ".http.body_capture_bytes", http.body_capture_bytes(),
                    kMaxBodyCaptureBytes);
        if (http.tls().client_cert_file().empty() != http.tls().client_key_file().empty()) {
          Report(path + ".http.tls", "client_cert and client_key must be given together");
        }
        static const LazyRE2 kToken = {"[!#$%&'*+.^_`|~0-9A-Za-z-]+"};
        if (!http.method().empty() && !RE2::FullMatch(http.method(), *kToken)) {
          Report(path + ".http.method",
                 absl::StrCat("not a valid HTTP method: \"", http.method().substr(0, 40), "\""));
        }
        CheckHeaders(path + ".http.headers", http.headers());
        for (int i = 0; i < http.resolve_size(); ++i) {
          CheckResolve(absl::StrCat(path, ".http.resolve[", i, "]"), http.resolve(i));
        }
        for (int i = 0; i < http.connect_to_size(); ++i) {
          CheckConnectTo(absl::StrCat(path, ".http.connect_to[", i, "]"), http.connect_to(i));
        }
        break;
      }
      case v1::Probe::kTcp: {
        const v1::TcpProbe& tcp = probe.tcp();
        Required(path + ".tcp.host", tcp.host());
        if (tcp.port() < 1 || tcp.port() > 65535) {
          Report(path + ".tcp.port", absl::StrCat("must be between 1 and 65535, got ", tcp.port()));
        }
        CheckDuration(path + ".tcp.timeout", tcp.has_timeout(), tcp.timeout(), kMaxTimeout);
        break;
      }
      case v1::Probe::kDns:
        Required(path + ".dns.name", probe.dns().name());
        CheckDuration(path + ".dns.timeout", probe.dns().has_timeout(), probe.dns().timeout(),
                      kMaxTimeout);
        break;
      case v1::Probe::kEnvoyAdmin:
        Required(path + ".envoy_admin.admin_url", probe.envoy_admin().admin_url());
        CheckAdminUrl(path + ".envoy_admin.admin_url", probe.envoy_admin().admin_url());
        if (probe.envoy_admin().resource() == v1::ENVOY_RESOURCE_UNSPECIFIED) {
          Report(path + ".envoy_admin.resource", "is required: clusters, listeners or config_dump");
        }
        CheckDuration(path + ".envoy_admin.timeout", probe.envoy_admin().has_timeout(),
                      probe.envoy_admin().timeout(), kMaxTimeout);
        break;
      case v1::Probe::kExec:
        Required(path + ".exec.program", probe.exec().program());
        CheckDuration(path + ".exec.timeout", probe.exec().has_timeout(), probe.exec().timeout(),
                      kMaxTimeout);
        if (probe.exec().program().find_first_of(" \t;|&$`") != std::string::npos &&
            !Skip(probe.exec().program())) {
          Report(path + ".exec.program",
                 "is a program name, not a shell command; put arguments under args");
        }
        break;
      default: break;
    }
  }

  void CheckResolve(const std::string& path, const std::string& entry) {
    if (Skip(entry)) return;
    std::vector<std::string> parts = absl::StrSplit(entry, absl::MaxSplits(':', 2));
    if (parts.size() != 3 || parts[0].empty() || !IsPort(parts[1]) || parts[2].empty()) {
      Report(path, absl::StrCat("expected HOST:PORT:ADDRESS (curl --resolve), got \"",
                                entry.substr(0, 80), "\""));
    }
  }

  void CheckConnectTo(const std::string& path, const std::string& entry) {
    if (Skip(entry)) return;
    // HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT; any part may be empty (curl semantics),
    // but ports that are given must be ports. IPv6 hosts are bracketed.
    static const LazyRE2 kConnectTo = {
        R"(([^:\[\]]*|\[[0-9a-fA-F:.]+\]):(\d*):([^:\[\]]*|\[[0-9a-fA-F:.]+\]):(\d*))"};
    std::string port1, port2;
    if (!RE2::FullMatch(entry, *kConnectTo, nullptr, &port1, nullptr, &port2) ||
        (!port1.empty() && !IsPort(port1)) || (!port2.empty() && !IsPort(port2))) {
      Report(path, absl::StrCat("expected HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT "
                                "(curl --connect-to), got \"",
                                entry.substr(0, 80), "\""));
    }
  }

  void CheckExpectation(const std::string& path, const v1::Probe& probe,
                        const v1::Expectation& expect) {
    const auto kind = probe.kind_case();
    const bool is_http = kind == v1::Probe::kHttp;
    if (expect.has_failure()) {
      if (expect.status_size() > 0) {
        Report(path + ".failure",
               "cannot be combined with status: a probe either fails before a response or "
               "gets a status");
      }
      if (expect.failure().class_() == v1::FAILURE_CLASS_UNSPECIFIED) {
        Report(path + ".failure.class", "is required, e.g. tls_handshake");
      }
      // Repeats are refused by the parser, where the element's position is known; a
      // request built without it is checked here.
      std::set<int> classes = {expect.failure().class_()};
      for (int i = 0; i < expect.failure().or_class_size(); ++i) {
        const v1::FailureClass alternative = expect.failure().or_class(i);
        if (alternative == v1::FAILURE_CLASS_UNSPECIFIED) {
          Report(absl::StrCat(path, ".failure[", i + 1, "]"), "is not a failure class");
        } else if (!classes.insert(alternative).second) {
          Report(absl::StrCat(path, ".failure[", i + 1, "]"),
                 absl::StrCat("repeats ", FailureClassName(alternative)));
        }
      }
      if (expect.failure().or_class_size() > 0 && expect.failure().curl_exit_code() != 0) {
        // Each class has its own curl exit codes: one code cannot pin several classes.
        Report(path + ".failure.curl_exit", "cannot be combined with several failure classes");
      }
    }
    if (kind != v1::Probe::KIND_NOT_SET) {
      auto only = [&](bool allowed, bool set, const char* key, const char* probe_kind) {
        if (set && !allowed) {
          Report(absl::StrCat(path, ".", key),
                 absl::StrCat("applies only to ", probe_kind, " probes"));
        }
      };
      only(is_http, expect.status_size() > 0, "status", "http");
      only(is_http, expect.headers_size() > 0, "headers", "http");
      only(is_http, expect.has_body(), "body", "http");
      only(is_http, expect.has_tls(), "tls", "http");
      only(kind == v1::Probe::kEnvoyAdmin,
           expect.config_present_size() + expect.config_absent_size() > 0, "config_present",
           "envoy_admin");
      only(kind == v1::Probe::kDns, expect.dns_addresses_size() > 0, "addresses", "dns");
      only(kind == v1::Probe::kExec, !expect.stdout_pattern().empty() || expect.exit_code() != 0,
           "exit_code", "exec");
    }
    for (int i = 0; i < expect.status_size(); ++i) {
      const v1::StatusRange& range = expect.status(i);
      if (range.min() < 100 || range.max() > 599 || range.min() > range.max()) {
        Report(absl::StrCat(path, ".status[", i, "]"),
               absl::StrCat("expected a range of HTTP status codes within 100-599, got ",
                            range.min(), "-", range.max()));
      }
    }
    CheckAtMost(path + ".failure.curl_exit", expect.failure().curl_exit_code(), 99);
    for (const v1::HeaderExpectation& header : expect.headers()) {
      const std::string header_path = absl::StrCat(path, ".headers.", header.name());
      if (header.name().empty()) Report(path + ".headers", "a header check needs a name");
      if (header.check_case() == v1::HeaderExpectation::CHECK_NOT_SET) {
        Report(header_path, "expected exactly one of equals, pattern, present, absent");
      }
      CheckPattern(header_path + ".pattern", header.pattern());
    }
    CheckPattern(path + ".body.pattern", expect.body().pattern());
    for (const v1::JsonExpectation& json : expect.body().json()) {
      const std::string json_path = absl::StrCat(path, ".body.json.", json.path());
      if (json.path().empty()) Report(path + ".body.json", "a JSON check needs a path");
      if (json.check_case() == v1::JsonExpectation::CHECK_NOT_SET) {
        Report(json_path, "expected exactly one of equals, pattern, exists");
      }
      CheckPattern(json_path + ".pattern", json.pattern());
    }
    CheckDuration(path + ".max_latency", expect.has_max_latency(), expect.max_latency(),
                  kMaxTimeout);
    if (expect.exit_code() < 0 || expect.exit_code() > 255) {
      Report(path + ".exit_code",
             absl::StrCat("must be between 0 and 255, got ", expect.exit_code()));
    }
    CheckAtMost(path + ".tls.min_days_to_expiry", expect.tls().min_days_to_expiry(), 36500);
    CheckPattern(path + ".tls.subject", expect.tls().subject_pattern());
    CheckPattern(path + ".tls.issuer", expect.tls().issuer_pattern());
    CheckPattern(path + ".stdout", expect.stdout_pattern());
  }

  void CheckEvidence(const std::string& path, const v1::EvidenceSpec& evidence) {
    if (evidence.name().empty()) Report(path + ".name", "is required and must not be empty");
    if (evidence.has_log()) {
      const v1::LogEvidence& log = evidence.log();
      CheckPattern(path + ".log.pattern", log.pattern());
      if (log.pattern().empty()) Report(path + ".log.pattern", "is required and must not be empty");
      if (log.max_lines() > 0 && log.min_lines() > log.max_lines()) {
        Report(path + ".log.max_lines", "must be at least min_lines");
      }
      CheckAtMost(path + ".log.min_lines", log.min_lines(), 10000);
      CheckAtMost(path + ".log.max_lines", log.max_lines(), 10000);
      CheckDuration(path + ".log.window", log.has_window(), log.window(), kMaxEvidenceWindow);
      CheckDuration(path + ".log.skew", log.has_skew(), log.skew(), kMaxEvidenceWindow);
      CheckCapturePattern(path + ".log.time.pattern", log.time().pattern());
      CheckCapturePattern(path + ".log.client_address_pattern", log.client_address_pattern());
      if (log.correlate() != v1::LOG_CORRELATION_UNSPECIFIED &&
          log.correlate() != v1::LOG_CORRELATION_CLIENT_ADDRESS &&
          log.correlate() != v1::LOG_CORRELATION_CLIENT_IP) {
        Report(path + ".log.correlate", "unknown correlation");
      }
      // A URI source is checked as the source it names (once its variables are known).
      v1::LogSource resolved;
      if (log.source().has_uri() && !Skip(log.source().uri())) {
        auto named = ResolveLogSourceUri(log.source().uri());
        if (named.ok()) {
          resolved = *std::move(named);
        } else {
          Report(path + ".log.source", std::string(named.status().message()));
        }
      }
      const v1::LogSource& source = log.source().has_uri() ? resolved : log.source();
      if (log.source().kind_case() == v1::LogSource::KIND_NOT_SET) {
        Report(path + ".log", "expected exactly one log source: file, url, kubernetes or source");
      }
      if (source.has_file()) Required(path + ".log.file", source.file().path());
      if (source.has_http()) Required(path + ".log.url", source.http().url());
      if (source.has_kubernetes()) {
        Required(path + ".log.kubernetes.namespace", source.kubernetes().namespace_());
        Required(path + ".log.kubernetes.selector", source.kubernetes().label_selector());
        const v1::KubernetesLogSource& k8s = source.kubernetes();
        for (const auto& [key, value] :
             {std::pair{"api_server", &k8s.api_server()},
              std::pair{"token_file", &k8s.token_file()}, std::pair{"ca_file", &k8s.ca_file()}}) {
          if (!value->empty()) {
            Report(absl::StrCat(path, ".log.kubernetes.", key),
                   absl::StrCat("is set by the agent's configuration (kubernetes.", key,
                                "), never by a scenario"));
          }
        }
      }
      if (source.has_file() && !source.file().path().empty() && !Skip(source.file().path()) &&
          !absl::StartsWith(source.file().path(), "/")) {
        Report(path + ".log.file", absl::StrCat("expected an absolute path, got \"",
                                                source.file().path().substr(0, 80), "\""));
      }
      if (source.has_http()) {
        CheckUrl(path + ".log.url", source.http().url());
        CheckHeaders(path + ".log.headers", source.http().headers());
      }
    } else if (evidence.has_config()) {
      Required(path + ".config.admin_url", evidence.config().admin_url());
      CheckAdminUrl(path + ".config.admin_url", evidence.config().admin_url());
      if (evidence.config().resource() == v1::ENVOY_RESOURCE_UNSPECIFIED) {
        Report(path + ".config.resource", "is required: clusters, listeners or config_dump");
      }
      if (evidence.config().present_size() + evidence.config().absent_size() == 0) {
        Report(path + ".config", "expected at least one name under present or absent");
      }
    } else {
      Report(path, "expected exactly one of log or config");
    }
  }

  void CheckRetry(const std::string& path, const v1::RetryPolicy& retry) {
    const uint32_t attempts = std::max<uint32_t>(1, retry.attempts());
    CheckAtMost(path + ".attempts", retry.attempts(), kMaxAttempts);
    CheckDuration(path + ".backoff", retry.has_backoff(), retry.backoff(), absl::Minutes(1));
    if (retry.converge() > attempts) {
      Report(path + ".converge",
             absl::StrCat("needs at least as many attempts as consecutive passes: converge is ",
                          retry.converge(), " but attempts is ", attempts));
    }
  }

  const v1::Scenario& scenario_;
  const bool allow_unsubstituted_;
  const ViolationSink& sink_;
  std::set<std::string> claim_ids_;
  std::map<std::string, std::string> names_;
};

}  // namespace

std::string TestPath(const v1::Scenario& scenario, int index) {
  int regular = 0, deferred = 0;
  for (int i = 0; i < index; ++i) {
    if (scenario.tests(i).has_deferral()) {
      ++deferred;
    } else {
      ++regular;
    }
  }
  return scenario.tests(index).has_deferral() ? absl::StrCat("deferred[", deferred, "]")
                                              : absl::StrCat("tests[", regular, "]");
}

void CheckScenarioRules(const v1::Scenario& scenario, bool allow_unsubstituted,
                        const ViolationSink& sink) {
  Checker(scenario, allow_unsubstituted, sink).Run();
}

absl::Status ValidateScenario(const v1::Scenario& scenario, bool allow_unsubstituted) {
  std::vector<std::string> problems;
  CheckScenarioRules(scenario, allow_unsubstituted, [&](const Violation& v) {
    if (problems.size() >= kMaxDiagnostics) return;
    std::string line = absl::StrCat(v.field, ": ", v.message);
    if (!v.first_field.empty()) absl::StrAppend(&line, " (first defined at ", v.first_field, ")");
    problems.push_back(std::move(line));
  });
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "\n"));
}

}  // namespace meshproof::scenario
