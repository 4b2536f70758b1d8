#include "services/probe-agent/kubernetes_log_source.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "services/common/time_util.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;

constexpr size_t kPodListLimit = 8 << 20;
constexpr size_t kPodLogLimit = 16 << 20;
constexpr absl::Duration kRequestTimeout = absl::Seconds(5);

}  // namespace

std::string QueryEscape(absl::string_view value) {
  std::string out;
  for (const char c : value) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(c);
    } else {
      absl::StrAppendFormat(&out, "%%%02X", static_cast<unsigned char>(c));
    }
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> PodNamesFromList(absl::string_view json) {
  google::protobuf::Value root;
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &root).ok() ||
      !root.has_struct_value()) {
    return absl::InvalidArgumentError("the pod list is not a JSON object");
  }
  const auto& fields = root.struct_value().fields();
  auto items = fields.find("items");
  std::vector<std::string> names;
  if (items == fields.end() || !items->second.has_list_value()) return names;
  for (const google::protobuf::Value& item : items->second.list_value().values()) {
    if (!item.has_struct_value()) continue;
    auto metadata = item.struct_value().fields().find("metadata");
    if (metadata == item.struct_value().fields().end() || !metadata->second.has_struct_value())
      continue;
    auto name = metadata->second.struct_value().fields().find("name");
    if (name != metadata->second.struct_value().fields().end() && name->second.has_string_value()) {
      names.push_back(name->second.string_value());
    }
  }
  return names;
}

bool SplitTimestampedLine(absl::string_view line, absl::Time* time, std::string* text) {
  const size_t space = line.find(' ');
  const absl::string_view stamp = line.substr(0, space);
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, stamp, time, &error)) return false;
  *text = space == absl::string_view::npos ? "" : std::string(line.substr(space + 1));
  return true;
}

KubernetesLogSource::KubernetesLogSource(Prober* prober, const Clock* clock,
                                         KubernetesAccess access, sv1::KubernetesLogSource spec)
    : prober_(prober), clock_(clock), access_(std::move(access)), spec_(std::move(spec)) {}

std::string KubernetesLogSource::Describe() const {
  return absl::StrCat(
      "pods ", spec_.label_selector(), " in namespace ", spec_.namespace_(),
      spec_.container().empty() ? "" : absl::StrCat(" (container ", spec_.container(), ")"));
}

absl::StatusOr<std::string> FetchKubernetesApi(Prober& prober, const KubernetesAccess& access,
                                               const std::string& path_and_query, size_t limit) {
  const std::string& token_file = access.token_file;
  std::ifstream in(token_file);
  if (!in) return absl::UnavailableError(absl::StrCat("cannot read the token file ", token_file));
  std::stringstream token;
  token << in.rdbuf();
  sv1::HttpProbe request;
  const std::string api = std::string(absl::StripSuffix(access.api_server, "/"));
  request.set_url(absl::StrCat(api, path_and_query));
  sv1::Header* auth = request.add_headers();
  auth->set_name("Authorization");
  auth->set_value(absl::StrCat("Bearer ", absl::StripAsciiWhitespace(token.str())));
  request.add_headers()->set_name("Accept");
  request.mutable_headers(1)->set_value("application/json");
  if (absl::StartsWith(api, "https://")) request.mutable_tls()->set_ca_file(access.ca_file);
  *request.mutable_timeout() = ToProtoDuration(kRequestTimeout);
  return prober.Fetch(request, limit);
}

absl::StatusOr<std::string> KubernetesLogSource::Get(const std::string& path_and_query,
                                                     size_t limit) {
  return FetchKubernetesApi(*prober_, access_, path_and_query, limit);
}

absl::StatusOr<std::vector<std::string>> KubernetesLogSource::ListPods() {
  auto body = Get(absl::StrCat("/api/v1/namespaces/", QueryEscape(spec_.namespace_()),
                               "/pods?labelSelector=", QueryEscape(spec_.label_selector())),
                  kPodListLimit);
  if (!body.ok()) return body.status();
  auto names = PodNamesFromList(*body);
  if (!names.ok())
    return absl::UnavailableError(absl::StrCat("listing pods: ", names.status().message()));
  if (names->empty()) {
    return absl::FailedPreconditionError(absl::StrCat("no pod matches ", spec_.label_selector(),
                                                      " in namespace ", spec_.namespace_()));
  }
  return names;
}

absl::StatusOr<uint64_t> KubernetesLogSource::Position() {
  auto pods = ListPods();
  if (!pods.ok()) return pods.status();
  pods_ = std::move(*pods);
  return static_cast<uint64_t>(absl::ToUnixMicros(clock_->Now()));
}

absl::StatusOr<std::vector<std::string>> KubernetesLogSource::LinesSince(uint64_t position) {
  const absl::Time since = absl::FromUnixMicros(static_cast<int64_t>(position));
  // The API takes whole seconds; round down and filter the rest here.
  const std::string since_text = absl::FormatTime(
      "%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(absl::ToUnixSeconds(since)), absl::UTCTimeZone());
  std::vector<std::string> lines;
  origins_.clear();
  absl::Status last_error;
  std::vector<std::string> unread;
  int read = 0;
  for (const std::string& pod : pods_) {
    std::string query =
        absl::StrCat("/api/v1/namespaces/", QueryEscape(spec_.namespace_()), "/pods/",
                     QueryEscape(pod), "/log?timestamps=true&sinceTime=", QueryEscape(since_text));
    if (!spec_.container().empty())
      absl::StrAppend(&query, "&container=", QueryEscape(spec_.container()));
    auto body = Get(query, kPodLogLimit);
    if (!body.ok()) {
      last_error = body.status();
      unread.push_back(absl::StrCat(pod, " (", body.status().message(), ")"));
      continue;
    }
    ++read;
    for (const std::string& line : CompleteLines(*body)) {
      absl::Time stamped;
      std::string text;
      if (SplitTimestampedLine(line, &stamped, &text) && stamped >= since) {
        lines.push_back(std::move(text));
        origins_.push_back(pod);
      }
    }
  }
  if (read == 0 && !last_error.ok()) {
    origins_.clear();
    return last_error;
  }
  // Any replica may have served the call: a log that could not be read (a pod gone since
  // the listing, a 5xx) can hide the line, so the evidence must not become "no line".
  // The lines of the others still count.
  if (!unread.empty()) {
    gap_ = absl::StrCat("the log of ", unread.size(), " of ", pods_.size(),
                        " pods could not be read: ", absl::StrJoin(unread, "; "));
  }
  return lines;
}

}  // namespace meshproof::agent
