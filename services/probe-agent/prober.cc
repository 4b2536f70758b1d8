#include "services/probe-agent/prober.h"

#include <arpa/inet.h>
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

#include <curl/curl.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "services/common/time_util.h"
#include "services/probe-agent/envoy_admin.h"
#include "services/probe-agent/http_probe.h"
#include "services/scenario/config_source.h"

extern char** environ;

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;
namespace rv1 = ::meshproof::result::v1;

constexpr size_t kAdminBodyLimit = 8 << 20;
constexpr size_t kExecOutputLimit = 4096;

void Fail(rv1::ProbeOutcome* outcome, sv1::FailureClass failure_class, std::string message) {
  outcome->mutable_failure()->set_class_(failure_class);
  outcome->mutable_failure()->set_message(std::move(message));
}

std::string AddressToString(const sockaddr* addr) {
  char host[INET6_ADDRSTRLEN] = {0};
  if (addr->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, host, sizeof(host));
  } else if (addr->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr, host, sizeof(host));
  }
  return host;
}

rv1::ProbeOutcome RunTcp(const sv1::TcpProbe& probe, const sv1::Defaults& defaults) {
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
    outcome.mutable_tcp()->set_remote_address(absl::StrCat(AddressToString(found->ai_addr), ":", probe.port()));
  } else if (err == ETIMEDOUT) {
    Fail(&outcome, sv1::FAILURE_CLASS_CONNECT_TIMEOUT, "connect timed out");
  } else if (err == ECONNREFUSED) {
    Fail(&outcome, sv1::FAILURE_CLASS_CONNECT_REFUSED, std::strerror(err));
  } else {
    Fail(&outcome, sv1::FAILURE_CLASS_OTHER, std::strerror(err));
  }
  return outcome;
}

rv1::ProbeOutcome RunDns(const sv1::DnsProbe& probe) {
  rv1::ProbeOutcome outcome;
  const absl::Time start = absl::Now();
  *outcome.mutable_started_at() = ToProtoTimestamp(start);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = probe.record_type() == sv1::DNS_RECORD_TYPE_AAAA ? AF_INET6
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
    if (std::find(dns->addresses().begin(), dns->addresses().end(), address) == dns->addresses().end()) {
      dns->add_addresses(address);
    }
  }
  freeaddrinfo(found);
  return outcome;
}

// Reads what is available from `fd` into `out` (capped), returning false at EOF.
bool Drain(int fd, std::string* out) {
  char buffer[4096];
  const ssize_t n = read(fd, buffer, sizeof(buffer));
  if (n <= 0) return false;
  if (out->size() < kExecOutputLimit) out->append(buffer, std::min<size_t>(n, kExecOutputLimit - out->size()));
  return true;
}

rv1::ProbeOutcome RunExec(const sv1::ExecProbe& probe, const sv1::Defaults& defaults,
                          const CancelledFn& cancelled) {
  rv1::ProbeOutcome outcome;
  const absl::Time start = absl::Now();
  *outcome.mutable_started_at() = ToProtoTimestamp(start);
  const absl::Duration timeout = DurationOr(probe.timeout(), DurationOr(defaults.timeout(), absl::Seconds(10)));
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    Fail(&outcome, sv1::FAILURE_CLASS_OTHER, "pipe failed");
    return outcome;
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    Fail(&outcome, sv1::FAILURE_CLASS_OTHER, "pipe failed");
    return outcome;
  }
  // Everything the child needs is built before fork: the agent is multi-threaded, and
  // between fork and exec only async-signal-safe calls are allowed (no malloc, no putenv).
  std::vector<std::string> args = {probe.program()};
  args.insert(args.end(), probe.args().begin(), probe.args().end());
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const absl::string_view entry(*e);
    const absl::string_view name = entry.substr(0, entry.find('='));
    if (probe.env().find(std::string(name)) == probe.env().end()) env_strings.emplace_back(entry);
  }
  for (const auto& [k, v] : probe.env()) env_strings.push_back(absl::StrCat(k, "=", v));
  std::vector<char*> argv, envp;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    // No shell: the program and its arguments are passed as they are.
    execvpe(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (pid < 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    Fail(&outcome, sv1::FAILURE_CLASS_OTHER, absl::StrCat("fork failed: ", std::strerror(errno)));
    return outcome;
  }
  rv1::ExecObservation* exec = outcome.mutable_exec();
  std::string out, err;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  const absl::Time deadline = start + timeout;
  bool timed_out = false, was_cancelled = false;
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    const int64_t left_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (left_ms <= 0) {
      timed_out = true;
      break;
    }
    if (cancelled && cancelled()) {
      was_cancelled = true;
      break;
    }
    // Wake at least every 100 ms to notice a cancelled call.
    if (poll(fds, 2, static_cast<int>(std::min<int64_t>(left_ms, 100))) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && fds[i].revents != 0 && !Drain(fds[i].fd, i == 0 ? &out : &err)) {
        close(fds[i].fd);
        fds[i].fd = -1;
      }
    }
  }
  for (auto& pfd : fds) {
    if (pfd.fd >= 0) close(pfd.fd);
  }
  if (timed_out || was_cancelled) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  *outcome.mutable_timings()->mutable_total() = ToProtoDuration(absl::Now() - start);
  exec->set_stdout_excerpt(out);
  exec->set_stderr_excerpt(err);
  exec->set_exit_code(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  if (timed_out) {
    Fail(&outcome, sv1::FAILURE_CLASS_TIMEOUT,
         absl::StrCat("program timed out after ", absl::FormatDuration(timeout), " and was killed"));
  } else if (was_cancelled) {
    outcome.mutable_failure()->set_class_(sv1::FAILURE_CLASS_OTHER);
    outcome.mutable_failure()->set_curl_exit_code(CURLE_ABORTED_BY_CALLBACK);
    outcome.mutable_failure()->set_message("cancelled: the program was killed");
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && out.empty() && err.empty()) {
    // execvpe failed in the child (not found, not executable).
    Fail(&outcome, sv1::FAILURE_CLASS_OTHER, absl::StrCat("cannot run ", probe.program()));
  }
  return outcome;
}

}  // namespace

