// The prober seam: what the executor needs to run probes and read HTTP resources.
// The real one (libcurl, sockets, exec) is below; unit tests use a fake.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_PROBER_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_PROBER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "meshproof/result/v1/result.pb.h"
#include "meshproof/scenario/v1/scenario.pb.h"
#include "services/probe-agent/curl_multi_runner.h"

namespace meshproof::agent {

class Prober {
 public:
  virtual ~Prober() = default;
  // Runs one probe; blocks the calling thread. Problems become outcome.failure, except
  // an exec probe whose program is not allowlisted: PERMISSION_DENIED.
  virtual absl::StatusOr<meshproof::result::v1::ProbeOutcome> Run(
      const meshproof::scenario::v1::Probe& probe,
      const meshproof::scenario::v1::Defaults& defaults) = 0;
  // Returns the body of an HTTP GET (Envoy admin output, HTTP log sources), at most
  // `limit` bytes. UNAVAILABLE when it cannot be read.
  virtual absl::StatusOr<std::string> Fetch(const std::string& url, absl::Duration timeout,
                                            size_t limit) = 0;
};

struct ProberOptions {
  int max_concurrency = 64;
  // Programs exec probes may run (names or absolute paths).
  std::vector<std::string> exec_allowlist;
};

// The real prober: HTTP and Envoy admin through one libcurl multi loop, TCP connects,
// DNS lookups, and allowlisted programs.
class RealProber final : public Prober {
 public:
  explicit RealProber(const ProberOptions& options);
  absl::StatusOr<meshproof::result::v1::ProbeOutcome> Run(
      const meshproof::scenario::v1::Probe& probe,
      const meshproof::scenario::v1::Defaults& defaults) override;
  absl::StatusOr<std::string> Fetch(const std::string& url, absl::Duration timeout,
                                    size_t limit) override;

 private:
  ProberOptions options_;
  CurlMultiRunner runner_;
};

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_PROBER_H_
