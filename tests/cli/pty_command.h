// Runs a command with a pseudo-terminal as its stdin, stdout and stderr (so isatty() is
// true, as for a person at a terminal), returning the exact bytes it wrote, and a small
// terminal model that replays those bytes to the screen a person would be left with.
#ifndef MESHPROOF_TESTS_CLI_PTY_COMMAND_H_
#define MESHPROOF_TESTS_CLI_PTY_COMMAND_H_

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace meshproof::cli::testing {

struct PtyResult {
  int exit_code = -1;  // -1 when it had to be killed at the deadline
  std::string output;  // as written: output post-processing (\n -> \r\n) is switched off
};

// Runs `argv` on a new pseudo-terminal `columns` wide until it exits or `timeout` passes.
inline PtyResult RunOnPty(const std::vector<std::string>& argv, int columns,
                          absl::Duration timeout = absl::Seconds(20)) {
  std::vector<std::string> args = argv;
  std::vector<char*> c_args;
  for (std::string& a : args) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  winsize size{};
  size.ws_row = 24;
  size.ws_col = static_cast<unsigned short>(columns);
  int master = -1;
  PtyResult result;
  const pid_t pid = forkpty(&master, nullptr, nullptr, &size);
  if (pid < 0) return result;
  if (pid == 0) {
    // Keep the bytes as the program wrote them, so a test can tell its own \r from the
    // terminal's \n -> \r\n translation.
    termios t;
    if (tcgetattr(STDOUT_FILENO, &t) == 0) {
      t.c_oflag &= ~static_cast<tcflag_t>(OPOST);
      tcsetattr(STDOUT_FILENO, TCSANOW, &t);
    }
    execv(c_args[0], c_args.data());
    _exit(127);
  }
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      close(master);
      return result;
    }
    pollfd p{master, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char chunk[4096];
    const ssize_t n = read(master, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EIO: every holder of the terminal's other end has closed it
    result.output.append(chunk, static_cast<size_t>(n));
  }
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

// Replays terminal output on a screen `columns` wide with auto-wrap, as a terminal does:
// printable text overwrites, a character past the last column wraps to the next row,
// \r returns to the start of the current row, \n moves down, ESC[K erases to the end of
// the row. Returns the rows left on screen (trailing spaces trimmed) and, in *unknown,
// any other escape sequence (which this model, and a test, would not understand).
// A UTF-8 character counts as one column.
inline std::vector<std::string> ReplayScreen(const std::string& bytes, int columns,
                                             std::string* unknown) {
  std::vector<std::vector<std::string>> rows(1);  // each cell holds one UTF-8 character
  size_t row = 0;
  int col = 0;
  auto cell = [&](size_t r, int c) -> std::string& {
    if (rows.size() <= r) rows.resize(r + 1);
    if (rows[r].size() <= static_cast<size_t>(c)) rows[r].resize(c + 1, " ");
    return rows[r][c];
  };
  for (size_t i = 0; i < bytes.size(); ++i) {
    const unsigned char b = static_cast<unsigned char>(bytes[i]);
    if (b == '\r') {
      col = 0;
    } else if (b == '\n') {
      ++row;
      col = 0;  // OPOST is off, but the CLI never relies on a bare \n keeping the column
      if (rows.size() <= row) rows.resize(row + 1);
    } else if (b == 0x1b) {
      if (bytes.compare(i, 3, "\033[K") == 0) {
        if (row < rows.size() && static_cast<size_t>(col) < rows[row].size()) rows[row].resize(col);
        i += 2;
      } else {
        unknown->append(bytes.substr(i, 4));
      }
    } else {
      size_t len = 1;
      if (b >= 0xf0)
        len = 4;
      else if (b >= 0xe0)
        len = 3;
      else if (b >= 0xc0)
        len = 2;
      if (col >= columns) {  // auto-wrap
        ++row;
        col = 0;
      }
      cell(row, col) = bytes.substr(i, len);
      ++col;
      i += len - 1;
    }
  }
  std::vector<std::string> screen;
  for (const auto& r : rows) {
    std::string line;
    for (const std::string& c : r) line += c;
    line.erase(line.find_last_not_of(' ') + 1);
    screen.push_back(line);
  }
  while (!screen.empty() && screen.back().empty()) screen.pop_back();
  return screen;
}

}  // namespace meshproof::cli::testing

#endif  // MESHPROOF_TESTS_CLI_PTY_COMMAND_H_
