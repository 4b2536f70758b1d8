#include "services/common/usable_cpus.h"

#include <sched.h>

#include <algorithm>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/text_file.h"

namespace meshproof {
namespace {

constexpr char kCgroupRoot[] = "/sys/fs/cgroup";

// CPUs for `quota` microseconds of CPU time per `period`, rounded up: a limit of 1.5
// CPUs can keep two threads busy for three quarters of the time.
std::optional<int> QuotaCpus(int64_t quota, int64_t period) {
  if (quota <= 0 || period <= 0) return std::nullopt;
  return static_cast<int>(std::max<int64_t>(1, (quota + period - 1) / period));
}

std::optional<int64_t> ReadNumber(const CpuSources& sources, const std::string& path) {
  auto text = sources.read_file(path);
  if (!text.has_value()) return std::nullopt;
  int64_t value = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &value)) return std::nullopt;
  return value;
}

// cgroup v2: "max 100000" (no limit) or "50000 100000".
std::optional<int> V2Limit(const CpuSources& sources, const std::string& dir) {
  auto text = sources.read_file(dir + "/cpu.max");
  if (!text.has_value()) return std::nullopt;
  std::vector<std::string> fields =
      absl::StrSplit(absl::StripAsciiWhitespace(*text), ' ', absl::SkipEmpty());
  int64_t quota = 0, period = 0;
  if (fields.size() != 2 || !absl::SimpleAtoi(fields[0], &quota) ||
      !absl::SimpleAtoi(fields[1], &period)) {
    return std::nullopt;
  }
  return QuotaCpus(quota, period);
}

// cgroup v1: cpu.cfs_quota_us is -1 when there is no limit.
std::optional<int> V1Limit(const CpuSources& sources, const std::string& dir) {
  const auto quota = ReadNumber(sources, dir + "/cpu.cfs_quota_us");
  const auto period = ReadNumber(sources, dir + "/cpu.cfs_period_us");
  if (!quota.has_value() || !period.has_value()) return std::nullopt;
  return QuotaCpus(*quota, *period);
}

// The smallest limit of `path` and every cgroup above it (a parent's quota binds its
// children), each read by `limit_at` from the directory under `mount`.
std::optional<int> SmallestUpTo(
    const std::string& mount, std::string path,
    const std::function<std::optional<int>(const std::string& dir)>& limit_at) {
  std::optional<int> smallest;
  while (true) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    const std::string dir = path == "/" || path.empty() ? mount : mount + path;
    if (auto limit = limit_at(dir); limit.has_value())
      smallest = smallest.has_value() ? std::min(*smallest, *limit) : *limit;
    if (path == "/" || path.empty()) return smallest;
    const size_t slash = path.rfind('/');
    path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
  }
}

int Min(std::optional<int> a, std::optional<int> b) {
  if (a.has_value() && b.has_value()) return std::min(*a, *b);
  return a.has_value() ? *a : *b;
}

}  // namespace

CpuSources SystemCpuSources() {
  CpuSources sources;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) sources.affinity = CPU_COUNT(&set);
  sources.read_file = [](const std::string& path) -> std::optional<std::string> {
    auto text = ReadTextFile(path, "cgroup");
    if (!text.ok()) return std::nullopt;
    return *std::move(text);
  };
  return sources;
}

std::optional<int> CgroupCpuLimit(const CpuSources& sources) {
  auto membership = sources.read_file("/proc/self/cgroup");
  if (!membership.has_value()) return std::nullopt;
  std::optional<int> limit;
  auto take = [&limit](std::optional<int> found) {
    if (found.has_value()) limit = limit.has_value() ? std::min(*limit, *found) : *found;
  };
  // Lines are "ID:CONTROLLERS:PATH"; v2's is "0::PATH".
  for (absl::string_view line : absl::StrSplit(*membership, '\n', absl::SkipEmpty())) {
    std::vector<std::string> fields = absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (fields.size() != 3) continue;
    const std::string& path = fields[2];
    if (fields[0] == "0" && fields[1].empty()) {
      take(SmallestUpTo(kCgroupRoot, path,
                        [&](const std::string& dir) { return V2Limit(sources, dir); }));
      continue;
    }
    std::vector<std::string> controllers = absl::StrSplit(fields[1], ',');
    if (std::find(controllers.begin(), controllers.end(), "cpu") == controllers.end()) continue;
    // The v1 cpu controller is mounted as "cpu" or, joined with cpuacct, "cpu,cpuacct".
    for (const char* mount : {"/cpu", "/cpu,cpuacct"}) {
      take(SmallestUpTo(std::string(kCgroupRoot) + mount, path,
                        [&](const std::string& dir) { return V1Limit(sources, dir); }));
    }
  }
  return limit;
}

int UsableCpus(const CpuSources& sources) {
  std::optional<int> affinity;
  if (sources.affinity > 0) affinity = sources.affinity;
  const std::optional<int> limit = CgroupCpuLimit(sources);
  if (!affinity.has_value() && !limit.has_value())
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, Min(affinity, limit));
}

int UsableCpus() {
  static const int cpus = UsableCpus(SystemCpuSources());
  return cpus;
}

}  // namespace meshproof
