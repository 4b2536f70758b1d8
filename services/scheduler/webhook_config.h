// Webhooks as the scheduler's config file declares them (the `webhooks` section) and the
// checks on them: which events go where, in which format, signed with which secret. A
// destination URL is hostile input: only http and https, a host, no user name or
// password. The operator's allowlist of destination hosts (`webhook_allowed_hosts`) is
// enforced again at send time (webhook_sender.h), so a later edit cannot slip past it.
#ifndef MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_CONFIG_H_
#define MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_CONFIG_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/scenario/yaml_reader.h"

namespace meshproof::scheduler {

// The events a webhook can subscribe to; their names are the payload's "kind".
inline constexpr absl::string_view kEventRunRegressed = "run.regressed";
inline constexpr absl::string_view kEventRunFixed = "run.fixed";
inline constexpr absl::string_view kEventRunAwaitingApproval = "run.awaiting_approval";
inline constexpr absl::string_view kEventScheduleNotFired = "schedule.not_fired";
inline constexpr absl::string_view kEventAgentLost = "agent.lost";
const std::vector<std::string>& WebhookEventKinds();

enum class WebhookFormat { kJson, kSlack };

struct WebhookConfig {
  // Unique among the webhooks; names the webhook in logs and in the outbox.
  std::string name;
  // Events of this team only; "*" for every team (an operator's webhook).
  std::string team;
  // When set, only events of this schedule (runs it started, its fires).
  std::string schedule;
  std::string url;
  WebhookFormat format = WebhookFormat::kJson;
  // File holding the HMAC secret (read at start-up, never logged or shown); empty: the
  // requests are not signed (allowed for Slack, whose URL is the secret).
  std::string secret_file;
  // Subscribed event kinds; empty means every kind.
  std::set<std::string> events;

  // Returns whether an event of `kind` for `team` (and `schedule`, "" when none) goes here.
  bool Matches(absl::string_view kind, absl::string_view event_team,
               absl::string_view event_schedule) const;
};

// Returns INVALID_ARGUMENT naming what is wrong unless `url` is an absolute http:// or
// https:// URL with a host, no userinfo, no fragment and no control characters or spaces.
absl::Status ValidateWebhookUrl(absl::string_view url);

// Returns the lower-cased host of a URL ValidateWebhookUrl accepted (no port, IPv6
// literals without brackets).
std::string WebhookUrlHost(absl::string_view url);

// Returns whether `host` is allowed by `allowed` (exact names, case-insensitive; an entry
// "*.example.com" also allows every subdomain). An empty list allows every host.
bool WebhookHostAllowed(absl::string_view host, const std::vector<std::string>& allowed);

// Reads the `webhooks` section: a list of {name, team, schedule, url, format, secret_file,
// events}. Errors are reported on `field` with the key's path.
void ReadWebhooks(const scenario::YamlField& field, std::vector<WebhookConfig>* out);

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_CONFIG_H_
