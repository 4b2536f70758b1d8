#include "tests/testing/service_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace meshproof::testing {
namespace {

std::vector<char*> ToArgv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

// Waits for `pid` up to `timeout`. Returns the exit code, 128+signal, or -1 on timeout.
int WaitWithTimeout(pid_t pid, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    if (done < 0 || absl::Now() > deadline) return -1;
    absl::SleepFor(absl::Milliseconds(5));
  }
}

}  // namespace

std::string BinaryPath(const std::string& name) {
  return absl::StrCat(MESHPROOF_BIN_DIR, "/", name);
}

absl::StatusOr<ServiceProcess> ServiceProcess::Start(const std::string& binary,
                                                     const std::vector<std::string>& args,
                                                     const std::string& log_path,
                                                     absl::Duration timeout) {
  int out_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
  std::vector<std::string> full{binary};
  full.insert(full.end(), args.begin(), args.end());
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log_fd >= 0) dup2(log_fd, STDERR_FILENO);
    close(out_pipe[0]);
    close(out_pipe[1]);
    // Signals blocked by the test runner must not stay blocked in the service.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<char*> argv = ToArgv(full);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  ServiceProcess process;
  process.pid_ = pid;

  std::string line;
  const absl::Time deadline = absl::Now() + timeout;
  char c;
  while (true) {
    const int remaining_ms = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (remaining_ms <= 0) break;
    pollfd pfd{out_pipe[0], POLLIN, 0};
    if (poll(&pfd, 1, remaining_ms) <= 0) break;
    if (read(out_pipe[0], &c, 1) != 1) break;
    if (c == '\n') break;
    line.push_back(c);
  }
  // Keep the pipe's read end open in a detached drain so later prints never block.
  const int fd = out_pipe[0];
  const int flags = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  if (!absl::StartsWith(line, "listening on ")) {
    close(fd);
    process.Kill();
    return absl::UnavailableError(absl::StrCat(binary, " did not report its address; first line \"",
                                               line, "\"; see ", log_path));
  }
  // The service prints nothing else on stdout by contract; closing the read end is fine
  // because SIGPIPE is ignored by every meshproof binary.
  close(fd);
  process.address_ = line.substr(std::strlen("listening on "));
  return process;
}

ServiceProcess::ServiceProcess(ServiceProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), address_(std::move(other.address_)) {}

ServiceProcess& ServiceProcess::operator=(ServiceProcess&& other) noexcept {
  if (this != &other) {
    Kill();
    pid_ = std::exchange(other.pid_, -1);
    address_ = std::move(other.address_);
  }
  return *this;
}

ServiceProcess::~ServiceProcess() { Kill(); }

absl::StatusOr<int> ServiceProcess::Terminate(absl::Duration timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("not running");
  kill(pid_, SIGTERM);
  const int code = WaitWithTimeout(pid_, timeout);
  if (code < 0) {
    Kill();
    return absl::DeadlineExceededError("process did not exit after SIGTERM");
  }
  pid_ = -1;
  return code;
}

void ServiceProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  WaitWithTimeout(pid_, absl::Seconds(10));
  pid_ = -1;
}

CommandResult RunCommand(const std::vector<std::string>& argv_in, const std::string& stdin_text) {
  CommandResult result;
  int in_pipe[2], out_pipe[2], err_pipe[2];
  // Close-on-exec: a command started at the same moment from another thread must not
  // inherit these ends (its daemons would keep them open and this read would never end).
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 ||
      pipe2(err_pipe, O_CLOEXEC) != 0) {
    return result;
  }
  std::vector<std::string> args = argv_in;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in_pipe[0], STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
      close(fd);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<char*> argv = ToArgv(args);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (!stdin_text.empty()) {
    ssize_t ignored = write(in_pipe[1], stdin_text.data(), stdin_text.size());
    (void)ignored;
  }
  close(in_pipe[1]);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        sinks[i]->append(buf, static_cast<size_t>(n));
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace meshproof::testing
