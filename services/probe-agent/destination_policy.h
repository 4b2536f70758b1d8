// Where probes and evidence sources may connect: the operator's per-agent allowlist of
// destinations (CIDRs and host-name patterns, each with ports). Checked against the
// address a connection is actually opened to, so DNS answers and a scenario's
// resolve/connect_to overrides cannot lead a probe elsewhere.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_DESTINATION_POLICY_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_DESTINATION_POLICY_H_

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace meshproof::agent {

struct PortRange {
  uint16_t first = 1;
  uint16_t last = 65535;
};

// One entry of `destinations.allow`: exactly one of `cidr` and `host`.
struct DestinationRule {
  std::string cidr;  // "10.0.0.0/8", "::1/128"; a bare address is a /32 or /128
  // A host name ("api.example.com") or a suffix pattern ("*.svc.cluster.local": one or
  // more labels before the suffix). Case-insensitive; never an IP address.
  std::string host;
  std::vector<PortRange> ports;  // empty: every port
};

// Parses "443" or "8000-8100". INVALID_ARGUMENT naming `field`.
absl::StatusOr<PortRange> ParsePortRange(const std::string& text, const std::string& field);

// Returns a rule allowing exactly the host (or address) and port of `url`: the
// operator's own Kubernetes API server. INVALID_ARGUMENT when `url` has no host.
absl::StatusOr<DestinationRule> ApiServerRule(const std::string& url);

class DestinationPolicy {
 public:
  // Allows every destination: the agent's configuration has no `destinations`.
  DestinationPolicy() = default;
  // Allows only what `rules` list. INVALID_ARGUMENT naming the rule
  // ("destinations.allow[2].cidr") when one is malformed.
  static absl::StatusOr<DestinationPolicy> Create(std::vector<DestinationRule> rules);

  bool allows_everything() const { return allow_all_; }

  // Returns OK when a connection to `address` may be opened. `name` is the host name
  // the system resolver turned into `address`, or "" when the address came from an IP
  // literal or a scenario's resolve/connect_to override: host rules then do not apply.
  // PERMISSION_DENIED saying what was refused.
  absl::Status CheckAddress(const sockaddr* address, const std::string& name) const;
  // Returns OK when a DNS probe may look `name` up: a host rule matches it (ports do not
  // matter), or it is an IP literal inside a CIDR rule. PERMISSION_DENIED otherwise.
  absl::Status CheckLookup(const std::string& name) const;

 private:
  struct Network {
    int family = 0;  // AF_INET or AF_INET6
    std::array<uint8_t, 16> bytes{};
    int prefix = 0;
  };
  struct Rule {
    bool is_network = false;
    Network network;
    std::string host;  // lower case, no trailing dot
    std::vector<PortRange> ports;
  };
  static bool PortAllowed(const Rule& rule, uint16_t port);
  static bool InNetwork(const Network& network, int family, const uint8_t* bytes);
  static bool HostMatches(const std::string& pattern, const std::string& name);

  bool allow_all_ = true;
  std::vector<Rule> rules_;
};

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_DESTINATION_POLICY_H_
