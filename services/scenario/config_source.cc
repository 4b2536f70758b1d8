#include "services/scenario/config_source.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace meshproof::scenario {
namespace {

namespace v1 = ::meshproof::scenario::v1;

bool IsProxyId(absl::string_view proxy) {
  if (proxy.empty()) return false;
  for (const char c : proxy) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_')
      return false;
  }
  return true;
}

}  // namespace

const char* AdminPath(v1::EnvoyResource resource) {
  switch (resource) {
    case v1::ENVOY_RESOURCE_CLUSTERS: return "/clusters";
    case v1::ENVOY_RESOURCE_LISTENERS: return "/listeners";
    case v1::ENVOY_RESOURCE_CONFIG_DUMP:
    case v1::ENVOY_RESOURCE_RBAC_POLICIES: return "/config_dump";
    default: return "/";
  }
}

bool IsIstiodUrl(absl::string_view admin_url) {
  return absl::StartsWith(admin_url, "istiod://") || absl::StartsWith(admin_url, "istiods://");
}

absl::StatusOr<ConfigSource> ResolveConfigSource(absl::string_view admin_url,
                                                 v1::EnvoyResource resource) {
  ConfigSource source;
  absl::string_view rest = admin_url;
  const char* scheme = nullptr;
  if (absl::ConsumePrefix(&rest, "istiod://")) {
    scheme = "http://";
  } else if (absl::ConsumePrefix(&rest, "istiods://")) {
    scheme = "https://";
  } else {
    source.read_url = absl::StrCat(absl::StripSuffix(admin_url, "/"), AdminPath(resource));
    return source;
  }
  const size_t slash = rest.find('/');
  const absl::string_view authority = rest.substr(0, slash);
  const absl::string_view proxy = slash == absl::string_view::npos
                                      ? absl::string_view()
                                      : absl::StripSuffix(rest.substr(slash + 1), "/");
  if (authority.empty())
    return absl::InvalidArgumentError("istiod URL has no host (istiod://HOST:PORT/POD.NAMESPACE)");
  if (!IsProxyId(proxy)) {
    return absl::InvalidArgumentError(
        absl::StrCat("istiod URL must name the proxy as its path "
                     "(istiod://HOST:PORT/POD.NAMESPACE, letters, digits, . - _), got \"",
                     admin_url.substr(0, 120), "\""));
  }
  // istiod matches proxyID as a substring of its connections' IDs (POD.NAMESPACE-N), so
  // the proxy needs no escaping beyond the characters allowed above.
  source.read_url = absl::StrCat(scheme, authority, "/debug/config_dump?proxyID=", proxy);
  source.from_istiod = true;
  source.proxy = std::string(proxy);
  return source;
}

}  // namespace meshproof::scenario
