#include "services/probe-agent/prober.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "services/common/time_util.h"
#include "services/probe-agent/envoy_admin.h"
#include "services/probe-agent/exec_probe.h"
#include "services/probe-agent/http_probe.h"
#include "services/scenario/config_source.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;
namespace rv1 = ::meshproof::result::v1;

constexpr size_t kAdminBodyLimit = 8 << 20;

void Fail(rv1::ProbeOutcome* outcome, sv1::FailureClass failure_class, std::string message) {
  outcome->mutable_failure()->set_class_(failure_class);
  outcome->mutable_failure()->set_message(std::move(message));
}

std::string AddressToString(const sockaddr* addr) {
  char host[INET6_ADDRSTRLEN] = {0};
  if (addr->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, host, sizeof(host));
  } else if (addr->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr, host,
              sizeof(host));
  }
  return host;
}

absl::StatusOr<rv1::ProbeOutcome> RunTcp(const sv1::TcpProbe& probe, const sv1::Defaults& defaults,
                                         const DestinationPolicy& destinations) {
  rv1::ProbeOutcome outcome;
  const absl::Time start = absl::Now();
  *outcome.mutable_started_at() = ToProtoTimestamp(start);
  const absl::Duration timeout =
      DurationOr(probe.timeout(), DurationOr(defaults.connect_timeout(), absl::Seconds(5)));
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = absl::StrCat(probe.port());
  if (const int rc = getaddrinfo(probe.host().c_str(), port.c_str(), &hints, &found); rc != 0) {
    Fail(&outcome, sv1::FAILURE_CLASS_DNS, gai_strerror(rc));
    return outcome;
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  // The address about to be connected to, with the name the resolver gave it.
  if (absl::Status allowed = destinations.CheckAddress(found->ai_addr, probe.host());
      !allowed.ok()) {
    return allowed;
  }
  const int fd = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    Fail(&outcome, sv1::FAILURE_CLASS_OTHER, std::strerror(errno));
    return outcome;
  }
  int err = 0;
  if (connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
    err = errno;
    if (err == EINPROGRESS) {
      pollfd pfd{fd, POLLOUT, 0};
      const int ready = poll(&pfd, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
      if (ready == 0) {
        err = ETIMEDOUT;
      } else {
        socklen_t len = sizeof(err);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      }
    }
  }
  close(fd);
  *outcome.mutable_timings()->mutable_connect() = ToProtoDuration(absl::Now() - start);
  *outcome.mutable_timings()->mutable_total() = ToProtoDuration(absl::Now() - start);
  if (err == 0) {
    outcome.mutable_tcp()->set_remote_address(
        absl::StrCat(AddressToString(found->ai_addr), ":", probe.port()));
  } else if (err == ETIMEDOUT) {
    Fail(&outcome, sv1::FAILURE_CLASS_CONNECT_TIMEOUT, "connect timed out");
  } else if (err == ECONNREFUSED) {
    Fail(&outcome, sv1::FAILURE_CLASS_CONNECT_REFUSED, std::strerror(err));
  } else {
    Fail(&outcome, sv1::FAILURE_CLASS_OTHER, std::strerror(err));
  }
  return outcome;
}

absl::StatusOr<rv1::ProbeOutcome> RunDns(const sv1::DnsProbe& probe,
                                         const DestinationPolicy& destinations) {
  if (absl::Status allowed = destinations.CheckLookup(probe.name()); !allowed.ok()) return allowed;
  rv1::ProbeOutcome outcome;
  const absl::Time start = absl::Now();
  *outcome.mutable_started_at() = ToProtoTimestamp(start);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = probe.record_type() == sv1::DNS_RECORD_TYPE_AAAA  ? AF_INET6
                    : probe.record_type() == sv1::DNS_RECORD_TYPE_ANY ? AF_UNSPEC
                                                                      : AF_INET;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(probe.name().c_str(), nullptr, &hints, &found);
  *outcome.mutable_timings()->mutable_dns() = ToProtoDuration(absl::Now() - start);
  *outcome.mutable_timings()->mutable_total() = ToProtoDuration(absl::Now() - start);
  if (rc != 0) {
    Fail(&outcome, sv1::FAILURE_CLASS_DNS, gai_strerror(rc));
    return outcome;
  }
  rv1::DnsObservation* dns = outcome.mutable_dns();
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const std::string address = AddressToString(a->ai_addr);
    if (std::find(dns->addresses().begin(), dns->addresses().end(), address) ==
        dns->addresses().end()) {
      dns->add_addresses(address);
    }
  }
  freeaddrinfo(found);
  return outcome;
}

}  // namespace

