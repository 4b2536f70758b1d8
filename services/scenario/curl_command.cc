#include "services/scenario/curl_command.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "services/common/time_util.h"
#include "services/scenario/config_source.h"
#include "services/scenario/log_source_uri.h"

namespace meshproof::scenario {
namespace {

namespace v1 = ::meshproof::scenario::v1;

// Seconds as curl prints them: "5", "0.5".
std::string Seconds(const google::protobuf::Duration& d) {
  const double seconds = absl::ToDoubleSeconds(FromProtoDuration(d));
  std::string text = absl::StrCat(seconds);
  return text;
}

const char* TlsFlag(v1::TlsVersion version) {
  switch (version) {
    case v1::TLS_VERSION_1_0: return "1.0";
    case v1::TLS_VERSION_1_1: return "1.1";
    case v1::TLS_VERSION_1_2: return "1.2";
    case v1::TLS_VERSION_1_3: return "1.3";
    default: return nullptr;
  }
}

// Splits "scheme://host:port/path" into its host and port ("" when absent).
void UrlHostPort(const std::string& url, std::string* host, std::string* port,
                 std::string* scheme) {
  absl::string_view rest = url;
  const size_t sep = rest.find("://");
  *scheme = sep == absl::string_view::npos ? "" : std::string(rest.substr(0, sep));
  if (sep != absl::string_view::npos) rest.remove_prefix(sep + 3);
  absl::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  const size_t colon = authority.rfind(':');
  if (colon != absl::string_view::npos && authority.find(']', colon) == absl::string_view::npos) {
    *host = std::string(authority.substr(0, colon));
    *port = std::string(authority.substr(colon + 1));
  } else {
    *host = std::string(authority);
    *port = *scheme == "https" ? "443" : "80";
  }
}

std::string HttpCommand(const v1::HttpProbe& http, const v1::Defaults& defaults) {
  std::vector<std::string> args = {"curl",      "-sS", "-o",
                                   "/dev/null", "-w",  ShellQuote("%{http_code}\\n")};
  if (!http.method().empty() && http.method() != "GET") {
    args.push_back("-X");
    args.push_back(ShellQuote(http.method()));
  }
  for (const v1::Header& header : http.headers()) {
    args.push_back("-H");
    args.push_back(ShellQuote(absl::StrCat(header.name(), ": ", header.value())));
  }
  if (!http.body().empty()) {
    args.push_back("--data-binary");
    args.push_back(ShellQuote(http.body()));
  }
  for (const std::string& entry : http.resolve()) {
    args.push_back("--resolve");
    args.push_back(ShellQuote(entry));
  }
  std::string url = http.url();
  const v1::TlsOptions& tls = http.tls();
  if (!tls.sni().empty()) {
    // curl sends the URL's host as SNI: put the SNI name in the URL and connect to the
    // original host and port.
    std::string host, port, scheme;
    UrlHostPort(url, &host, &port, &scheme);
    args.push_back("--connect-to");
    args.push_back(ShellQuote(absl::StrCat(tls.sni(), ":", port, ":", host, ":", port)));
    url = absl::StrReplaceAll(url, {{absl::StrCat("://", host), absl::StrCat("://", tls.sni())}});
  }
  for (const std::string& entry : http.connect_to()) {
    args.push_back("--connect-to");
    args.push_back(ShellQuote(entry));
  }
  if (tls.insecure()) args.push_back("-k");
  if (!tls.ca_file().empty()) {
    args.push_back("--cacert");
    args.push_back(ShellQuote(tls.ca_file()));
  }
  if (!tls.client_cert_file().empty()) {
    args.push_back("--cert");
    args.push_back(ShellQuote(tls.client_cert_file()));
    args.push_back("--key");
    args.push_back(ShellQuote(tls.client_key_file()));
  }
  if (const char* v = TlsFlag(tls.min_version())) args.push_back(absl::StrCat("--tlsv", v));
  if (const char* v = TlsFlag(tls.max_version())) {
    args.push_back("--tls-max");
    args.push_back(v);
  }
  if (tls.no_alpn()) args.push_back("--no-alpn");
  switch (http.http_version()) {
    case v1::HTTP_VERSION_1_0: args.push_back("--http1.0"); break;
    case v1::HTTP_VERSION_1_1: args.push_back("--http1.1"); break;
    case v1::HTTP_VERSION_2: args.push_back("--http2"); break;
    case v1::HTTP_VERSION_2_PRIOR_KNOWLEDGE: args.push_back("--http2-prior-knowledge"); break;
    default: break;
  }
  const auto& connect_timeout =
      http.has_connect_timeout() ? http.connect_timeout() : defaults.connect_timeout();
  if (connect_timeout.seconds() != 0 || connect_timeout.nanos() != 0) {
    args.push_back("--connect-timeout");
    args.push_back(Seconds(connect_timeout));
  }
  const auto& timeout = http.has_timeout() ? http.timeout() : defaults.timeout();
  if (timeout.seconds() != 0 || timeout.nanos() != 0) {
    args.push_back("--max-time");
    args.push_back(Seconds(timeout));
  }
  if (http.follow_redirects()) {
    args.push_back("-L");
    if (http.max_redirects() > 0) {
      args.push_back("--max-redirs");
      args.push_back(absl::StrCat(http.max_redirects()));
    }
  }
  args.push_back(ShellQuote(url));
  return absl::StrJoin(args, " ");
}

std::string AdminUrl(const std::string& base, v1::EnvoyResource resource) {
  // istiod://HOST:PORT/PROXY is read from istiod's debug endpoint.
  auto source = ResolveConfigSource(base, resource);
  if (source.ok()) return source->read_url;
  return absl::StrCat(absl::StripSuffix(base, "/"), AdminPath(resource));
}

}  // namespace

std::string ShellQuote(absl::string_view text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
               absl::StrContains("@%+=:,./_-", c);
      })) {
    return std::string(text);
  }
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "'\\''"}}), "'");
}

