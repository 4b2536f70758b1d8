// How many CPUs this process may actually use: the CPUs it is allowed to run on, capped
// by the CPU quota of its cgroup. std::thread::hardware_concurrency() counts the node's
// CPUs: in a Kubernetes pod limited to one CPU on a 32-core node it says 32, and a
// service that starts a busy thread per "CPU" then has 32 threads sharing one CPU's
// quota, throttled by the kernel and batching nothing.
#ifndef MESHPROOF_SERVICES_COMMON_USABLE_CPUS_H_
#define MESHPROOF_SERVICES_COMMON_USABLE_CPUS_H_

#include <functional>
#include <optional>
#include <string>

namespace meshproof {

// Where the answer comes from; a seam so tests can give any cgroup layout.
struct CpuSources {
  // CPUs in the process's affinity mask (0 when unknown).
  int affinity = 0;
  // Returns a file's text, or nullopt when it cannot be read. Called with
  // "/proc/self/cgroup" and with files under /sys/fs/cgroup.
  std::function<std::optional<std::string>(const std::string& path)> read_file;
};

// The sources of this process.
CpuSources SystemCpuSources();

// The CPU quota of the cgroup (v2 `cpu.max`, v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`)
// of the process and of every cgroup above it, as a number of CPUs rounded up; nullopt
// when none is set or the files cannot be read or understood.
std::optional<int> CgroupCpuLimit(const CpuSources& sources);

// min(affinity, cgroup limit), at least 1; the affinity alone when there is no limit, and
// hardware_concurrency() when the affinity is unknown too.
int UsableCpus(const CpuSources& sources);
// UsableCpus(SystemCpuSources()), read once.
int UsableCpus();

}  // namespace meshproof

#endif  // MESHPROOF_SERVICES_COMMON_USABLE_CPUS_H_
