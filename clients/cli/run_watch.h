// Following a run until it ends: `run start --wait` and `run watch`. Shows progress as a
// live line with counts on a terminal, as plain lines otherwise (CI logs), and returns
// the run's exit code (0 passed, 1 failed, 4 inconclusive, 3 the scheduler went away).
#ifndef MESHPROOF_CLIENTS_CLI_RUN_WATCH_H_
#define MESHPROOF_CLIENTS_CLI_RUN_WATCH_H_

#include <cstdio>
#include <string>

#include "absl/time/time.h"
#include "clients/cli/scheduler_client.h"

namespace meshproof::cli {

struct WatchOptions {
  absl::Duration timeout = absl::Hours(1);
  // Redraw one status line in place (a terminal) instead of printing plain lines.
  bool live = false;
  // The terminal's width in columns for the live line (0: unknown). A line wider than
  // the terminal wraps, and "\r" then only redraws its last row.
  int columns = 0;
  // Print nothing but the final line (for --output json|yaml, which prints the Run).
  bool quiet = false;
};

// Returns the width of the terminal on `fd` in columns, or 0 when `fd` is not a
// terminal or the terminal does not say.
int TerminalColumns(int fd);

// Watches `run_id` until it ends and returns the exit code; *final_run receives the last
// state seen. Progress goes to `out`, errors to stderr.
int WatchUntilDone(const SchedulerClient& client, const std::string& run_id,
                   const WatchOptions& options, std::FILE* out, scheduler::v1::Run* final_run);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_RUN_WATCH_H_
