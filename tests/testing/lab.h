// Starts the project's lab (deploy/lab/lab.sh) for an integration test and exposes the
// endpoints it wrote to lab.env. The lab is stopped when the object goes away.
#ifndef MESHPROOF_TESTS_TESTING_LAB_H_
#define MESHPROOF_TESTS_TESTING_LAB_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
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
    // No egress SNI route: the gateway black-holes external.test and the admin endpoints
    // have no egress-gateway subset cluster, 8443 listener or gateway-side cluster.
    bool egress_route_absent = false;
    // "allow-any" (default) or "registry-only" (needs `netns`): the mesh namespace
    // reaches nothing but the gateway.
    std::string outbound_policy = "allow-any";
    // Under registry-only: "blackhole" (default, as Istio's sidecar: TLS fails, curl
    // 35) or "reset" (connection refused, curl 7).
    std::string blocked_as = "blackhole";
    // The gateway's access-log lines appear this late in EGRESS_ACCESS_LOG (0: at once).
    int log_delay_ms = 0;
  };

  // How `Rotate` moves the egress access log aside.
  enum class RotateStyle {
    // Copy to .1, truncate in place; the writers go on in the same file.
    kCopyTruncate,
    // Move to .1 and create an empty log; the writers keep writing .1 until `Reopen`.
    kRename,
  };

  // Starts a lab in `dir` on a free port range. UNAVAILABLE with lab.sh's message when
  // it cannot start.
  static absl::StatusOr<std::unique_ptr<Lab>> Start(const std::string& dir, const Options& options);
  static absl::StatusOr<std::unique_ptr<Lab>> Start(const std::string& dir) {
    return Start(dir, Options());
  }
  ~Lab();

  // Returns a lab.env value, or "" when the key is absent.
  std::string Get(const std::string& key) const;
  const std::map<std::string, std::string>& env() const { return env_; }
  // Path of lab.env (usable as a scenario vars file).
  std::string env_file() const { return dir_ + "/lab.env"; }
  // Path of mesh.env: the same keys as an agent inside MESH_NETNS sees them (netns only).
  std::string mesh_env_file() const { return dir_ + "/mesh.env"; }

  // Rotates the egress access log (`lab.sh rotate`); with `reopen` the writers reopen it
  // at once. INTERNAL with lab.sh's message when it fails.
  absl::Status Rotate(RotateStyle style, bool reopen = false);
  // Makes the egress log's writers reopen it (`lab.sh reopen`), returning once they have.
  absl::Status Reopen();

 private:
  Lab() = default;
  std::string dir_;
  std::map<std::string, std::string> env_;
};

// True when the process may create network namespaces (root and `ip netns` works).
bool CanUseNetns();

}  // namespace meshproof::testing

#endif  // MESHPROOF_TESTS_TESTING_LAB_H_
