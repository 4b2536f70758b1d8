// The prober seam: what the executor needs to run probes and read HTTP resources.
// The real one (libcurl, sockets, exec) is below; unit tests use a fake.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_PROBER_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_PROBER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "meshproof/result/v1/result.pb.h"
#include "meshproof/scenario/v1/scenario.pb.h"
#include "services/probe-agent/ca_store_cache.h"
#include "services/probe-agent/curl_multi_runner.h"
#include "services/probe-agent/destination_policy.h"
#include "services/probe-agent/exec_policy.h"
#include "services/probe-agent/http_probe.h"

namespace meshproof::agent {

// Tells a running probe that its caller gave up (the gRPC call was cancelled or its
// deadline passed, or the agent's drain deadline ended). Called from the prober's own
// threads, so it must be thread-safe. An empty function means "never".
using CancelledFn = std::function<bool()>;

class Prober {
 public:
  virtual ~Prober() = default;
  // Runs one probe; blocks the calling thread. Problems become outcome.failure, except
  // what the agent's configuration refuses (an exec probe its allowlist does not allow,
  // a destination outside its destinations, a redirect it does not follow):
  // PERMISSION_DENIED, before anything runs or connects. Once `cancelled`
  // returns true a transfer in flight is aborted (curl 42, ABORTED_BY_CALLBACK).
  virtual absl::StatusOr<meshproof::result::v1::ProbeOutcome> Run(
      const meshproof::scenario::v1::Probe& probe,
      const meshproof::scenario::v1::Defaults& defaults, const CancelledFn& cancelled) = 0;
  // Whether Start can run `probe` (by default no prober can: the caller uses Run).
  virtual bool CanStart(const meshproof::scenario::v1::Probe& probe) const { return false; }
  // Starts a probe that CanStart accepts without blocking the calling thread. Returns
  // nullopt when it started: `done` is then called once, on a prober thread, with what
  // Run would have returned, and must not block. Otherwise returns that answer at once
  // (refused by the agent's configuration, or the prober is stopping) and never calls
  // `done`. `probe` and `defaults` need only live until Start returns; `cancelled` is
  // copied.
  using ProbeDone = std::function<void(absl::StatusOr<meshproof::result::v1::ProbeOutcome>)>;
  virtual std::optional<absl::StatusOr<meshproof::result::v1::ProbeOutcome>> Start(
      const meshproof::scenario::v1::Probe& probe,
      const meshproof::scenario::v1::Defaults& defaults, const CancelledFn& cancelled,
      ProbeDone done) {
    return Run(probe, defaults, cancelled);
  }
  // Returns the body of an HTTP GET described by `request` (url, headers, tls.ca_file,
  // timeout are honoured): Envoy admin output, HTTP and Kubernetes log sources. At most
  // `limit` bytes. UNAVAILABLE when it cannot be read or the status is not 200;
  // PERMISSION_DENIED when the destination is outside the agent's destinations.
  virtual absl::StatusOr<std::string> Fetch(const meshproof::scenario::v1::HttpProbe& request,
                                            size_t limit) = 0;
};

// Returns the body of a plain GET of `url` through `prober` (see Prober::Fetch).
absl::StatusOr<std::string> FetchUrl(Prober& prober, const std::string& url, absl::Duration timeout,
                                     size_t limit);

struct ProberOptions {
  int max_concurrency = 64;
  // What exec probes may run, and their environment (default: nothing).
  ExecPolicy exec;
  // Where probes and evidence reads may connect (default: anywhere).
  DestinationPolicy destinations;
  // Whether HTTP probes may follow redirects at all (a scenario asking otherwise is an
  // ERROR); every redirect target passes `destinations` too.
  bool follow_redirects = false;
};

// The real prober: HTTP and Envoy admin through libcurl under one budget, TCP connects,
// DNS lookups, and allowlisted programs.
class RealProber final : public Prober {
 public:
  explicit RealProber(const ProberOptions& options);
  absl::StatusOr<meshproof::result::v1::ProbeOutcome> Run(
      const meshproof::scenario::v1::Probe& probe,
      const meshproof::scenario::v1::Defaults& defaults, const CancelledFn& cancelled) override;
  // HTTP probes run on the runner's loop threads.
  bool CanStart(const meshproof::scenario::v1::Probe& probe) const override;
  std::optional<absl::StatusOr<meshproof::result::v1::ProbeOutcome>> Start(
      const meshproof::scenario::v1::Probe& probe,
      const meshproof::scenario::v1::Defaults& defaults, const CancelledFn& cancelled,
      ProbeDone done) override;
  absl::StatusOr<std::string> Fetch(const meshproof::scenario::v1::HttpProbe& request,
                                    size_t limit) override;

 private:
  absl::Status CheckHttp(const meshproof::scenario::v1::HttpProbe& http) const;
  HttpProbeOptions HttpOptions(const meshproof::scenario::v1::Defaults& defaults,
                               const CancelledFn& cancelled, std::string* denied);

  ProberOptions options_;
  CaStoreCache ca_cache_;
  CurlMultiRunner runner_;
};

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_PROBER_H_