RealProber::RealProber(const ProberOptions& options)
    : options_(options), runner_(options.max_concurrency) {}

absl::StatusOr<std::string> FetchUrl(Prober& prober, const std::string& url, absl::Duration timeout,
                                     size_t limit) {
  sv1::HttpProbe request;
  request.set_url(url);
  *request.mutable_timeout() = ToProtoDuration(timeout);
  return prober.Fetch(request, limit);
}

absl::Status RealProber::CheckHttp(const sv1::HttpProbe& http) const {
  if (http.follow_redirects() && !options_.follow_redirects) {
    return absl::PermissionDeniedError(
        "http.follow_redirects: this agent does not follow redirects (follow_redirects in its "
        "configuration)");
  }
  return absl::OkStatus();
}

HttpProbeOptions RealProber::HttpOptions(const sv1::Defaults& defaults,
                                         const CancelledFn& cancelled, std::string* denied) {
  HttpProbeOptions options;
  options.destinations = &options_.destinations;
  options.denied = denied;
  options.cancelled = cancelled;
  options.reuse_connections = defaults.reuse_connections();
  options.ca_cache = &ca_cache_;
  return options;
}

namespace {

// What an HTTP probe's transfer says, once finished: the operator's rule refused the
// connection (nothing about the mesh was observed), or the outcome.
absl::StatusOr<rv1::ProbeOutcome> HttpAnswer(HttpTransfer& transfer, CURLcode code,
                                             const std::string& denied) {
  rv1::ProbeOutcome outcome = transfer.Finish(code);
  if (!denied.empty()) return absl::PermissionDeniedError(denied);
  return outcome;
}

}  // namespace

bool RealProber::CanStart(const sv1::Probe& probe) const {
  return probe.kind_case() == sv1::Probe::kHttp;
}

std::optional<absl::StatusOr<rv1::ProbeOutcome>> RealProber::Start(const sv1::Probe& probe,
                                                                   const sv1::Defaults& defaults,
                                                                   const CancelledFn& cancelled,
                                                                   ProbeDone done) {
  if (!CanStart(probe)) return Run(probe, defaults, cancelled);
  if (absl::Status allowed = CheckHttp(probe.http()); !allowed.ok()) return allowed;
  // Owned by the completion, which runs once; the transfer points into its own state.
  struct Flight {
    std::string denied;
    std::optional<HttpTransfer> transfer;
    ProbeDone done;
  };
  auto flight = std::make_shared<Flight>();
  flight->done = std::move(done);
  flight->transfer.emplace(probe.http(), defaults,
                           HttpOptions(defaults, cancelled, &flight->denied));
  CURL* easy = flight->transfer->easy();
  const bool started = runner_.Start(easy, [flight](CURLcode code) {
    flight->done(HttpAnswer(*flight->transfer, code, flight->denied));
  });
  if (!started) return HttpAnswer(*flight->transfer, CURLE_ABORTED_BY_CALLBACK, flight->denied);
  return std::nullopt;
}

