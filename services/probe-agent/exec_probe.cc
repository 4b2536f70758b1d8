#include "services/probe-agent/exec_probe.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/time_util.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;
namespace rv1 = ::meshproof::result::v1;

constexpr size_t kExecOutputLimit = 4096;

void Fail(rv1::ProbeOutcome* outcome, sv1::FailureClass failure_class, std::string message) {
  outcome->mutable_failure()->set_class_(failure_class);
  outcome->mutable_failure()->set_message(std::move(message));
}

// Reads what is available from `fd` into `out` (capped), returning false at EOF.
bool Drain(int fd, std::string* out) {
  char buffer[4096];
  const ssize_t n = read(fd, buffer, sizeof(buffer));
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;
  if (out->size() < kExecOutputLimit)
    out->append(buffer, std::min<size_t>(n, kExecOutputLimit - out->size()));
  return true;
}

// Reads both pipes until EOF on both, `until`, or `stop` returns true (checked about
// every 100 ms). Returns whether both pipes reached EOF.
bool ReadPipes(pollfd (&fds)[2], std::string* out, std::string* err, absl::Time until,
               const std::function<bool()>& stop) {
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    const int64_t left_ms = absl::ToInt64Milliseconds(until - absl::Now());
    if (left_ms <= 0 || (stop && stop())) return false;
    if (poll(fds, 2, static_cast<int>(std::min<int64_t>(left_ms, 100))) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && fds[i].revents != 0 && !Drain(fds[i].fd, i == 0 ? out : err)) {
        close(fds[i].fd);
        fds[i].fd = -1;
      }
    }
  }
  return true;
}

}  // namespace

rv1::ProbeOutcome RunExecProbe(const sv1::ExecProbe& probe, const sv1::Defaults& defaults,
                               const std::map<std::string, std::string>& env,
                               const std::function<bool()>& cancelled) {
  rv1::ProbeOutcome outcome;
  const absl::Time start = absl::Now();
  *outcome.mutable_started_at() = ToProtoTimestamp(start);
  const absl::Duration timeout =
      DurationOr(probe.timeout(), DurationOr(defaults.timeout(), absl::Seconds(10)));
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
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  // Everything the child needs is built before fork: the agent is multi-threaded, and
  // between fork and exec only async-signal-safe calls are allowed (no malloc, no putenv).
  std::vector<std::string> args = {probe.program()};
  args.insert(args.end(), probe.args().begin(), probe.args().end());
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(absl::StrCat(k, "=", v));
  std::vector<char*> argv, envp;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    // Its own process group, so the timeout kills whatever the program started too.
    setpgid(0, 0);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    // No shell and no PATH search: the allowlisted absolute path, the arguments as they
    // are, and the operator's environment only.
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  if (pid > 0) setpgid(pid, pid);  // also from here: no window where a kill misses the group
  if (null_fd >= 0) close(null_fd);
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
  // The program's own exit ends the wait even when a background child still holds the
  // pipes open; reaping it here is safe because its pid stays reserved as the group id
  // while any member of the group lives.
  int status = 0;
  bool reaped = false;
  const bool eof = ReadPipes(fds, &out, &err, deadline, [&] {
    if (cancelled && cancelled()) {
      was_cancelled = true;
      return true;
    }
    if (waitpid(pid, &status, WNOHANG) == pid) {
      reaped = true;
      return true;
    }
    return false;
  });
  if (!eof && !reaped && !was_cancelled) timed_out = true;
  if (eof && !reaped) {
    waitpid(pid, &status, 0);
    reaped = true;
  }
  // Whatever is left of the group (the program at its timeout, or children it left
  // behind) is killed; the pipes are then read for a short grace only, since a process
  // that left the group could hold them open for ever.
  kill(-pid, SIGKILL);
  if (!reaped) waitpid(pid, &status, 0);
  ReadPipes(fds, &out, &err, absl::Now() + kExecGrace, {});
  for (auto& pfd : fds) {
    if (pfd.fd >= 0) close(pfd.fd);
  }
  *outcome.mutable_timings()->mutable_total() = ToProtoDuration(absl::Now() - start);
  exec->set_stdout_excerpt(out);
  exec->set_stderr_excerpt(err);
  exec->set_exit_code(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  if (timed_out) {
    Fail(
        &outcome, sv1::FAILURE_CLASS_TIMEOUT,
        absl::StrCat("program timed out after ", absl::FormatDuration(timeout), " and was killed"));
  } else if (was_cancelled) {
    outcome.mutable_failure()->set_class_(sv1::FAILURE_CLASS_OTHER);
    outcome.mutable_failure()->set_curl_exit_code(CURLE_ABORTED_BY_CALLBACK);
    outcome.mutable_failure()->set_message("cancelled: the program was killed");
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && out.empty() && err.empty()) {
    // execve failed in the child (not found, not executable).
    Fail(&outcome, sv1::FAILURE_CLASS_OTHER, absl::StrCat("cannot run ", probe.program()));
  }
  return outcome;
}

}  // namespace meshproof::agent
