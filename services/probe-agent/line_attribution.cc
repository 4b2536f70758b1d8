#include "services/probe-agent/line_attribution.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "services/common/time_util.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;

// Envoy's default access-log format starts with "[%START_TIME%]".
constexpr char kDefaultTimePattern[] = R"(^\[([^\]]+)\])";
// ... and ends with "%DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%",
// in its HTTP and its TCP form alike.
constexpr char kDefaultAddressPattern[] = R"((\S+)\s+\S+\s+\S+\s*$)";
constexpr absl::Duration kDefaultSkew = absl::Seconds(1);

// The unit of the last digit of a fraction of `digits` digits.
absl::Duration FractionPrecision(size_t digits) {
  if (digits == 0) return absl::Seconds(1);
  if (digits >= 9) return absl::Nanoseconds(1);
  return absl::Nanoseconds(static_cast<int64_t>(std::pow(10, 9 - static_cast<int>(digits))));
}

size_t FractionDigits(absl::string_view text) {
  const size_t dot = text.find_first_of(".,");
  if (dot == absl::string_view::npos) return 0;
  size_t digits = 0;
  while (dot + 1 + digits < text.size() && absl::ascii_isdigit(text[dot + 1 + digits])) ++digits;
  return digits;
}

// "IP:PORT", "[IPv6]:PORT" → IP without brackets.
std::string HostOf(absl::string_view address) {
  const size_t colon = address.rfind(':');
  absl::string_view host = colon == absl::string_view::npos ? address : address.substr(0, colon);
  host = absl::StripPrefix(absl::StripSuffix(host, "]"), "[");
  return std::string(host);
}

std::string Normalized(absl::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return std::string(address);
  return HostOf(address) + std::string(address.substr(colon));
}

}  // namespace

bool ParseLogTime(absl::string_view text, absl::string_view format, absl::Time* time,
                  absl::Duration* precision) {
  text = absl::StripAsciiWhitespace(text);
  std::string error;
  if (format.empty() || format == "rfc3339") {
    if (!absl::ParseTime(absl::RFC3339_full, std::string(text), time, &error)) return false;
    // absl also reads "infinite-past" and "infinite-future": no log line was written then.
    if (*time == absl::InfinitePast() || *time == absl::InfiniteFuture()) return false;
    *precision = FractionPrecision(FractionDigits(text));
    return true;
  }
  if (format == "epoch") {
    // Read as integers: a double would move "1780826401.250" by nanoseconds.
    const size_t dot = text.find('.');
    const absl::string_view whole = text.substr(0, dot);
    const absl::string_view fraction = dot == absl::string_view::npos ? "" : text.substr(dot + 1);
    int64_t seconds = 0;
    if (whole.empty() || !absl::ascii_isdigit(whole[0]) || !absl::SimpleAtoi(whole, &seconds))
      return false;
    if (fraction.size() > 9) return false;
    int64_t nanos = 0;
    for (size_t i = 0; i < 9; ++i) {
      const char digit = i < fraction.size() ? fraction[i] : '0';
      if (!absl::ascii_isdigit(digit)) return false;
      nanos = nanos * 10 + (digit - '0');
    }
    *time = absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
    *precision = FractionPrecision(fraction.size());
    return true;
  }
  if (format == "common") {
    if (!absl::ParseTime("%d/%b/%Y:%H:%M:%S %z", std::string(text), time, &error)) return false;
    if (*time == absl::InfinitePast() || *time == absl::InfiniteFuture()) return false;
    *precision = absl::Seconds(1);
    return true;
  }
  return false;
}

LineAttributor::LineAttributor(const sv1::LogEvidence& spec)
    : format_(spec.time().format()),
      time_pattern_(std::make_unique<RE2>(
          spec.time().pattern().empty() ? kDefaultTimePattern : spec.time().pattern(), RE2::Quiet)),
      address_pattern_(std::make_unique<RE2>(spec.client_address_pattern().empty()
                                                 ? kDefaultAddressPattern
                                                 : spec.client_address_pattern(),
                                             RE2::Quiet)),
      correlate_(spec.correlate()),
      skew_(DurationOr(spec.skew(), kDefaultSkew)) {}

Attribution LineAttributor::Attribute(absl::string_view line, const CallWindow& call) const {
  if (!position_only()) {
    std::string captured;
    absl::Time started;
    absl::Duration precision;
    if (!time_pattern_->ok() ||
        !RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *time_pattern_, &captured) ||
        !ParseLogTime(captured, format_, &started, &precision)) {
      return Attribution::kNoTime;
    }
    // The line's time is known to its last digit: "10:00:01" means some instant in
    // [10:00:01, 10:00:02).
    if (started + precision <= call.start - skew_) return Attribution::kBeforeCall;
    if (started > call.end + skew_) return Attribution::kAfterCall;
  }
  if (correlate_ == sv1::LOG_CORRELATION_UNSPECIFIED) return Attribution::kThisCall;
  if (call.local_address.empty()) return Attribution::kNoConnection;
  std::string client;
  if (!address_pattern_->ok() ||
      !RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *address_pattern_, &client) ||
      client.empty() || client == "-") {
    return Attribution::kNoClientAddress;
  }
  const bool same = correlate_ == sv1::LOG_CORRELATION_CLIENT_IP
                        ? HostOf(client) == HostOf(call.local_address)
                        : Normalized(client) == Normalized(call.local_address);
  return same ? Attribution::kThisCall : Attribution::kOtherClient;
}

std::string AttributionText(Attribution attribution) {
  switch (attribution) {
    case Attribution::kThisCall: return "belongs to this call";
    case Attribution::kBeforeCall: return "started before the call";
    case Attribution::kAfterCall: return "started after the call";
    case Attribution::kNoTime: return "carry no readable start time";
    case Attribution::kOtherClient: return "name another client address";
    case Attribution::kNoClientAddress: return "name no client address";
    case Attribution::kNoConnection: return "cannot be tied to the call (it made no connection)";
  }
  return "";
}

}  // namespace meshproof::agent
