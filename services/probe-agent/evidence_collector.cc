#include "services/probe-agent/evidence_collector.h"

#include <re2/re2.h>

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "services/common/time_util.h"
#include "services/probe-agent/envoy_admin.h"
#include "services/scenario/config_source.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;
namespace rv1 = ::meshproof::result::v1;

constexpr size_t kMaxKeptLines = 100;
constexpr size_t kMaxLineBytes = 1024;
constexpr absl::Duration kPollInterval = absl::Milliseconds(50);
// With max_lines set, how long to keep polling after min_lines were found, so that a
// second line for the same call (a retried or duplicated connection) is seen before the
// evidence is called satisfied. A gateway writes a connection's line when it closes,
// within milliseconds of the probe's end, so a short settle suffices.
constexpr absl::Duration kSettle = absl::Milliseconds(200);

}  // namespace

EvidenceCollector::EvidenceCollector(Prober* prober, const Clock* clock, Sleeper sleeper,
                                     LogSourceFactory sources)
    : prober_(prober), clock_(clock), sleeper_(std::move(sleeper)), sources_(std::move(sources)) {}

void EvidenceCollector::Begin(const sv1::Test& test, const sv1::Defaults& defaults) {
  pending_.clear();
  for (const sv1::EvidenceSpec& spec : test.evidence()) {
    Pending pending{&spec, nullptr};
    if (spec.has_log()) {
      pending.window =
          DurationOr(spec.log().window(), DurationOr(defaults.evidence_window(), absl::Seconds(2)));
      auto source = sources_(spec.log().source());
      if (source.ok()) {
        pending.source = std::move(*source);
        pending.start = pending.source->Position();
      } else {
        pending.start = source.status();
      }
    }
    pending_.push_back(std::move(pending));
  }
  // Taken after the positions: a line the gateway started before this instant belongs
  // to an earlier call, even when it is written after the position.
  call_start_ = clock_->Now();
}

namespace {

// Counts the matching lines that were not counted for the call, by why.
class Rejections {
 public:
  void Add(Attribution why) { ++counts_[why]; }
  uint32_t total() const {
    uint32_t sum = 0;
    for (const auto& [why, count] : counts_) sum += count;
    return sum;
  }
  uint32_t count(Attribution why) const {
    auto it = counts_.find(why);
    return it == counts_.end() ? 0 : it->second;
  }
  // "2 started before the call, 1 name another client address"
  std::string Describe(const LineAttributor& attributor, const CallWindow& call) const {
    std::vector<std::string> parts;
    for (const auto& [why, count] : counts_) {
      std::string part = absl::StrCat(count, " ", AttributionText(why));
      if (why == Attribution::kBeforeCall || why == Attribution::kAfterCall) {
        absl::StrAppend(&part, " (skew ", absl::FormatDuration(attributor.skew()), ")");
      } else if (why == Attribution::kOtherClient) {
        absl::StrAppend(&part, " than ", call.local_address);
      }
      parts.push_back(std::move(part));
    }
    return absl::StrJoin(parts, ", ");
  }
  void Clear() { counts_.clear(); }

 private:
  std::map<Attribution, uint32_t> counts_;
};

}  // namespace

