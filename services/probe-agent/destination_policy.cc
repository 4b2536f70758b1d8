#include "services/probe-agent/destination_policy.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>

#include <cstring>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace meshproof::agent {
namespace {

// Parses an IPv4 or IPv6 literal into `bytes`; returns the family or 0.
int ParseAddress(const std::string& text, uint8_t* bytes) {
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) return AF_INET;
  if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) return AF_INET6;
  return 0;
}

std::string NormalizeName(const std::string& name) {
  return absl::AsciiStrToLower(absl::StripSuffix(name, "."));
}

std::string Bounded(const std::string& text) {
  return text.size() > 253 ? text.substr(0, 253) + "..." : text;
}

}  // namespace

absl::StatusOr<PortRange> ParsePortRange(const std::string& text, const std::string& field) {
  const size_t dash = text.find('-');
  uint32_t first = 0, last = 0;
  const bool parsed = dash == std::string::npos
                          ? absl::SimpleAtoi(text, &first) && (last = first, true)
                          : absl::SimpleAtoi(text.substr(0, dash), &first) &&
                                absl::SimpleAtoi(text.substr(dash + 1), &last);
  if (!parsed || first < 1 || last > 65535 || first > last) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": expected a port (1-65535) or a range like 8000-8100, got \"",
                     text.substr(0, 40), "\""));
  }
  return PortRange{static_cast<uint16_t>(first), static_cast<uint16_t>(last)};
}

absl::StatusOr<DestinationRule> ApiServerRule(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), curl_url_cleanup);
  char* host = nullptr;
  char* port = nullptr;
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK ||
      curl_url_get(parsed.get(), CURLUPART_HOST, &host, 0) != CURLUE_OK ||
      curl_url_get(parsed.get(), CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
    curl_free(host);
    return absl::InvalidArgumentError(
        absl::StrCat("kubernetes.api_server: not a URL: \"", url.substr(0, 80), "\""));
  }
  DestinationRule rule;
  std::string name(absl::StripSuffix(absl::StripPrefix(host, "["), "]"));
  uint8_t ignored[16];
  if (ParseAddress(name, ignored) != 0) {
    rule.cidr = name;
  } else {
    rule.host = name;
  }
  auto range = ParsePortRange(port, "kubernetes.api_server");
  curl_free(host);
  curl_free(port);
  if (!range.ok()) return range.status();
  rule.ports.push_back(*range);
  return rule;
}

absl::StatusOr<DestinationPolicy> DestinationPolicy::Create(std::vector<DestinationRule> rules) {
  DestinationPolicy policy;
  policy.allow_all_ = false;
  for (size_t i = 0; i < rules.size(); ++i) {
    const std::string field = absl::StrCat("destinations.allow[", i, "]");
    DestinationRule& in = rules[i];
    if (in.cidr.empty() == in.host.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": give exactly one of cidr and host"));
    }
    Rule rule;
    rule.ports = in.ports;
    if (!in.cidr.empty()) {
      rule.is_network = true;
      const size_t slash = in.cidr.find('/');
      const std::string address = in.cidr.substr(0, slash);
      rule.network.family = ParseAddress(address, rule.network.bytes.data());
      const int max_prefix = rule.network.family == AF_INET ? 32 : 128;
      rule.network.prefix = max_prefix;
      if (rule.network.family == 0 ||
          (slash != std::string::npos &&
           (!absl::SimpleAtoi(in.cidr.substr(slash + 1), &rule.network.prefix) ||
            rule.network.prefix < 0 || rule.network.prefix > max_prefix))) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ".cidr: expected an address or ADDRESS/PREFIX, got \"",
                         in.cidr.substr(0, 60), "\""));
      }
    } else {
      rule.host = NormalizeName(in.host);
      uint8_t ignored[16];
      const absl::string_view labels = absl::StripPrefix(rule.host, "*.");
      if (labels.empty() || absl::StrContains(labels, '*') || absl::StrContains(labels, "..") ||
          ParseAddress(rule.host, ignored) != 0 ||
          !std::all_of(labels.begin(), labels.end(), [](char c) {
            return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ||
                   c == '_';
          })) {
        return absl::InvalidArgumentError(absl::StrCat(
            field, ".host: expected a host name or *.SUFFIX (addresses go in cidr), got \"",
            in.host.substr(0, 60), "\""));
      }
    }
    policy.rules_.push_back(std::move(rule));
  }
  return policy;
}

