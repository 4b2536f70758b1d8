#include "services/probe-agent/evaluator.h"

#include <curl/curl.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <re2/re2.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/time_util.h"
#include "services/scenario/describe.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;
namespace rv1 = ::meshproof::result::v1;

class Checks {
 public:
  void Mismatch(std::string field, std::string expected, std::string actual) {
    rv1::Mismatch m;
    m.set_field(std::move(field));
    m.set_expected(std::move(expected));
    m.set_actual(std::move(actual));
    mismatches_.push_back(std::move(m));
  }
  std::vector<rv1::Mismatch>& mismatches() { return mismatches_; }

 private:
  std::vector<rv1::Mismatch> mismatches_;
};

std::string FailureText(const rv1::Failure& failure) {
  std::string text = absl::StrCat("fails at ", scenario::FailureClassName(failure.class_()));
  if (failure.curl_exit_code() != 0)
    absl::StrAppend(&text, " (curl ", failure.curl_exit_code(), ")");
  return text;
}

// Problems on the agent's side, not the mesh's: the probe could not be executed.
bool IsLocalError(const rv1::Failure& failure) {
  switch (failure.curl_exit_code()) {
    case CURLE_URL_MALFORMAT:
    case CURLE_FAILED_INIT:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CIPHER:
    case CURLE_ABORTED_BY_CALLBACK: return true;
    default: return false;
  }
}

const std::string* FindHeader(const rv1::HttpObservation& http, const std::string& name) {
  const std::string lower = absl::AsciiStrToLower(name);
  for (const rv1::ResponseHeader& header : http.headers()) {
    if (header.name() == lower) return &header.value();
  }
  return nullptr;
}

// Walks a dotted path ("headers.Host", "items.0.name") in a JSON value.
const google::protobuf::Value* JsonAt(const google::protobuf::Value& root,
                                      const std::string& path) {
  const google::protobuf::Value* node = &root;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (node->has_struct_value()) {
      auto it = node->struct_value().fields().find(std::string(part));
      if (it == node->struct_value().fields().end()) return nullptr;
      node = &it->second;
    } else if (node->has_list_value()) {
      int index = 0;
      if (!absl::SimpleAtoi(part, &index) || index < 0 || index >= node->list_value().values_size())
        return nullptr;
      node = &node->list_value().values(index);
    } else {
      return nullptr;
    }
  }
  return node;
}

std::string RenderJson(const google::protobuf::Value& value) {
  if (value.kind_case() == google::protobuf::Value::kStringValue) return value.string_value();
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(value, &out);
  return out;
}

std::string StatusSet(const sv1::Expectation& expect) {
  std::vector<std::string> parts;
  for (const sv1::StatusRange& r : expect.status()) {
    parts.push_back(r.min() == r.max() ? absl::StrCat(r.min())
                                       : absl::StrCat(r.min(), "-", r.max()));
  }
  return parts.empty() ? "2xx" : absl::StrJoin(parts, " or ");
}