rv1::Evidence EvidenceCollector::CollectLog(Pending& pending, const CallWindow& call,
                                            absl::Time deadline, const CancelledFn& cancelled) {
  const sv1::LogEvidence& spec = pending.spec->log();
  rv1::Evidence evidence;
  evidence.set_kind(rv1::Evidence::KIND_LOG);
  if (pending.source) evidence.set_source(pending.source->Describe());
  if (!pending.start.ok()) {
    evidence.set_unobservable(true);
    evidence.set_message(
        absl::StrCat("could not read the log: ", pending.start.status().message()));
    return evidence;
  }
  RE2 pattern(spec.pattern(), RE2::Quiet);
  const LineAttributor attributor(spec);
  const uint32_t min_lines = spec.min_lines() == 0 ? 1 : spec.min_lines();
  // Only the lines a result shows are kept; the rest are counted. A log that matches
  // on every line must not be copied whole.
  std::vector<std::string> matched;
  std::vector<std::string> matched_origins;
  size_t matched_count = 0;
  Rejections rejected;
  absl::Status last_error;
  absl::Time enough_at = absl::InfiniteFuture();
  while (true) {
    auto lines = pending.source->LinesSince(*pending.start);
    if (lines.ok()) {
      matched.clear();
      matched_origins.clear();
      matched_count = 0;
      rejected.Clear();
      last_error = absl::OkStatus();
      const std::vector<std::string> origins = pending.source->Origins();
      for (size_t i = 0; i < lines->size(); ++i) {
        const std::string& line = (*lines)[i];
        if (!RE2::PartialMatch(line, pattern)) continue;
        const Attribution why = attributor.Attribute(line, call);
        if (why == Attribution::kThisCall) {
          ++matched_count;
          if (matched.size() < kMaxKeptLines) {
            matched.push_back(line.substr(0, kMaxLineBytes));
            matched_origins.push_back(origins.size() == lines->size() ? origins[i] : "");
          }
        } else {
          rejected.Add(why);
        }
      }
    } else {
      last_error = lines.status();
    }
    // Stop as soon as enough lines of this call are there. An upper bound needs a short
    // settle first, or a second line would go unseen; once it is exceeded more polling
    // cannot change the answer.
    const absl::Time now = clock_->Now();
    if (matched_count >= min_lines) {
      if (spec.max_lines() == 0 || matched_count > spec.max_lines()) break;
      if (enough_at == absl::InfiniteFuture()) enough_at = now;
      if (now - enough_at >= kSettle) break;
    }
    if (now >= deadline || (cancelled && cancelled())) break;
    sleeper_(kPollInterval);
  }
  evidence.set_matched(static_cast<uint32_t>(matched_count));
  evidence.set_rejected(rejected.total());
  const bool has_origins = std::any_of(matched_origins.begin(), matched_origins.end(),
                                       [](const std::string& origin) { return !origin.empty(); });
  for (size_t i = 0; i < matched.size() && i < kMaxKeptLines; ++i) {
    evidence.add_lines(matched[i].substr(0, kMaxLineBytes));
    if (has_origins) evidence.add_line_origins(matched_origins[i]);
  }
  const bool enough = matched_count >= min_lines;
  const bool not_too_many = spec.max_lines() == 0 || matched_count <= spec.max_lines();
  evidence.set_satisfied(enough && not_too_many);
  if (evidence.satisfied()) return evidence;
  if (!not_too_many) {
    // Observed: more lines of this call than allowed. Lost lines cannot make it fewer.
    evidence.set_message(absl::StrCat(matched_count, " new lines of this call matching /",
                                      spec.pattern(), "/ (wanted at most ", spec.max_lines(), ")"));
    return evidence;
  }
  // Too few lines. That is an observation only when every line could be read and
  // every matching line could be judged; otherwise nothing was proven either way.
  const std::string gap = pending.source->Gap();
  const uint32_t unjudged =
      rejected.count(Attribution::kNoTime) + rejected.count(Attribution::kNoClientAddress);
  if (!last_error.ok()) {
    evidence.set_unobservable(true);
    evidence.set_message(absl::StrCat("could not read the log: ", last_error.message()));
  } else if (!gap.empty()) {
    evidence.set_unobservable(true);
    // The gap says why: a rotation that can lose lines, replicas whose logs were not read.
    evidence.set_message(
        absl::StrCat("lines of this call may be missing from what was read: ", gap));
  } else if (unjudged > 0) {
    evidence.set_unobservable(true);
    evidence.set_message(absl::StrCat(
        unjudged, " line", unjudged > 1 ? "s" : "", " matching /", spec.pattern(), "/ in ",
        evidence.source(), " could not be tied to this call: ", rejected.Describe(attributor, call),
        " (see the log evidence's time and client_address_pattern)"));
  } else {
    std::string message =
        absl::StrCat(matched_count == 0 ? "no" : absl::StrCat("only ", matched_count), " new line",
                     matched_count > 1 ? "s" : "", " for this call matching /", spec.pattern(),
                     "/ in ", evidence.source(), " within ", absl::FormatDuration(pending.window),
                     " (wanted at least ", min_lines, ")");
    if (rejected.total() > 0) {
      absl::StrAppend(&message, "; not counted: ", rejected.Describe(attributor, call));
    }
    evidence.set_message(std::move(message));
  }
  return evidence;
}

