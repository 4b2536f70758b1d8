#include "services/scheduler/webhook_payload.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace meshproof::scheduler {

namespace {

std::string Time(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

// Key/value pairs of one JSON object, keys fixed by this file, values already rendered.
class JsonObject {
 public:
  JsonObject& Raw(absl::string_view key, absl::string_view rendered) {
    parts_.push_back(absl::StrCat(JsonQuote(key), ":", rendered));
    return *this;
  }
  JsonObject& Str(absl::string_view key, absl::string_view value) {
    return Raw(key, JsonQuote(value));
  }
  // Only when non-empty: absent fields are left out rather than sent empty.
  JsonObject& StrIf(absl::string_view key, absl::string_view value) {
    return value.empty() ? *this : Str(key, value);
  }
  std::string Render() const { return absl::StrCat("{", absl::StrJoin(parts_, ","), "}"); }

 private:
  std::vector<std::string> parts_;
};

// Slack's mrkdwn treats &, < and > as markup; everything else is literal.
std::string SlackEscape(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}});
}

}  // namespace

std::string JsonQuote(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          absl::StrAppend(&out, "\\u00", absl::Hex(u, absl::kZeroPad2));
        } else {
          out += c;  // UTF-8 passes through unchanged
        }
    }
  }
  out += "\"";
  return out;
}

std::string RenderJsonPayload(const WebhookEvent& event) {
  JsonObject doc;
  doc.Str("id", event.event_id)
      .Str("kind", event.kind)
      .Str("occurred_at", Time(event.occurred_at))
      .Str("team", event.team)
      .Str("summary", event.summary);
  if (!event.run_id.empty()) {
    JsonObject run;
    run.Str("run_id", event.run_id)
        .Str("scenario", event.scenario)
        .StrIf("cluster", event.cluster)
        .StrIf("state", event.run_state)
        .StrIf("schedule_id", event.schedule_id);
    doc.Raw("run", run.Render());
  }
  if (event.kind == kEventRunRegressed || event.kind == kEventRunFixed) {
    std::vector<std::string> tests;
    for (const TestChange& t : event.tests) {
      tests.push_back(JsonObject()
                          .Str("test", t.test)
                          .Str("before", t.before)
                          .Str("now", t.now)
                          .Str("previous_run_id", t.previous_run_id)
                          .Render());
    }
    doc.Raw("tests", absl::StrCat("[", absl::StrJoin(tests, ","), "]"));
  }
  if (event.kind == kEventScheduleNotFired) {
    doc.Raw("schedule", JsonObject()
                            .Str("schedule_id", event.schedule_id)
                            .Str("fire_time", Time(event.fire_time))
                            .Str("message", event.message)
                            .Render());
  }
  if (event.kind == kEventAgentLost) {
    doc.Raw("agent",
            JsonObject().Str("agent_id", event.agent_id).Str("message", event.message).Render());
  }
  return doc.Render();
}

std::string RenderSlackPayload(const WebhookEvent& event) {
  std::string text = absl::StrCat("*meshproof* ", SlackEscape(event.summary));
  constexpr size_t kMaxTestsListed = 20;
  for (size_t i = 0; i < event.tests.size() && i < kMaxTestsListed; ++i) {
    const TestChange& t = event.tests[i];
    absl::StrAppend(&text, "\n• `", SlackEscape(t.test), "`: ", t.before, " → ", t.now);
  }
  if (event.tests.size() > kMaxTestsListed) {
    absl::StrAppend(&text, "\n… and ", event.tests.size() - kMaxTestsListed, " more");
  }
  if (!event.message.empty()) absl::StrAppend(&text, "\n", SlackEscape(event.message));
  absl::StrAppend(&text, "\n_event ", SlackEscape(event.event_id), ", team ",
                  SlackEscape(event.team), "_");
  return JsonObject().Str("text", text).Render();
}

std::string RenderPayload(const WebhookEvent& event, WebhookFormat format) {
  return format == WebhookFormat::kSlack ? RenderSlackPayload(event) : RenderJsonPayload(event);
}

}  // namespace meshproof::scheduler
