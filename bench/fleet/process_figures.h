// Small helpers the fleet benches share: a process's CPU, RSS and threads read from /proc,
// a percentile of sorted samples, and a bounded wait on a condition another process
// makes true.
#ifndef MESHPROOF_BENCH_FLEET_PROCESS_FIGURES_H_
#define MESHPROOF_BENCH_FLEET_PROCESS_FIGURES_H_

#include <functional>
#include <vector>

#include "absl/time/time.h"

namespace meshproof::bench {

struct ProcessFigures {
  double cpu_seconds = 0;  // user + system
  long rss_kb = 0;
  long threads = 0;
};

// Reads a process's CPU time, resident set and thread count; zeros when pid <= 0 or the
// process is gone.
ProcessFigures ReadProcess(int pid);

// Returns the p-quantile (0..1) of ascending `sorted`; 0 when empty.
double Percentile(const std::vector<double>& sorted, double p);

// Polls `done` every `poll` until it is true (returns true) or `timeout` passed (false).
// For conditions held by another process, which nothing here can wait on.
bool WaitUntil(const std::function<bool()>& done, absl::Duration timeout,
               absl::Duration poll = absl::Milliseconds(20));

}  // namespace meshproof::bench

#endif  // MESHPROOF_BENCH_FLEET_PROCESS_FIGURES_H_