bool DestinationPolicy::PortAllowed(const Rule& rule, uint16_t port) {
  if (rule.ports.empty()) return true;
  for (const PortRange& range : rule.ports) {
    if (port >= range.first && port <= range.last) return true;
  }
  return false;
}

bool DestinationPolicy::InNetwork(const Network& network, int family, const uint8_t* bytes) {
  if (family != network.family) return false;
  const int full = network.prefix / 8;
  if (std::memcmp(bytes, network.bytes.data(), full) != 0) return false;
  const int rest = network.prefix % 8;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (bytes[full] & mask) == (network.bytes[full] & mask);
}

bool DestinationPolicy::HostMatches(const std::string& pattern, const std::string& name) {
  if (absl::StartsWith(pattern, "*.")) {
    const absl::string_view suffix = absl::string_view(pattern).substr(1);  // ".svc.cluster.local"
    return name.size() > suffix.size() && absl::EndsWith(name, suffix);
  }
  return name == pattern;
}

absl::Status DestinationPolicy::CheckAddress(const sockaddr* address,
                                             const std::string& name) const {
  if (allow_all_) return absl::OkStatus();
  int family = address->sa_family;
  uint8_t bytes[16] = {0};
  uint16_t port = 0;
  if (family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    std::memcpy(bytes, &in->sin_addr, 4);
    port = ntohs(in->sin_port);
  } else if (family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    std::memcpy(bytes, &in6->sin6_addr, 16);
    port = ntohs(in6->sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      // ::ffff:a.b.c.d reaches a.b.c.d: judge it as the IPv4 address it is.
      family = AF_INET;
      std::memmove(bytes, bytes + 12, 4);
    }
  } else {
    return absl::PermissionDeniedError("destination refused: not an IP address");
  }
  char text[INET6_ADDRSTRLEN] = {0};
  inet_ntop(family, bytes, text, sizeof(text));
  const std::string normalized = NormalizeName(name);
  uint8_t ignored[16];
  const bool trusted_name = !normalized.empty() && ParseAddress(normalized, ignored) == 0;
  for (const Rule& rule : rules_) {
    if (!PortAllowed(rule, port)) continue;
    if (rule.is_network ? InNetwork(rule.network, family, bytes)
                        : trusted_name && HostMatches(rule.host, normalized)) {
      return absl::OkStatus();
    }
  }
  const std::string shown =
      family == AF_INET6 ? absl::StrCat("[", text, "]:", port) : absl::StrCat(text, ":", port);
  return absl::PermissionDeniedError(absl::StrCat(
      "destination ", shown, trusted_name ? absl::StrCat(" (", Bounded(normalized), ")") : "",
      " is not allowed by the agent's destinations; nothing was sent"));
}

absl::Status DestinationPolicy::CheckLookup(const std::string& name) const {
  if (allow_all_) return absl::OkStatus();
  const std::string normalized = NormalizeName(name);
  uint8_t bytes[16] = {0};
  const int family = ParseAddress(normalized, bytes);
  for (const Rule& rule : rules_) {
    if (family == 0 ? !rule.is_network && HostMatches(rule.host, normalized)
                    : rule.is_network && InNetwork(rule.network, family, bytes)) {
      return absl::OkStatus();
    }
  }
  return absl::PermissionDeniedError(
      absl::StrCat("dns.name: \"", Bounded(normalized),
                   "\" is not allowed by the agent's destinations; nothing was looked up"));
}

}  // namespace meshproof::agent
