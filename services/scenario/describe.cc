#include "services/scenario/describe.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/time_util.h"

namespace meshproof::scenario {

using ::meshproof::scenario::v1::Test;

std::string FailureClassName(meshproof::scenario::v1::FailureClass failure_class) {
  switch (failure_class) {
    case v1::FAILURE_CLASS_DNS: return "dns";
    case v1::FAILURE_CLASS_CONNECT_REFUSED: return "connect_refused";
    case v1::FAILURE_CLASS_CONNECT_TIMEOUT: return "connect_timeout";
    case v1::FAILURE_CLASS_TLS_HANDSHAKE: return "tls_handshake";
    case v1::FAILURE_CLASS_TLS_VERIFY: return "tls_verify";
    case v1::FAILURE_CLASS_CONNECTION_RESET: return "connection_reset";
    case v1::FAILURE_CLASS_EMPTY_REPLY: return "empty_reply";
    case v1::FAILURE_CLASS_TIMEOUT: return "timeout";
    case v1::FAILURE_CLASS_PROTOCOL: return "protocol";
    case v1::FAILURE_CLASS_OTHER: return "other";
    default: return "unspecified";
  }
}

bool FailureAccepts(const v1::FailureExpectation& want, v1::FailureClass observed) {
  if (observed == want.class_()) return true;
  for (int alternative : want.or_class()) {
    if (observed == alternative) return true;
  }
  return false;
}

std::string DescribeFailure(const v1::FailureExpectation& want) {
  std::string text = absl::StrCat("fails at ", FailureClassName(want.class_()));
  for (int alternative : want.or_class()) {
    absl::StrAppend(&text, " or ", FailureClassName(static_cast<v1::FailureClass>(alternative)));
  }
  if (want.curl_exit_code() != 0) absl::StrAppend(&text, " (curl ", want.curl_exit_code(), ")");
  return text;
}

std::string DescribeExpectation(const meshproof::scenario::v1::Test& test) {
  const v1::Expectation& expect = test.expect();
  std::vector<std::string> parts;
  if (expect.has_failure()) {
    parts.push_back(DescribeFailure(expect.failure()));
  } else if (expect.status_size() > 0) {
    std::vector<std::string> codes;
    for (const v1::StatusRange& range : expect.status()) {
      if (range.min() == range.max()) {
        codes.push_back(absl::StrCat(range.min()));
      } else if (range.min() % 100 == 0 && range.max() == range.min() + 99) {
        codes.push_back(absl::StrCat(range.min() / 100, "xx"));
      } else {
        codes.push_back(absl::StrCat(range.min(), "-", range.max()));
      }
    }
    parts.push_back(absl::StrCat("status ", absl::StrJoin(codes, " or ")));
  } else if (test.probe().has_http()) {
    parts.push_back("status 2xx");
  } else if (test.probe().has_tcp()) {
    parts.push_back("connects");
  } else if (test.probe().has_exec()) {
    parts.push_back(absl::StrCat("exit ", expect.exit_code()));
  }
  for (const v1::HeaderExpectation& header : expect.headers()) {
    if (header.has_equals()) parts.push_back(absl::StrCat(header.name(), ": ", header.equals()));
    if (header.has_pattern())
      parts.push_back(absl::StrCat(header.name(), " ~ /", header.pattern(), "/"));
    if (header.has_present()) parts.push_back(absl::StrCat(header.name(), " present"));
    if (header.has_absent()) parts.push_back(absl::StrCat(header.name(), " absent"));
  }
  if (!expect.body().contains().empty())
    parts.push_back(absl::StrCat("body contains \"", expect.body().contains(), "\""));
  if (!expect.body().pattern().empty())
    parts.push_back(absl::StrCat("body ~ /", expect.body().pattern(), "/"));
  for (const std::string& name : expect.config_present())
    parts.push_back(absl::StrCat("config has ", name));
  for (const std::string& name : expect.config_absent())
    parts.push_back(absl::StrCat("config lacks ", name));
  for (const std::string& address : expect.dns_addresses())
    parts.push_back(absl::StrCat("resolves to ", address));
  if (expect.has_max_latency()) {
    parts.push_back(
        absl::StrCat("within ", absl::FormatDuration(FromProtoDuration(expect.max_latency()))));
  }
  for (const v1::EvidenceSpec& evidence : test.evidence()) {
    if (evidence.optional()) continue;
    if (evidence.has_log()) {
      const uint32_t lines = evidence.log().min_lines() == 0 ? 1 : evidence.log().min_lines();
      parts.push_back(absl::StrCat("+ ", lines, " new log line", lines == 1 ? "" : "s", " /",
                                   evidence.log().pattern(), "/"));
    } else {
      parts.push_back(absl::StrCat("+ config ", absl::StrJoin(evidence.config().present(), ", ")));
    }
  }
  if (test.has_deferral()) {
    parts.push_back(test.deferral().requires_approval() ? "(deferred: needs approval)"
                                                        : "(deferred)");
  }
  return absl::StrJoin(parts, ", ");
}

}  // namespace meshproof::scenario
