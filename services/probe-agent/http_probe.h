// HTTP(S) probes with libcurl: every option of the scenario language, and a full record
// of what happened (status, headers, body excerpt, timings, TLS, peer certificate).
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_HTTP_PROBE_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_HTTP_PROBE_H_

#include <functional>
#include <memory>
#include <string>

#include "meshproof/result/v1/result.pb.h"
#include "meshproof/scenario/v1/scenario.pb.h"
#include "services/probe-agent/ca_store_cache.h"
#include "services/probe-agent/curl_multi_runner.h"
#include "services/probe-agent/destination_policy.h"

namespace meshproof::agent {

struct HttpProbeOptions {
  // Reuse connections (Defaults.reuse_connections); otherwise a fresh connection and
  // TLS handshake per probe, as a separate curl would.
  bool reuse_connections = false;
  // Overrides HttpProbe.body_capture_bytes (used for Envoy admin reads).
  size_t body_limit = 0;
  // Aborts the transfer once it returns true (see CancelledFn in prober.h).
  std::function<bool()> cancelled;
  // Parsed trust stores shared across handshakes; null parses the CA file per handshake.
  CaStoreCache* ca_cache = nullptr;
  // Where connections may be opened (null: anywhere). A refused connection is never
  // opened; the transfer fails and `denied` (when set) gets the reason.
  const DestinationPolicy* destinations = nullptr;
  std::string* denied = nullptr;
};

// One HTTP probe as a libcurl transfer: built (no I/O) by the constructor, run by whoever
// drives easy(), read by Finish. Lets a probe run synchronously (RunHttpProbe) or as a
// step of a multi loop (RealProber::Start). libcurl holds pointers into it while the
// transfer runs, so it is neither copied nor moved.
class HttpTransfer {
 public:
  HttpTransfer(const meshproof::scenario::v1::HttpProbe& probe,
               const meshproof::scenario::v1::Defaults& defaults, HttpProbeOptions options);
  ~HttpTransfer();
  HttpTransfer(const HttpTransfer&) = delete;
  HttpTransfer& operator=(const HttpTransfer&) = delete;

  CURL* easy() const;
  // What the transfer observed, once libcurl finished it with `code`. Call once.
  meshproof::result::v1::ProbeOutcome Finish(CURLcode code);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Runs one HTTP probe on `runner`. Never fails: problems become ProbeOutcome.failure.
meshproof::result::v1::ProbeOutcome RunHttpProbe(CurlMultiRunner& runner,
                                                 const meshproof::scenario::v1::HttpProbe& probe,
                                                 const meshproof::scenario::v1::Defaults& defaults,
                                                 const HttpProbeOptions& options);

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_HTTP_PROBE_H_