RealProber::RealProber(const ProberOptions& options)
    : options_(options), runner_(options.max_concurrency, options.curl_loops) {}

absl::StatusOr<std::string> FetchUrl(Prober& prober, const std::string& url, absl::Duration timeout,
                                     size_t limit) {
  sv1::HttpProbe request;
  request.set_url(url);
  *request.mutable_timeout() = ToProtoDuration(timeout);
  return prober.Fetch(request, limit);
}

absl::StatusOr<rv1::ProbeOutcome> RealProber::Run(const sv1::Probe& probe, const sv1::Defaults& defaults,
                                                  const CancelledFn& cancelled) {
  switch (probe.kind_case()) {
    case sv1::Probe::kHttp: {
      HttpProbeOptions options;
      options.cancelled = cancelled;
      options.reuse_connections = defaults.reuse_connections();
      options.ca_cache = &ca_cache_;
      return RunHttpProbe(runner_, probe.http(), defaults, options);
    }
    case sv1::Probe::kEnvoyAdmin: {
      const sv1::EnvoyResource resource = probe.envoy_admin().resource();
      auto source = scenario::ResolveConfigSource(probe.envoy_admin().admin_url(), resource);
      if (!source.ok()) return source.status();
      sv1::HttpProbe http;
      http.set_url(source->read_url);
      *http.mutable_timeout() = probe.envoy_admin().timeout();
      HttpProbeOptions options;
      options.cancelled = cancelled;
      options.body_limit = kAdminBodyLimit;
      options.ca_cache = &ca_cache_;
      rv1::ProbeOutcome outcome = RunHttpProbe(runner_, http, defaults, options);
      const rv1::HttpObservation observed = outcome.http();
      rv1::ConfigObservation* config = outcome.mutable_config();  // replaces the http detail
      const std::string& body = observed.body_excerpt();
      if (!outcome.has_failure() && observed.status_code() != 200) {
        // istiod says why in the body ("Proxy not connected to this Pilot instance").
        std::string why(absl::StripAsciiWhitespace(absl::string_view(body).substr(0, body.find('\n'))));
        Fail(&outcome, sv1::FAILURE_CLASS_PROTOCOL,
             absl::StrCat(source->from_istiod ? "istiod answered " : "admin interface answered ",
                          observed.status_code(), why.empty() ? "" : ": ", why.substr(0, 300)));
      }
      bool parsed = true;
      std::vector<std::string> names = source->from_istiod ? ConfigDumpNames(resource, body, &parsed)
                                                           : AdminNames(resource, body);
      if (!outcome.has_failure() && !parsed) {
        // Guessing names from a cut document could prove a listener that is not there.
        Fail(&outcome, sv1::FAILURE_CLASS_PROTOCOL,
             absl::StrCat("istiod's config dump of ", source->proxy, " is not complete JSON (", body.size(),
                          " bytes read)"));
      }
      for (size_t i = 0; i < names.size() && i < 1000; ++i) config->add_names(names[i]);
      config->set_excerpt(body.substr(0, 2048));
      return outcome;
    }
    case sv1::Probe::kTcp:
      return RunTcp(probe.tcp(), defaults);
    case sv1::Probe::kDns:
      return RunDns(probe.dns());
    case sv1::Probe::kExec: {
      const std::string& program = probe.exec().program();
      if (std::find(options_.exec_allowlist.begin(), options_.exec_allowlist.end(), program) ==
          options_.exec_allowlist.end()) {
        return absl::PermissionDeniedError(
            absl::StrCat("program ", program, " is not allowlisted in the agent configuration"));
      }
      return RunExec(probe.exec(), defaults, cancelled);
    }
    default:
      return absl::InvalidArgumentError("the test has no probe");
  }
}

absl::StatusOr<std::string> RealProber::Fetch(const sv1::HttpProbe& request, size_t limit) {
  const std::string& url = request.url();
  HttpProbeOptions options;
  options.body_limit = limit;
  // Reading evidence is not a verification probe: reusing a connection to the admin
  // interface or the API server is harmless and cheaper for log polling.
  options.reuse_connections = true;
  options.ca_cache = &ca_cache_;
  rv1::ProbeOutcome outcome = RunHttpProbe(runner_, request, sv1::Defaults(), options);
  if (outcome.has_failure()) {
    return absl::UnavailableError(absl::StrCat(url, ": ", outcome.failure().message()));
  }
  if (outcome.http().status_code() != 200) {
    // The body's first line says why (a Kubernetes Status naming the missing permission,
    // istiod's "Proxy not connected to this Pilot instance"); keep it short.
    const std::string& body = outcome.http().body_excerpt();
    std::string why(absl::StripAsciiWhitespace(absl::string_view(body).substr(0, body.find('\n'))));
    if (why.size() > 300) why = absl::StrCat(why.substr(0, 300), "...");
    return absl::UnavailableError(
        absl::StrCat(url, ": answered ", outcome.http().status_code(), why.empty() ? "" : absl::StrCat(": ", why)));
  }
  return outcome.http().body_excerpt();
}

}  // namespace meshproof::agent
