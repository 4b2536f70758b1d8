#include "bench/fleet/process_figures.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "absl/time/clock.h"

namespace meshproof::bench {

ProcessFigures ReadProcess(int pid) {
  ProcessFigures f;
  if (pid <= 0) return f;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 > text.size()) return f;
  // Fields after the command (which may hold spaces) start after the last ')'.
  std::istringstream rest(text.substr(paren + 2));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) fields.push_back(field);
  if (fields.size() > 12) {
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the command.
    f.cpu_seconds = (std::stod(fields[11]) + std::stod(fields[12])) / sysconf(_SC_CLK_TCK);
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) f.rss_kb = std::stol(line.substr(6));
    if (line.rfind("Threads:", 0) == 0) f.threads = std::stol(line.substr(8));
  }
  return f;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p * (sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

bool WaitUntil(const std::function<bool()>& done, absl::Duration timeout, absl::Duration poll) {
  const absl::Time give_up = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(poll);  // another process: nothing to wait on
  }
  return true;
}

}  // namespace meshproof::bench
