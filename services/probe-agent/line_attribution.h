// Decides whether an access-log line belongs to one call. A new line that matches the
// pattern is not yet proof: a gateway writes a connection's line when it closes, so a
// line of an earlier call can appear after this call's position was noted. A line
// counts for a call only when its own start time falls inside the call (with the
// declared clock skew) and, when asked, it names the agent's end of the connection.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_LINE_ATTRIBUTION_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_LINE_ATTRIBUTION_H_

#include <re2/re2.h>

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "meshproof/scenario/v1/scenario.pb.h"

namespace meshproof::agent {

// What the agent knows of its own call.
struct CallWindow {
  absl::Time start;  // just before the probe began
  absl::Time end;    // just after it returned
  // The agent's local "IP:PORT" of the call's connection; empty when none was made.
  std::string local_address;
};

enum class Attribution {
  kThisCall,
  kBeforeCall,       // the line's start time is before the call (minus skew)
  kAfterCall,        // the line's start time is after the call (plus skew)
  kNoTime,           // the line has no start time readable with the time pattern
  kOtherClient,      // the line names another client address
  kNoClientAddress,  // correlation was asked but the line names no client address
  kNoConnection,     // correlation was asked but the call made no connection
};

class LineAttributor {
 public:
  // Compiles the spec's time and address patterns (defaults: Envoy's access-log format).
  explicit LineAttributor(const meshproof::scenario::v1::LogEvidence& spec);

  Attribution Attribute(absl::string_view line, const CallWindow& call) const;

  // The skew in force, for messages.
  absl::Duration skew() const { return skew_; }
  // Whether lines carry no time (format "none"): only their position counts.
  bool position_only() const { return format_ == "none"; }

 private:
  std::string format_;
  std::unique_ptr<RE2> time_pattern_;
  std::unique_ptr<RE2> address_pattern_;
  meshproof::scenario::v1::LogCorrelation correlate_;
  absl::Duration skew_;
};

// Reads a time written in `format` ("rfc3339", "epoch", "common"). Sets `precision` to
// the unit of its last digit (1s for whole seconds, 1ms for three decimals). False when
// the text is not such a time.
bool ParseLogTime(absl::string_view text, absl::string_view format, absl::Time* time,
                  absl::Duration* precision);

// Says in words why a line was not counted ("started before the call").
std::string AttributionText(Attribution attribution);

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_LINE_ATTRIBUTION_H_