std::string ReproductionCommand(const v1::Test& test, const v1::Defaults& defaults) {
  const v1::Probe& probe = test.probe();
  switch (probe.kind_case()) {
    case v1::Probe::kHttp: return HttpCommand(probe.http(), defaults);
    case v1::Probe::kTcp: {
      const auto& timeout =
          probe.tcp().has_timeout() ? probe.tcp().timeout() : defaults.connect_timeout();
      std::string wait = timeout.seconds() > 0 ? absl::StrCat(" -w ", timeout.seconds()) : "";
      return absl::StrCat("nc -z", wait, " ", ShellQuote(probe.tcp().host()), " ",
                          probe.tcp().port());
    }
    case v1::Probe::kDns: {
      const char* db = probe.dns().record_type() == v1::DNS_RECORD_TYPE_AAAA  ? "ahostsv6"
                       : probe.dns().record_type() == v1::DNS_RECORD_TYPE_ANY ? "ahosts"
                                                                              : "ahostsv4";
      return absl::StrCat("getent ", db, " ", ShellQuote(probe.dns().name()));
    }
    case v1::Probe::kEnvoyAdmin: {
      std::string command = absl::StrCat(
          "curl -s ",
          ShellQuote(AdminUrl(probe.envoy_admin().admin_url(), probe.envoy_admin().resource())));
      for (const std::string& name : test.expect().config_present()) {
        absl::StrAppend(&command, " | grep -F ", ShellQuote(name));
      }
      return command;
    }
    case v1::Probe::kExec: {
      std::vector<std::string> parts = {ShellQuote(probe.exec().program())};
      for (const std::string& arg : probe.exec().args()) parts.push_back(ShellQuote(arg));
      return absl::StrJoin(parts, " ");
    }
    default: return "";
  }
}

std::vector<std::string> EvidenceCommands(const v1::Test& test) {
  std::vector<std::string> lines;
  for (const v1::EvidenceSpec& evidence : test.evidence()) {
    if (evidence.has_config()) {
      const v1::ConfigEvidence& config = evidence.config();
      std::string command =
          absl::StrCat("curl -s ", ShellQuote(AdminUrl(config.admin_url(), config.resource())));
      for (const std::string& name : config.present())
        absl::StrAppend(&command, " | grep -F ", ShellQuote(name));
      lines.push_back(command);
      continue;
    }
    const v1::LogEvidence& log = evidence.log();
    // RE2 and grep -E agree on the patterns scenarios use (alternation, classes, escapes).
    const std::string grep = absl::StrCat("grep -E ", ShellQuote(log.pattern()));
    v1::LogSource named;
    if (log.source().has_uri()) {
      auto resolved = ResolveLogSourceUri(log.source().uri());
      if (resolved.ok()) named = *std::move(resolved);
    }
    const v1::LogSource& source = log.source().has_uri() ? named : log.source();
    if (source.has_file()) {
      lines.push_back(absl::StrCat("tail -n 20 ", ShellQuote(source.file().path()), " | ", grep));
    } else if (source.has_http()) {
      lines.push_back(
          absl::StrCat("curl -s ", ShellQuote(source.http().url()), " | tail -n 20 | ", grep));
    } else if (source.has_kubernetes()) {
      const v1::KubernetesLogSource& k8s = source.kubernetes();
      std::string command = absl::StrCat("kubectl -n ", ShellQuote(k8s.namespace_()), " logs -l ",
                                         ShellQuote(k8s.label_selector()));
      if (!k8s.container().empty()) absl::StrAppend(&command, " -c ", ShellQuote(k8s.container()));
      absl::StrAppend(&command, " --since=1m | ", grep);
      lines.push_back(command);
    }
  }
  return lines;
}

}  // namespace meshproof::scenario
