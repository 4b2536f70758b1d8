#include "services/common/listen_policy.h"

#include <arpa/inet.h>

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace meshproof {
namespace {

// The host part of "HOST:PORT" or "[V6]:PORT" (brackets removed); the whole text when
// there is no port.
std::string HostOf(absl::string_view address) {
  if (absl::ConsumePrefix(&address, "[")) {
    const size_t close = address.find(']');
    return std::string(address.substr(0, close));
  }
  const size_t colon = address.rfind(':');
  // More than one colon without brackets is a bare IPv6 literal with no port.
  if (colon != absl::string_view::npos && address.find(':') == colon)
    address = address.substr(0, colon);
  return std::string(address);
}

}  // namespace

bool IsLoopbackListenAddress(absl::string_view address) {
  // gRPC's URI forms: a Unix socket is local by nature; ipv4:/ipv6: name an address.
  if (absl::StartsWith(address, "unix:") || absl::StartsWith(address, "unix-abstract:"))
    return true;
  absl::ConsumePrefix(&address, "ipv4:");
  absl::ConsumePrefix(&address, "ipv6:");
  const std::string host = absl::AsciiStrToLower(HostOf(address));
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

absl::Status CheckListenExposure(absl::string_view address, bool authenticated,
                                 bool insecure_open) {
  if (authenticated || insecure_open || IsLoopbackListenAddress(address)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "--listen ", address,
      ": this address is reachable from other hosts and no --tokens file is given, so every caller "
      "could use the whole API; give --tokens FILE, listen on a loopback address (127.0.0.1), or "
      "pass --insecure-open to serve without authentication anyway"));
}

absl::Status CheckMetricsListenExposure(absl::string_view address, bool metrics_open) {
  if (metrics_open || IsLoopbackListenAddress(address)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "--metrics-listen ", address,
      ": this address is reachable from other hosts and /metrics has no authentication (its "
      "labels name scenarios, clusters and tests); listen on a loopback address (127.0.0.1), "
      "or pass --metrics-open to serve metrics to other hosts and restrict the port to your "
      "Prometheus with a network policy"));
}

}  // namespace meshproof