void CheckHttp(const sv1::Expectation& expect, const rv1::HttpObservation& http, absl::Time now,
               Checks* checks) {
  const uint32_t status = http.status_code();
  bool status_ok = expect.status().empty() ? (status >= 200 && status <= 299) : false;
  for (const sv1::StatusRange& r : expect.status())
    status_ok |= status >= r.min() && status <= r.max();
  if (!status_ok) checks->Mismatch("expect.status", StatusSet(expect), absl::StrCat(status));

  for (const sv1::HeaderExpectation& header : expect.headers()) {
    const std::string* value = FindHeader(http, header.name());
    const std::string field = absl::StrCat("expect.headers.", header.name());
    const std::string actual = value ? *value : "(absent)";
    if (header.has_equals() && (value == nullptr || *value != header.equals())) {
      checks->Mismatch(field, header.equals(), actual);
    } else if (header.has_pattern() &&
               (value == nullptr ||
                !RE2::PartialMatch(*value, RE2(header.pattern(), RE2::Quiet)))) {
      checks->Mismatch(field, absl::StrCat("/", header.pattern(), "/"), actual);
    } else if (header.has_present() && header.present() && value == nullptr) {
      checks->Mismatch(field, "present", actual);
    } else if (header.has_absent() && header.absent() && value != nullptr) {
      checks->Mismatch(field, "absent", actual);
    }
  }

  const sv1::BodyExpectation& body = expect.body();
  const std::string& text = http.body_excerpt();
  if (!body.contains().empty() && text.find(body.contains()) == std::string::npos) {
    checks->Mismatch("expect.body.contains", body.contains(),
                     absl::StrCat(http.body_bytes(), " bytes without it"));
  }
  if (!body.pattern().empty() && !RE2::PartialMatch(text, RE2(body.pattern(), RE2::Quiet))) {
    checks->Mismatch("expect.body.pattern", absl::StrCat("/", body.pattern(), "/"),
                     "no match in the body");
  }
  if (body.json_size() > 0) {
    google::protobuf::Value root;
    if (!google::protobuf::util::JsonStringToMessage(text, &root).ok()) {
      checks->Mismatch("expect.body.json", "a JSON body", "not JSON (or cut at the capture limit)");
    } else {
      for (const sv1::JsonExpectation& json : body.json()) {
        const google::protobuf::Value* value = JsonAt(root, json.path());
        const std::string field = absl::StrCat("expect.body.json.", json.path());
        const std::string actual = value ? RenderJson(*value) : "(missing)";
        if (json.has_exists() && json.exists() != (value != nullptr)) {
          checks->Mismatch(field, json.exists() ? "exists" : "missing", actual);
        } else if (json.has_equals() && (value == nullptr || actual != json.equals())) {
          checks->Mismatch(field, json.equals(), actual);
        } else if (json.has_pattern() &&
                   (value == nullptr ||
                    !RE2::PartialMatch(actual, RE2(json.pattern(), RE2::Quiet)))) {
          checks->Mismatch(field, absl::StrCat("/", json.pattern(), "/"), actual);
        }
      }
    }
  }

  if (expect.has_tls()) {
    const sv1::TlsExpectation& want = expect.tls();
    const rv1::TlsInfo& tls = http.tls();
    if (want.min_version() != sv1::TLS_VERSION_UNSPECIFIED) {
      static const char* kNames[] = {"", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};
      const int wanted = static_cast<int>(want.min_version());
      int got = 0;
      for (int i = 1; i <= 4; ++i) {
        if (tls.version() == kNames[i]) got = i;
      }
      if (got < wanted)
        checks->Mismatch("expect.tls.min_version", absl::StrCat(">= ", kNames[wanted]),
                         tls.version().empty() ? "(no TLS)" : tls.version());
    }
    if (!want.subject_pattern().empty() &&
        !RE2::PartialMatch(tls.peer_subject(), RE2(want.subject_pattern(), RE2::Quiet))) {
      checks->Mismatch("expect.tls.subject", absl::StrCat("/", want.subject_pattern(), "/"),
                       tls.peer_subject());
    }
    if (!want.issuer_pattern().empty() &&
        !RE2::PartialMatch(tls.peer_issuer(), RE2(want.issuer_pattern(), RE2::Quiet))) {
      checks->Mismatch("expect.tls.issuer", absl::StrCat("/", want.issuer_pattern(), "/"),
                       tls.peer_issuer().empty() ? "(no certificate)" : tls.peer_issuer());
    }
    for (const std::string& san : want.san()) {
      if (std::find(tls.peer_sans().begin(), tls.peer_sans().end(), san) == tls.peer_sans().end()) {
        checks->Mismatch("expect.tls.san", san, absl::StrJoin(tls.peer_sans(), ", "));
      }
    }
    if (want.min_days_to_expiry() > 0) {
      const double days = absl::ToDoubleHours(FromProtoTimestamp(tls.peer_not_after()) - now) / 24;
      if (!tls.has_peer_not_after() || days < want.min_days_to_expiry()) {
        checks->Mismatch("expect.tls.min_days_to_expiry",
                         absl::StrCat(">= ", want.min_days_to_expiry(), " days"),
                         absl::StrCat(static_cast<int>(days), " days"));
      }
    }
    if (!want.alpn().empty() && tls.alpn() != want.alpn()) {
      checks->Mismatch("expect.tls.alpn", want.alpn(), tls.alpn().empty() ? "(none)" : tls.alpn());
    }
  }
}

void CheckOther(const sv1::Test& test, const rv1::ProbeOutcome& outcome, Checks* checks) {
  const sv1::Expectation& expect = test.expect();
  if (test.probe().has_envoy_admin()) {
    const auto& names = outcome.config().names();
    for (const std::string& want : expect.config_present()) {
      if (std::find(names.begin(), names.end(), want) == names.end()) {
        checks->Mismatch("expect.config_present", want,
                         absl::StrCat("not among ", names.size(), " names"));
      }
    }
    for (const std::string& unwanted : expect.config_absent()) {
      if (std::find(names.begin(), names.end(), unwanted) != names.end()) {
        checks->Mismatch("expect.config_absent", absl::StrCat(unwanted, " absent"), "present");
      }
    }
  }
  if (test.probe().has_dns()) {
    const auto& got = outcome.dns().addresses();
    for (const std::string& want : expect.dns_addresses()) {
      if (std::find(got.begin(), got.end(), want) == got.end()) {
        checks->Mismatch("expect.addresses", want, absl::StrJoin(got, ", "));
      }
    }
  }
  if (test.probe().has_exec()) {
    if (outcome.exec().exit_code() != expect.exit_code()) {
      checks->Mismatch("expect.exit_code", absl::StrCat(expect.exit_code()),
                       absl::StrCat(outcome.exec().exit_code()));
    }
    if (!expect.stdout_pattern().empty() &&
        !RE2::PartialMatch(outcome.exec().stdout_excerpt(),
                           RE2(expect.stdout_pattern(), RE2::Quiet))) {
      checks->Mismatch("expect.stdout", absl::StrCat("/", expect.stdout_pattern(), "/"),
                       "no match");
    }
  }
}

}  // namespace

