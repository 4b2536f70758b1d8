#include "tests/probe-agent/fake_kubernetes_api.h"

#include <algorithm>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::testing {
namespace {

// The body a real API server sends with an error status (metav1.Status).
std::string StatusBody(int code, const std::string& reason, const std::string& message) {
  return absl::StrCat(
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":")", message,
      R"(","reason":")", reason, R"(","code":)", code, "}\n");
}

std::string Unescape(const std::string& value) {
  return absl::StrReplaceAll(value, {{"%3A", ":"}, {"%3D", "="}, {"%2C", ","}});
}

}  // namespace

std::string RealFixture(const std::string& name) {
  return ReadFileOrEmpty(absl::StrCat(MESHPROOF_SOURCE_DIR, "/tests/fixtures/real/", name));
}

std::string QueryParam(const std::string& target, const std::string& name) {
  const size_t question = target.find('?');
  if (question == std::string::npos) return "";
  for (absl::string_view pair : absl::StrSplit(target.substr(question + 1), '&')) {
    if (absl::StartsWith(pair, name + "=")) return std::string(pair.substr(name.size() + 1));
  }
  return "";
}

FakeKubernetesApi::FakeKubernetesApi(const FakeTls& tls)
    : kubelet_([this] { RunKubelet(); }),
      server_([this](const FakeRequest& request) { return Answer(request); }, tls) {}

FakeKubernetesApi::~FakeKubernetesApi() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  kubelet_.join();
}

void FakeKubernetesApi::RunKubelet() {
  absl::MutexLock lock(&mu_);
  while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Milliseconds(10))) {
    StampNewLinesLocked();
  }
}

void FakeKubernetesApi::StampNewLinesLocked() {
  if (feeds_.empty()) return;
  const std::string now =
      absl::FormatTime("%Y-%m-%d%ET%H:%M:%E9SZ", absl::Now(), absl::UTCTimeZone());
  for (auto& [pod, feed] : feeds_) {
    const std::vector<std::string> output = feed.lines();
    for (size_t i = feed.stamped; i < output.size(); ++i) {
      absl::StrAppend(&logs_[pod], now, " ", output[i], "\n");
    }
    feed.stamped = std::max(feed.stamped, output.size());
  }
}

void FakeKubernetesApi::AcceptToken(const std::string& token) {
  absl::MutexLock lock(&mu_);
  token_ = token;
}

void FakeKubernetesApi::SetPods(const std::string& namespace_name,
                                const std::string& pod_list_json) {
  absl::MutexLock lock(&mu_);
  pods_[namespace_name] = pod_list_json;
}

void FakeKubernetesApi::SetLog(const std::string& pod, const std::string& timestamped_lines) {
  absl::MutexLock lock(&mu_);
  logs_[pod] = timestamped_lines;
}

void FakeKubernetesApi::SetLogFeed(const std::string& pod,
                                   std::function<std::vector<std::string>()> lines) {
  absl::MutexLock lock(&mu_);
  feeds_[pod] = LogFeed{std::move(lines), 0};
  logs_[pod] = "";
}

void FakeKubernetesApi::FailWith(int status, const std::string& message) {
  absl::MutexLock lock(&mu_);
  fail_status_ = status;
  fail_message_ = message;
}

FakeResponse FakeKubernetesApi::Answer(const FakeRequest& request) {
  absl::MutexLock lock(&mu_);
  auto auth = request.headers.find("authorization");
  if (auth == request.headers.end() || token_.empty() || auth->second != "Bearer " + token_) {
    return {401, StatusBody(401, "Unauthorized", "Unauthorized")};
  }
  if (fail_status_ != 0) return {fail_status_, StatusBody(fail_status_, "Failure", fail_message_)};
  if (request.method != "GET")
    return {405, StatusBody(405, "MethodNotAllowed", "method not allowed")};
  const std::string path = request.target.substr(0, request.target.find('?'));
  if (path == "/version") return {200, RealFixture("kubernetes-version.json")};
  // /api/v1/namespaces/NS/pods[/POD/log]
  const std::vector<std::string> parts = absl::StrSplit(path, '/');
  if (parts.size() == 6 && parts[1] == "api" && parts[2] == "v1" && parts[3] == "namespaces" &&
      parts[5] == "pods") {
    auto it = pods_.find(parts[4]);
    return {200, it == pods_.end()
                     ? R"({"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]})"
                     : it->second};
  }
  if (parts.size() == 8 && parts[5] == "pods" && parts[7] == "log") {
    StampNewLinesLocked();
    auto it = logs_.find(parts[6]);
    if (it == logs_.end()) {
      return {404,
              StatusBody(404, "NotFound", absl::StrCat("pods \\\"", parts[6], "\\\" not found"))};
    }
    absl::Time since = absl::InfinitePast();
    std::string error;
    const std::string since_text = Unescape(QueryParam(request.target, "sinceTime"));
    if (!since_text.empty() && !absl::ParseTime(absl::RFC3339_full, since_text, &since, &error)) {
      return {400, StatusBody(400, "BadRequest", "invalid sinceTime")};
    }
    const bool timestamps = QueryParam(request.target, "timestamps") == "true";
    std::string body;
    for (absl::string_view line : absl::StrSplit(it->second, '\n', absl::SkipEmpty())) {
      const size_t space = line.find(' ');
      absl::Time stamp;
      if (!absl::ParseTime(absl::RFC3339_full, line.substr(0, space), &stamp, &error) ||
          stamp < since)
        continue;
      absl::StrAppend(&body, timestamps ? line : line.substr(space + 1), "\n");
    }
    return {200, body};
  }
  return {404, StatusBody(404, "NotFound", "the server could not find the requested resource")};
}

}  // namespace meshproof::testing
