#include "services/scenario/log_source_uri.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace meshproof::scenario {
namespace {

namespace v1 = ::meshproof::scenario::v1;

// Decodes %XX; false on a malformed escape.
bool PercentDecode(absl::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size() || !absl::ascii_isxdigit(static_cast<unsigned char>(in[i + 1])) ||
        !absl::ascii_isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      return false;
    }
    out->push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
    i += 2;
  }
  return true;
}

}  // namespace

absl::StatusOr<v1::LogSource> ResolveLogSourceUri(absl::string_view uri) {
  v1::LogSource source;
  absl::string_view rest = uri;
  if (absl::ConsumePrefix(&rest, "file://")) {
    std::string path;
    if (!absl::StartsWith(rest, "/") || !PercentDecode(rest, &path)) {
      return absl::InvalidArgumentError(
          absl::StrCat("a file:// source needs an absolute path (file:///var/log/x.log), got \"",
                       uri.substr(0, 120), "\""));
    }
    source.mutable_file()->set_path(path);
    return source;
  }
  if (absl::ConsumePrefix(&rest, "k8s://")) {
    const std::vector<absl::string_view> parts = absl::StrSplit(rest, '/');
    std::string selector, container;
    if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty() ||
        !PercentDecode(parts[1], &selector) ||
        (parts.size() == 3 && !PercentDecode(parts[2], &container))) {
      return absl::InvalidArgumentError(
          absl::StrCat("a k8s:// source is k8s://NAMESPACE/SELECTOR[/CONTAINER] (e.g. "
                       "k8s://istio-system/istio=egressgateway/"
                       "istio-proxy), got \"",
                       uri.substr(0, 120), "\""));
    }
    v1::KubernetesLogSource* k8s = source.mutable_kubernetes();
    k8s->set_namespace_(std::string(parts[0]));
    k8s->set_label_selector(selector);
    k8s->set_container(container);
    return source;
  }
  if (absl::StartsWith(uri, "http://") || absl::StartsWith(uri, "https://")) {
    source.mutable_http()->set_url(std::string(uri));
    return source;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("expected a log source URI (file:///PATH, k8s://NAMESPACE/SELECTOR[/CONTAINER], "
                   "http(s)://URL), got \"",
                   uri.substr(0, 120), "\""));
}

}  // namespace meshproof::scenario
