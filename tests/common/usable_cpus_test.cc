// UsableCpus: the affinity mask capped by the cgroup's CPU quota, for the layouts a
// service meets (cgroup v2 with and without a namespace, v1 with "cpu" and
// "cpu,cpuacct" mounts, limits set on a parent), from files given by the test.
#include "services/common/usable_cpus.h"

#include <gtest/gtest.h>

#include <map>
#include <thread>

namespace meshproof {
namespace {

CpuSources Sources(int affinity, std::map<std::string, std::string> files) {
  CpuSources sources;
  sources.affinity = affinity;
  sources.read_file =
      [files = std::move(files)](const std::string& path) -> std::optional<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second;
  };
  return sources;
}

TEST(UsableCpusTest, NoCgroupLimitMeansTheAffinityMask) {
  EXPECT_EQ(UsableCpus(Sources(
                6, {{"/proc/self/cgroup", "0::/\n"}, {"/sys/fs/cgroup/cpu.max", "max 100000\n"}})),
            6);
  // No cgroup files at all.
  EXPECT_EQ(UsableCpus(Sources(3, {})), 3);
}

TEST(UsableCpusTest, CgroupV2QuotaCapsTheAffinityAndRoundsUp) {
  // A pod limited to one CPU on a 32-CPU node, inside its own cgroup namespace.
  EXPECT_EQ(UsableCpus(Sources(32, {{"/proc/self/cgroup", "0::/\n"},
                                    {"/sys/fs/cgroup/cpu.max", "100000 100000\n"}})),
            1);
  // 1.5 CPUs keep two threads busy three quarters of the time: 2.
  EXPECT_EQ(UsableCpus(Sources(32, {{"/proc/self/cgroup", "0::/\n"},
                                    {"/sys/fs/cgroup/cpu.max", "150000 100000\n"}})),
            2);
  // 250m: less than one CPU still runs one thread.
  EXPECT_EQ(UsableCpus(Sources(32, {{"/proc/self/cgroup", "0::/\n"},
                                    {"/sys/fs/cgroup/cpu.max", "25000 100000\n"}})),
            1);
  // A quota larger than the mask does not add CPUs.
  EXPECT_EQ(UsableCpus(Sources(2, {{"/proc/self/cgroup", "0::/\n"},
                                   {"/sys/fs/cgroup/cpu.max", "800000 100000\n"}})),
            2);
}

TEST(UsableCpusTest, CgroupV2LimitOfAParentBindsTheChild) {
  const std::string pod = "/kubepods.slice/kubepods-burstable.slice/pod1";
  auto sources = Sources(16, {{"/proc/self/cgroup", "0::" + pod + "/agent\n"},
                              {"/sys/fs/cgroup" + pod + "/agent/cpu.max", "max 100000\n"},
                              {"/sys/fs/cgroup" + pod + "/cpu.max", "300000 100000\n"},
                              {"/sys/fs/cgroup/cpu.max", "max 100000\n"}});
  EXPECT_EQ(CgroupCpuLimit(sources), 3);
  EXPECT_EQ(UsableCpus(sources), 3);
}

TEST(UsableCpusTest, CgroupV1QuotaUnderEitherMountName) {
  const std::string membership =
      "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n";
  EXPECT_EQ(UsableCpus(Sources(
                8, {{"/proc/self/cgroup", membership},
                    {"/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "200000\n"},
                    {"/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n"}})),
            2);
  // The mount named "cpu", and a namespace that shows the cgroup as "/".
  EXPECT_EQ(UsableCpus(Sources(8, {{"/proc/self/cgroup", "3:cpu:/\n2:cpuacct:/\n"},
                                   {"/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "50000\n"},
                                   {"/sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n"}})),
            1);
  // -1 is "no limit".
  EXPECT_EQ(UsableCpus(Sources(8, {{"/proc/self/cgroup", "3:cpu:/\n"},
                                   {"/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "-1\n"},
                                   {"/sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n"}})),
            8);
}

TEST(UsableCpusTest, UnreadableOrMalformedFilesAreNoLimit) {
  for (const char* cpu_max : {"", "max", "abc 100000", "100000 0", "-5 100000", "1 2 3"}) {
    EXPECT_EQ(UsableCpus(Sources(
                  4, {{"/proc/self/cgroup", "0::/\n"}, {"/sys/fs/cgroup/cpu.max", cpu_max}})),
              4)
        << cpu_max;
  }
  EXPECT_EQ(UsableCpus(Sources(4, {{"/proc/self/cgroup", "garbage\n::\n"}})), 4);
}

TEST(UsableCpusTest, UnknownAffinityFallsBackToTheLimitOrTheNode) {
  EXPECT_EQ(UsableCpus(Sources(0, {{"/proc/self/cgroup", "0::/\n"},
                                   {"/sys/fs/cgroup/cpu.max", "100000 100000\n"}})),
            1);
  EXPECT_EQ(UsableCpus(Sources(0, {})),
            static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

TEST(UsableCpusTest, ThisProcessHasAtLeastOneAndNoMoreThanItsMask) {
  const int cpus = UsableCpus();
  EXPECT_GE(cpus, 1);
  EXPECT_LE(cpus, SystemCpuSources().affinity);
}

}  // namespace
}  // namespace meshproof
