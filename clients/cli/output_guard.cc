// The CLI's redacting output pipe. Lines are redacted whole (a secret never holds a line
// break: CheckSecretValue refuses one), and a last line without a newline is redacted
// and written when the pipe closes.
#include "clients/cli/output_guard.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "services/common/redaction.h"

namespace meshproof::cli {
namespace {

struct Channel {
  int original = -1;  // where redacted text goes (a dup of the process's fd)
  int read_end = -1;
  std::thread pump;
};

std::mutex guard_mu;
bool started = false;
bool finished = false;
Channel channels[2];

void WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

void Pump(Channel* channel) {
  std::string pending;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(channel->read_end, buffer, sizeof buffer);
    if (n <= 0) break;
    pending.append(buffer, static_cast<size_t>(n));
    const size_t last_newline = pending.rfind('\n');
    if (last_newline == std::string::npos) continue;
    WriteAll(channel->original, RedactForLog(pending.substr(0, last_newline + 1)));
    pending.erase(0, last_newline + 1);
  }
  if (!pending.empty()) WriteAll(channel->original, RedactForLog(pending));
  ::close(channel->read_end);
}

bool Redirect(int fd, Channel* channel) {
  int fds[2];
  if (::pipe(fds) != 0) return false;
  channel->original = ::dup(fd);
  if (channel->original < 0 || ::dup2(fds[1], fd) < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return false;
  }
  ::close(fds[1]);
  channel->read_end = fds[0];
  channel->pump = std::thread(Pump, channel);
  return true;
}

}  // namespace

void ProtectOutput(const std::vector<std::string>& secrets) {
  if (secrets.empty()) return;
  AddLogSecrets(secrets);
  std::lock_guard<std::mutex> lock(guard_mu);
  if (started) return;
  started = true;
  std::cout.flush();
  std::cerr.flush();
  std::fflush(stdout);
  std::fflush(stderr);
  Redirect(STDOUT_FILENO, &channels[0]);
  Redirect(STDERR_FILENO, &channels[1]);
  std::atexit(FinishOutput);
}

void FinishOutput() {
  std::lock_guard<std::mutex> lock(guard_mu);
  if (!started || finished) return;
  finished = true;
  std::cout.flush();
  std::cerr.flush();
  std::fflush(stdout);
  std::fflush(stderr);
  const int fds[2] = {STDOUT_FILENO, STDERR_FILENO};
  for (int i = 0; i < 2; ++i) {
    Channel& c = channels[i];
    if (!c.pump.joinable()) continue;
    // Putting the original back drops the pipe's last write end: the pump sees EOF.
    ::dup2(c.original, fds[i]);
    c.pump.join();
    ::close(c.original);
  }
}

}  // namespace meshproof::cli
