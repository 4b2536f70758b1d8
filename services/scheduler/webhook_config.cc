#include "services/scheduler/webhook_config.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace meshproof::scheduler {

const std::vector<std::string>& WebhookEventKinds() {
  static const auto* kinds = new std::vector<std::string>{
      std::string(kEventRunRegressed), std::string(kEventRunFixed),
      std::string(kEventRunAwaitingApproval), std::string(kEventScheduleNotFired),
      std::string(kEventAgentLost)};
  return *kinds;
}

bool WebhookConfig::Matches(absl::string_view kind, absl::string_view event_team,
                            absl::string_view event_schedule) const {
  if (!events.empty() && events.count(std::string(kind)) == 0) return false;
  if (team != "*" && team != event_team) return false;
  if (!schedule.empty() && schedule != event_schedule) return false;
  return true;
}

namespace {

// The authority of an http(s) URL: between "://" and the first '/', '?' or '#'.
absl::string_view Authority(absl::string_view url) {
  const size_t start = url.find("://");
  if (start == absl::string_view::npos) return "";
  absl::string_view rest = url.substr(start + 3);
  return rest.substr(0, rest.find_first_of("/?#"));
}

}  // namespace

absl::Status ValidateWebhookUrl(absl::string_view url) {
  if (url.empty()) return absl::InvalidArgumentError("url: is required");
  if (url.size() > 2048) return absl::InvalidArgumentError("url: longer than 2048 characters");
  for (char c : url) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return absl::InvalidArgumentError("url: contains a space or a control character");
    }
  }
  const std::string lower = absl::AsciiStrToLower(url);
  if (!absl::StartsWith(lower, "http://") && !absl::StartsWith(lower, "https://")) {
    return absl::InvalidArgumentError("url: must be an http:// or https:// URL");
  }
  if (url.find('#') != absl::string_view::npos) {
    return absl::InvalidArgumentError("url: must not have a fragment ('#')");
  }
  const absl::string_view authority = Authority(url);
  if (authority.find('@') != absl::string_view::npos) {
    // Credentials in a URL end up in logs and error messages: use secret_file instead.
    return absl::InvalidArgumentError("url: must not carry a user name or password ('@')");
  }
  if (WebhookUrlHost(url).empty()) return absl::InvalidArgumentError("url: has no host");
  if (authority.find('\\') != absl::string_view::npos) {
    return absl::InvalidArgumentError("url: the host part must not contain '\\'");
  }
  return absl::OkStatus();
}

std::string WebhookUrlHost(absl::string_view url) {
  absl::string_view authority = Authority(url);
  if (authority.empty()) return "";
  if (authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) return "";
    return absl::AsciiStrToLower(authority.substr(1, close - 1));
  }
  return absl::AsciiStrToLower(authority.substr(0, authority.find(':')));
}

bool WebhookHostAllowed(absl::string_view host, const std::vector<std::string>& allowed) {
  if (allowed.empty()) return true;
  const std::string h = absl::AsciiStrToLower(host);
  for (const std::string& entry : allowed) {
    const std::string e = absl::AsciiStrToLower(entry);
    if (e == h) return true;
    if (absl::StartsWith(e, "*.") && absl::EndsWith(h, e.substr(1)) && h.size() > e.size() - 1) {
      return true;
    }
  }
  return false;
}

void ReadWebhooks(const scenario::YamlField& field, std::vector<WebhookConfig>* out) {
  using scenario::YamlField;
  std::vector<YamlField> items;
  if (!field.Items(&items)) return;
  std::set<std::string> names;
  for (const YamlField& item : items) {
    if (!item.CheckMap({"name", "team", "schedule", "url", "format", "secret_file", "events"})) {
      continue;
    }
    WebhookConfig hook;
    YamlField name = item.Child("name");
    if (!name.present()) {
      item.Error("name: is required");
    } else if (name.NonEmptyString(&hook.name) && !names.insert(hook.name).second) {
      name.Error(absl::StrCat("webhook \"", hook.name, "\" is declared twice"));
    }
    YamlField team = item.Child("team");
    if (!team.present()) {
      item.Error("team: is required (a team's name, or \"*\" for every team)");
    } else {
      team.NonEmptyString(&hook.team);
    }
    if (YamlField schedule = item.Child("schedule"); schedule.present()) {
      schedule.NonEmptyString(&hook.schedule);
    }
    YamlField url = item.Child("url");
    if (!url.present()) {
      item.Error("url: is required");
    } else if (url.NonEmptyString(&hook.url)) {
      if (absl::Status valid = ValidateWebhookUrl(hook.url); !valid.ok()) {
        url.Error(std::string(valid.message().substr(5)));  // drop the "url: " prefix
      }
    }
    if (YamlField format = item.Child("format"); format.present()) {
      std::string text;
      if (format.Choice({"json", "slack"}, &text)) {
        hook.format = text == "slack" ? WebhookFormat::kSlack : WebhookFormat::kJson;
      }
    }
    if (YamlField secret = item.Child("secret_file"); secret.present()) {
      secret.NonEmptyString(&hook.secret_file);
    }
    if (hook.format == WebhookFormat::kJson && hook.secret_file.empty() && url.present()) {
      item.Error(
          "secret_file: is required for format json (receivers must be able to verify "
          "the signature)");
    }
    if (YamlField events = item.Child("events"); events.present()) {
      std::vector<std::string> kinds;
      if (events.StringList(&kinds)) {
        for (const std::string& kind : kinds) {
          const auto& known = WebhookEventKinds();
          if (std::find(known.begin(), known.end(), kind) == known.end()) {
            events.Error(absl::StrCat("unknown event \"", kind.substr(0, 40),
                                      "\"; expected one of ", absl::StrJoin(known, ", ")));
          }
          hook.events.insert(kind);
        }
      }
    }
    out->push_back(std::move(hook));
  }
}

}  // namespace meshproof::scheduler
