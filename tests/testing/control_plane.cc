#include "tests/testing/control_plane.h"

namespace meshproof::testing {
namespace {

absl::StatusOr<ServiceProcess> StartIn(const TempDir& dir, const std::string& binary,
                                       const std::string& name,
                                       const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {"--listen", "127.0.0.1:0", "--db", dir.File(name + ".db")};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  return ServiceProcess::Start(BinaryPath(binary), args, dir.File(name + ".log"));
}

}  // namespace

absl::StatusOr<ServiceProcess> StartStore(const TempDir& dir,
                                          const std::vector<std::string>& extra_args) {
  return StartIn(dir, "meshproof-store", "store", extra_args);
}

absl::StatusOr<ServiceProcess> StartScheduler(const TempDir& dir,
                                              const std::vector<std::string>& extra_args) {
  return StartIn(dir, "meshproof-scheduler", "scheduler", extra_args);
}

}  // namespace meshproof::testing
