// Starts the project's lab (deploy/lab/lab.sh) for an integration test and exposes the
// endpoints it wrote to lab.env. The lab is stopped when the object goes away.
#ifndef MESHPROOF_TESTS_TESTING_LAB_H_
#define MESHPROOF_TESTS_TESTING_LAB_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace meshproof::testing {

class Lab {
 public:
  struct Options {
    // More `lab.sh up` flags, passed through after the others (e.g. {"--log-delay", "500"}).
    std::vector<std::string> extra_args;
    // "status-first" (default) or "catchall-first" (the report's T10).
    std::string route_order = "status-first";
    // Also create the network namespaces (root only).
    bool netns = false;
  };

  // Starts a lab in `dir` on a free port range. UNAVAILABLE with lab.sh's message when
  // it cannot start.
  static absl::StatusOr<std::unique_ptr<Lab>> Start(const std::string& dir,
                                                    const Options& options);
  static absl::StatusOr<std::unique_ptr<Lab>> Start(const std::string& dir) {
    return Start(dir, Options());
  }
  ~Lab();

  // Returns a lab.env value, or "" when the key is absent.
  std::string Get(const std::string& key) const;
  const std::map<std::string, std::string>& env() const { return env_; }
  // Path of lab.env (usable as a scenario vars file).
  std::string env_file() const { return dir_ + "/lab.env"; }

 private:
  Lab() = default;
  std::string dir_;
  std::map<std::string, std::string> env_;
};

// True when the process may create network namespaces (root and `ip netns` works).
bool CanUseNetns();

}  // namespace meshproof::testing

#endif  // MESHPROOF_TESTS_TESTING_LAB_H_