rv1::Evidence EvidenceCollector::CollectConfig(const sv1::EvidenceSpec& spec) {
  const sv1::ConfigEvidence& config = spec.config();
  rv1::Evidence evidence;
  evidence.set_kind(rv1::Evidence::KIND_CONFIG);
  auto source = scenario::ResolveConfigSource(config.admin_url(), config.resource());
  if (!source.ok()) {
    evidence.set_source(config.admin_url());
    evidence.set_unobservable(true);
    evidence.set_message(
        absl::StrCat("could not read the proxy configuration: ", source.status().message()));
    return evidence;
  }
  const std::string& url = source->read_url;
  evidence.set_source(url);
  auto body = FetchUrl(*prober_, url, absl::Seconds(5), 8 << 20);
  if (!body.ok()) {
    evidence.set_unobservable(true);
    evidence.set_message(
        absl::StrCat("could not read the proxy configuration: ", body.status().message()));
    return evidence;
  }
  bool parsed = true;
  const std::vector<std::string> names =
      source->from_istiod || NeedsWholeConfigDump(config.resource())
          ? ConfigDumpNames(config.resource(), *body, &parsed)
          : AdminNames(config.resource(), *body);
  if (!parsed) {
    // Names guessed from a cut document could prove a listener that is not there.
    evidence.set_unobservable(true);
    evidence.set_message(absl::StrCat("could not read the proxy configuration: ",
                                      source->from_istiod
                                          ? absl::StrCat("istiod's config dump of ", source->proxy)
                                          : std::string("the config dump at ") + url,
                                      " is not complete JSON"));
    return evidence;
  }
  std::vector<std::string> missing, unexpected;
  for (const std::string& want : config.present()) {
    if (std::find(names.begin(), names.end(), want) == names.end()) {
      missing.push_back(want);
    } else {
      evidence.add_lines(want);
    }
  }
  for (const std::string& unwanted : config.absent()) {
    if (std::find(names.begin(), names.end(), unwanted) != names.end())
      unexpected.push_back(unwanted);
  }
  evidence.set_matched(static_cast<uint32_t>(evidence.lines_size()));
  evidence.set_satisfied(missing.empty() && unexpected.empty());
  if (!missing.empty()) {
    evidence.set_message(absl::StrCat("not in ", url, ": ", absl::StrJoin(missing, ", ")));
  } else if (!unexpected.empty()) {
    evidence.set_message(
        absl::StrCat("present in ", url, " but should not be: ", absl::StrJoin(unexpected, ", ")));
  }
  return evidence;
}

std::vector<rv1::Evidence> EvidenceCollector::Finish(const rv1::ProbeOutcome* outcome,
                                                     const CancelledFn& cancelled) {
  const absl::Time now = clock_->Now();
  CallWindow call{call_start_, now, ""};
  if (outcome != nullptr && outcome->has_http())
    call.local_address = outcome->http().local_address();
  std::vector<rv1::Evidence> out;
  for (Pending& pending : pending_) {
    rv1::Evidence evidence = pending.spec->has_log()
                                 ? CollectLog(pending, call, now + pending.window, cancelled)
                                 : CollectConfig(*pending.spec);
    evidence.set_name(pending.spec->name());
    evidence.set_required(!pending.spec->optional());
    out.push_back(std::move(evidence));
  }
  pending_.clear();
  return out;
}

}  // namespace meshproof::agent
