#include "services/results-store/result_codec.h"

#include <zlib.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "meshproof/scenario/v1/scenario.pb.h"

namespace meshproof::store {
namespace {

// Blobs smaller than this are stored raw: zlib's header costs more than it saves.
constexpr size_t kCompressAbove = 256;
constexpr char kRaw = 0;
constexpr char kZlib = 1;

std::string Pack(const std::string& serialized) {
  if (serialized.size() > kCompressAbove) {
    uLongf bound = compressBound(serialized.size());
    std::string out(1 + 4 + bound, '\0');
    out[0] = kZlib;
    const uint32_t size = static_cast<uint32_t>(serialized.size());
    for (int i = 0; i < 4; ++i) out[1 + i] = static_cast<char>((size >> (8 * i)) & 0xff);
    if (compress2(reinterpret_cast<Bytef*>(out.data() + 5), &bound,
                  reinterpret_cast<const Bytef*>(serialized.data()), serialized.size(),
                  Z_DEFAULT_COMPRESSION) == Z_OK &&
        bound + 5 < serialized.size() + 1) {
      out.resize(5 + bound);
      return out;
    }
  }
  std::string out(1, kRaw);
  out += serialized;
  return out;
}

absl::StatusOr<std::string> Unpack(absl::string_view blob) {
  if (blob.empty()) return absl::InternalError("empty result detail");
  if (blob[0] == kRaw) return std::string(blob.substr(1));
  if (blob[0] != kZlib || blob.size() < 5) return absl::InternalError("unknown detail encoding");
  uint32_t size = 0;
  for (int i = 0; i < 4; ++i)
    size |= static_cast<uint32_t>(static_cast<uint8_t>(blob[1 + i])) << (8 * i);
  std::string out(size, '\0');
  uLongf out_size = size;
  if (uncompress(reinterpret_cast<Bytef*>(out.data()), &out_size,
                 reinterpret_cast<const Bytef*>(blob.data() + 5), blob.size() - 5) != Z_OK ||
      out_size != size) {
    return absl::InternalError("result detail does not decompress");
  }
  return out;
}

}  // namespace

namespace {

// True when everything of `result` fits in the row's columns: the common passing HTTP
// result, encoded without copying the message.
bool FitsInColumns(const result::v1::TestResult& r) {
  if (r.mismatches_size() || r.evidence_size() || r.attempt_history_size() || r.claims_size() ||
      !r.proves().empty() || !r.expected_summary().empty() || !r.actual_summary().empty() ||
      !r.reproduction().empty() || r.has_started_at() || r.has_finished_at()) {
    return false;
  }
  if (!r.has_outcome()) return true;
  const result::v1::ProbeOutcome& o = r.outcome();
  if (o.detail_case() != result::v1::ProbeOutcome::kHttp &&
      o.detail_case() != result::v1::ProbeOutcome::DETAIL_NOT_SET) {
    return false;
  }
  if (o.has_started_at()) return false;
  if (o.has_http()) {
    const result::v1::HttpObservation& h = o.http();
    if (!h.http_version().empty() || h.headers_size() || !h.body_excerpt().empty() ||
        h.body_bytes() || !h.remote_address().empty() || h.has_tls() ||
        !h.effective_url().empty()) {
      return false;
    }
  }
  if (o.has_timings()) {
    const result::v1::Timings& t = o.timings();
    if (t.has_dns() || t.has_connect() || t.has_tls() || t.has_first_byte()) return false;
  }
  if (o.has_failure() && (o.failure().curl_exit_code() || !o.failure().message().empty())) {
    return false;
  }
  return true;
}

}  // namespace

ResultRow EncodeResult(const result::v1::TestResult& result) {
  ResultRow row;
  row.verdict = result.verdict();
  row.attempts = result.attempts();
  row.reason = result.reason();
  if (result.passed_on_retry()) row.flags |= kFlagPassedOnRetry;
  if (result.flaky()) row.flags |= kFlagFlaky;
  if (FitsInColumns(result)) {
    if (!result.has_outcome()) return row;
    const result::v1::ProbeOutcome& o = result.outcome();
    row.flags |= kFlagHasOutcome;
    if (o.has_http()) {
      row.flags |= kFlagHttp;
      row.status_code = o.http().status_code();
    }
    if (o.has_timings()) {
      row.flags |= kFlagTimings;
      row.latency_us = o.timings().total().seconds() * 1000000 + o.timings().total().nanos() / 1000;
    }
    if (o.has_failure()) {
      row.flags |= kFlagFailure;
      row.failure_class = o.failure().class_();
    }
    return row;
  }

  result::v1::TestResult rest = result;
  rest.clear_scenario();
  rest.clear_test();
  rest.clear_phase();
  rest.clear_verdict();
  rest.clear_reason();
  rest.clear_attempts();
  rest.clear_passed_on_retry();
  rest.clear_flaky();
  if (rest.has_outcome()) {
    row.flags |= kFlagHasOutcome;
    result::v1::ProbeOutcome* o = rest.mutable_outcome();
    if (o->has_http()) {
      row.flags |= kFlagHttp;
      row.status_code = o->http().status_code();
      o->mutable_http()->clear_status_code();
      if (o->http().ByteSizeLong() == 0) o->clear_http();
    }
    if (o->has_timings()) {
      row.flags |= kFlagTimings;
      const auto& total = o->timings().total();
      row.latency_us = total.seconds() * 1000000 + total.nanos() / 1000;
      o->mutable_timings()->clear_total();
      if (o->timings().ByteSizeLong() == 0) o->clear_timings();
    }
    if (o->has_failure()) {
      row.flags |= kFlagFailure;
      row.failure_class = o->failure().class_();
      o->mutable_failure()->clear_class_();
      if (o->failure().ByteSizeLong() == 0) o->clear_failure();
    }
    if (o->ByteSizeLong() == 0) rest.clear_outcome();
  }
  if (rest.ByteSizeLong() > 0) {
    row.flags |= kFlagHasDetail;
    row.detail = Pack(rest.SerializeAsString());
  }
  return row;
}

absl::StatusOr<result::v1::TestResult> DecodeResult(const ResultRow& row) {
  result::v1::TestResult result;
  if (row.flags & kFlagHasDetail) {
    absl::StatusOr<std::string> serialized = Unpack(row.detail);
    if (!serialized.ok()) return serialized.status();
    if (!result.ParseFromString(*serialized)) {
      return absl::InternalError("result detail does not parse");
    }
  }
  result.set_verdict(static_cast<result::v1::TestVerdict>(row.verdict));
  result.set_reason(row.reason);
  result.set_attempts(static_cast<uint32_t>(row.attempts));
  result.set_passed_on_retry(row.flags & kFlagPassedOnRetry);
  result.set_flaky(row.flags & kFlagFlaky);
  if (row.flags & kFlagHasOutcome) {
    result::v1::ProbeOutcome* o = result.mutable_outcome();
    if (row.flags & kFlagHttp) o->mutable_http()->set_status_code(row.status_code);
    if (row.flags & kFlagTimings) {
      o->mutable_timings()->mutable_total()->set_seconds(row.latency_us / 1000000);
      o->mutable_timings()->mutable_total()->set_nanos((row.latency_us % 1000000) * 1000);
    }
    if (row.flags & kFlagFailure) {
      o->mutable_failure()->set_class_(static_cast<scenario::v1::FailureClass>(row.failure_class));
    }
  }
  return result;
}

std::string OutcomeString(int64_t flags, int64_t status_code, int64_t failure_class,
                          int64_t verdict) {
  if ((flags & kFlagFailure) && failure_class != 0) {
    std::string name =
        scenario::v1::FailureClass_Name(static_cast<scenario::v1::FailureClass>(failure_class));
    if (name.empty()) return absl::StrCat("failure_", failure_class);
    constexpr absl::string_view kPrefix = "FAILURE_CLASS_";
    if (absl::StartsWith(name, kPrefix)) name = name.substr(kPrefix.size());
    return absl::AsciiStrToLower(name);
  }
  if (flags & kFlagHttp) return absl::StrFormat("%03d", status_code);
  if ((flags & kFlagHasOutcome) && verdict == result::v1::TEST_VERDICT_PASS) return "ok";
  return "";
}

void StripEvidence(result::v1::TestResult* result) {
  for (auto& evidence : *result->mutable_evidence()) evidence.clear_lines();
  if (!result->has_outcome()) return;
  result::v1::ProbeOutcome* o = result->mutable_outcome();
  if (o->has_http()) o->mutable_http()->clear_body_excerpt();
  if (o->has_config()) o->mutable_config()->clear_excerpt();
  if (o->has_exec()) {
    o->mutable_exec()->clear_stdout_excerpt();
    o->mutable_exec()->clear_stderr_excerpt();
  }
}

}  // namespace meshproof::store