absl::StatusOr<rv1::ProbeOutcome> RealProber::Run(const sv1::Probe& probe,
                                                  const sv1::Defaults& defaults,
                                                  const CancelledFn& cancelled) {
  switch (probe.kind_case()) {
    case sv1::Probe::kHttp: {
      if (absl::Status allowed = CheckHttp(probe.http()); !allowed.ok()) return allowed;
      std::string denied;
      HttpTransfer transfer(probe.http(), defaults, HttpOptions(defaults, cancelled, &denied));
      return HttpAnswer(transfer, runner_.Perform(transfer.easy()), denied);
    }
    case sv1::Probe::kEnvoyAdmin: {
      const sv1::EnvoyResource resource = probe.envoy_admin().resource();
      auto source = scenario::ResolveConfigSource(probe.envoy_admin().admin_url(), resource);
      if (!source.ok()) return source.status();
      sv1::HttpProbe http;
      http.set_url(source->read_url);
      *http.mutable_timeout() = probe.envoy_admin().timeout();
      std::string denied;
      HttpProbeOptions options = HttpOptions(defaults, cancelled, &denied);
      options.body_limit = kAdminBodyLimit;
      options.reuse_connections = false;  // a probe of the admin interface, like any probe
      rv1::ProbeOutcome outcome = RunHttpProbe(runner_, http, defaults, options);
      if (!denied.empty()) return absl::PermissionDeniedError(denied);
      const rv1::HttpObservation observed = outcome.http();
      rv1::ConfigObservation* config = outcome.mutable_config();  // replaces the http detail
      const std::string& body = observed.body_excerpt();
      if (!outcome.has_failure() && observed.status_code() != 200) {
        // istiod says why in the body ("Proxy not connected to this Pilot instance").
        std::string why(
            absl::StripAsciiWhitespace(absl::string_view(body).substr(0, body.find('\n'))));
        Fail(&outcome, sv1::FAILURE_CLASS_PROTOCOL,
             absl::StrCat(source->from_istiod ? "istiod answered " : "admin interface answered ",
                          observed.status_code(), why.empty() ? "" : ": ", why.substr(0, 300)));
      }
      bool parsed = true;
      std::vector<std::string> names = source->from_istiod || NeedsWholeConfigDump(resource)
                                           ? ConfigDumpNames(resource, body, &parsed)
                                           : AdminNames(resource, body);
      if (!outcome.has_failure() && !parsed) {
        // Guessing names from a cut document could prove a listener that is not there.
        Fail(&outcome, sv1::FAILURE_CLASS_PROTOCOL,
             absl::StrCat(source->from_istiod
                              ? absl::StrCat("istiod's config dump of ", source->proxy)
                              : std::string("the config dump"),
                          " is not complete JSON (", body.size(), " bytes read)"));
      }
      for (size_t i = 0; i < names.size() && i < 1000; ++i) config->add_names(names[i]);
      config->set_excerpt(body.substr(0, 2048));
      return outcome;
    }
    case sv1::Probe::kTcp: return RunTcp(probe.tcp(), defaults, options_.destinations);
    case sv1::Probe::kDns: return RunDns(probe.dns(), options_.destinations);
    case sv1::Probe::kExec: {
      if (absl::Status allowed = options_.exec.Check(probe.exec()); !allowed.ok()) return allowed;
      return RunExecProbe(probe.exec(), defaults, options_.exec.env(), cancelled);
    }
    default: return absl::InvalidArgumentError("the test has no probe");
  }
}

absl::StatusOr<std::string> RealProber::Fetch(const sv1::HttpProbe& request, size_t limit) {
  const std::string& url = request.url();
  std::string denied;
  HttpProbeOptions options = HttpOptions(sv1::Defaults(), {}, &denied);
  options.body_limit = limit;
  // Reading evidence is not a verification probe: reusing a connection to the admin
  // interface or the API server is harmless and cheaper for log polling.
  options.reuse_connections = true;
  if (request.follow_redirects() && !options_.follow_redirects) {
    return absl::PermissionDeniedError(absl::StrCat(url, ": this agent does not follow redirects"));
  }
  rv1::ProbeOutcome outcome = RunHttpProbe(runner_, request, sv1::Defaults(), options);
  if (!denied.empty()) return absl::PermissionDeniedError(absl::StrCat(url, ": ", denied));
  if (outcome.has_failure()) {
    return absl::UnavailableError(absl::StrCat(url, ": ", outcome.failure().message()));
  }
  if (outcome.http().status_code() != 200) {
    // The body's first line says why (a Kubernetes Status naming the missing permission,
    // istiod's "Proxy not connected to this Pilot instance"); keep it short.
    const std::string& body = outcome.http().body_excerpt();
    std::string why(absl::StripAsciiWhitespace(absl::string_view(body).substr(0, body.find('\n'))));
    if (why.size() > 300) why = absl::StrCat(why.substr(0, 300), "...");
    return absl::UnavailableError(absl::StrCat(url, ": answered ", outcome.http().status_code(),
                                               why.empty() ? "" : absl::StrCat(": ", why)));
  }
  return outcome.http().body_excerpt();
}

}  // namespace meshproof::agent