std::string SummarizeOutcome(const rv1::ProbeOutcome& outcome) {
  if (outcome.has_failure()) {
    return absl::StrCat(FailureText(outcome.failure()), ": ", outcome.failure().message());
  }
  switch (outcome.detail_case()) {
    case rv1::ProbeOutcome::kHttp: return absl::StrCat("status ", outcome.http().status_code());
    case rv1::ProbeOutcome::kTcp:
      return absl::StrCat("connected to ", outcome.tcp().remote_address());
    case rv1::ProbeOutcome::kDns:
      return absl::StrCat("resolved to ", absl::StrJoin(outcome.dns().addresses(), ", "));
    case rv1::ProbeOutcome::kConfig: return absl::StrCat(outcome.config().names_size(), " names");
    case rv1::ProbeOutcome::kExec: return absl::StrCat("exit ", outcome.exec().exit_code());
    default: return "no observation";
  }
}

Evaluation Evaluate(const sv1::Test& test, const rv1::ProbeOutcome& outcome,
                    const std::vector<rv1::Evidence>& evidence, absl::Time now) {
  Evaluation result;
  result.actual_summary = SummarizeOutcome(outcome);
  const sv1::Expectation& expect = test.expect();
  Checks checks;
  if (outcome.has_failure() && IsLocalError(outcome.failure())) {
    result.verdict = rv1::TEST_VERDICT_ERROR;
    result.reason = absl::StrCat("could not execute the probe: ", result.actual_summary);
    return result;
  }
  if (outcome.has_failure() && test.probe().has_envoy_admin() && !expect.has_failure()) {
    // The admin interface is how the configuration is observed, not what is tested: when
    // it cannot be read, nothing about the configuration was observed.
    result.verdict = rv1::TEST_VERDICT_ERROR;
    result.reason =
        absl::StrCat("could not observe the proxy configuration: ", result.actual_summary);
    return result;
  }
  if (expect.has_failure()) {
    const sv1::FailureExpectation& want = expect.failure();
    const std::string wanted = scenario::DescribeFailure(want);
    if (!outcome.has_failure()) {
      checks.Mismatch("expect.failure", wanted, result.actual_summary);
    } else if (!scenario::FailureAccepts(want, outcome.failure().class_()) ||
               (want.curl_exit_code() != 0 &&
                outcome.failure().curl_exit_code() != want.curl_exit_code())) {
      checks.Mismatch("expect.failure", wanted, FailureText(outcome.failure()));
    }
  } else if (outcome.has_failure()) {
    checks.Mismatch("probe", scenario::DescribeExpectation(test), result.actual_summary);
  } else {
    if (outcome.has_http()) CheckHttp(expect, outcome.http(), now, &checks);
    CheckOther(test, outcome, &checks);
  }
  if (expect.has_max_latency()) {
    const absl::Duration took = FromProtoDuration(outcome.timings().total());
    if (took > FromProtoDuration(expect.max_latency())) {
      checks.Mismatch("expect.max_latency",
                      absl::FormatDuration(FromProtoDuration(expect.max_latency())),
                      absl::FormatDuration(took));
    }
  }
  // Evidence that could not be observed proves nothing either way: it makes the test
  // ERROR unless something that was observed already makes it FAIL.
  const rv1::Evidence* unobserved = nullptr;
  for (const rv1::Evidence& e : evidence) {
    if (!e.required() || e.satisfied()) continue;
    if (e.unobservable()) {
      if (unobserved == nullptr) unobserved = &e;
      continue;
    }
    checks.Mismatch(absl::StrCat("evidence[", e.name(), "]"), "required evidence",
                    e.message().empty() ? "missing" : e.message());
  }
  result.mismatches = std::move(checks.mismatches());
  if (result.mismatches.empty() && unobserved != nullptr) {
    result.verdict = rv1::TEST_VERDICT_ERROR;
    result.reason =
        absl::StrCat("could not observe evidence[", unobserved->name(), "] (the call gave ",
                     result.actual_summary, "): ", unobserved->message());
    return result;
  }
  if (result.mismatches.empty()) {
    result.verdict = rv1::TEST_VERDICT_PASS;
    return result;
  }
  result.verdict = rv1::TEST_VERDICT_FAIL;
  const rv1::Mismatch& first = result.mismatches.front();
  if (absl::StartsWith(first.field(), "evidence[")) {
    result.reason = absl::StrCat("required ", first.field(), " missing although the call gave ",
                                 result.actual_summary, ": ", first.actual());
  } else {
    result.reason =
        absl::StrCat(first.field(), ": expected ", first.expected(), ", got ", first.actual());
  }
  return result;
}

}  // namespace meshproof::agent
