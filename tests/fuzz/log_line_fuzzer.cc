// libFuzzer target for access-log lines as the agent reads them: splitting a read into
// complete lines, reading a line's time in each supported format, and attributing a line
// to a call, with the default (Envoy) patterns and with correlation by client address.
// Nothing may crash; complete lines hold no newline; a time read is a real time.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/probe-agent/line_attribution.h"
#include "services/probe-agent/log_source.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace ag = ::meshproof::agent;
  using ::meshproof::fuzz::Check;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);

  for (const std::string& line : ag::CompleteLines(text)) {
    Check(line.find('\n') == std::string::npos, "a complete line holds a newline");
  }
  for (const char* format : {"rfc3339", "epoch", "common", "none", "bogus"}) {
    absl::Time time;
    absl::Duration precision;
    if (ag::ParseLogTime(text, format, &time, &precision)) {
      Check(time != absl::InfiniteFuture() && time != absl::InfinitePast(), "an infinite time");
      Check(precision > absl::ZeroDuration(), "a time without precision");
    }
  }
  ag::CallWindow call;
  call.start = absl::FromUnixSeconds(1780790400);
  call.end = call.start + absl::Seconds(2);
  call.local_address = "10.0.0.5:43210";
  const ag::LineAttributor plain{::meshproof::scenario::v1::LogEvidence()};
  (void)plain.Attribute(text, call);
  ::meshproof::scenario::v1::LogEvidence correlated;
  correlated.set_correlate(::meshproof::scenario::v1::LOG_CORRELATION_CLIENT_ADDRESS);
  const ag::LineAttributor by_address(correlated);
  const ag::Attribution why = by_address.Attribute(text, call);
  Check(!ag::AttributionText(why).empty() || why == ag::Attribution::kThisCall,
        "an attribution without words");
  return 0;
}
