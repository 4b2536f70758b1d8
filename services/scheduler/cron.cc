#include "services/scheduler/cron.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"

namespace meshproof::scheduler {
namespace {

struct FieldInfo {
  const char* name;
  int min;
  int max;
  const char* const* names;  // index 0 maps to `min`; nullptr when the field has none
};

constexpr const char* kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",  "jul",
                                       "aug", "sep", "oct", "nov", "dec", nullptr};
constexpr const char* kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", nullptr};

constexpr FieldInfo kFields[5] = {
    {"minute", 0, 59, nullptr},
    {"hour", 0, 23, nullptr},
    {"day-of-month", 1, 31, nullptr},
    {"month", 1, 12, kMonthNames},
    // 7 is accepted as Sunday and folded onto 0.
    {"day-of-week", 0, 7, kDayNames},
};

absl::Status FieldError(const FieldInfo& f, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("cron: ", f.name, ": ", message));
}

absl::StatusOr<int> ParseValue(const FieldInfo& f, absl::string_view text) {
  if (f.names != nullptr) {
    const std::string lower = absl::AsciiStrToLower(text);
    for (int i = 0; f.names[i] != nullptr; ++i) {
      if (lower == f.names[i]) return f.min + i;
    }
  }
  int value = 0;
  if (text.empty() || !absl::SimpleAtoi(text, &value) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(text[0]))) {
    return FieldError(
        f, absl::StrCat("\"", text, "\" is not a number", f.names != nullptr ? " or a name" : ""));
  }
  if (value < f.min || value > f.max) {
    return FieldError(f, absl::StrCat(value, " is out of range ", f.min, "-", f.max));
  }
  return value;
}

// Sets the bits of one field's values in `bits` (indexed by value).
absl::Status ParseField(const FieldInfo& f, absl::string_view text, std::vector<bool>* bits) {
  bits->assign(f.max + 1, false);
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    if (item.empty()) return FieldError(f, "empty list item");
    int step = 1;
    absl::string_view range = item;
    if (const size_t slash = item.find('/'); slash != absl::string_view::npos) {
      range = item.substr(0, slash);
      const absl::string_view step_text = item.substr(slash + 1);
      if (!absl::SimpleAtoi(step_text, &step) || step < 1 || step > f.max) {
        return FieldError(f, absl::StrCat("step \"", step_text, "\" must be 1-", f.max));
      }
    }
    int lo = f.min, hi = f.max;
    if (range != "*") {
      if (const size_t dash = range.find('-'); dash != absl::string_view::npos) {
        auto a = ParseValue(f, range.substr(0, dash));
        if (!a.ok()) return a.status();
        auto b = ParseValue(f, range.substr(dash + 1));
        if (!b.ok()) return b.status();
        lo = *a;
        hi = *b;
        if (lo > hi) return FieldError(f, absl::StrCat("range ", range, " runs backwards"));
      } else {
        auto a = ParseValue(f, range);
        if (!a.ok()) return a.status();
        lo = *a;
        // "A/S" means from A to the maximum; a plain "A" is just A.
        hi = item.find('/') != absl::string_view::npos ? f.max : lo;
      }
    }
    for (int v = lo; v <= hi; v += step) (*bits)[v] = true;
  }
  return absl::OkStatus();
}

bool DayMatches(const CronSpec& spec, absl::CivilDay day) {
  const bool dom = spec.days_of_month[day.day()];
  const int weekday = static_cast<int>(absl::GetWeekday(day));  // Monday = 0 in Abseil
  const bool dow = spec.days_of_week[(weekday + 1) % 7];
  if (spec.dom_restricted && spec.dow_restricted) return dom || dow;
  return dom && dow;
}

}  // namespace

absl::StatusOr<CronSpec> ParseCron(absl::string_view text) {
  std::string expr(absl::StripAsciiWhitespace(text));
  const std::string lower = absl::AsciiStrToLower(expr);
  if (lower == "@hourly")
    expr = "0 * * * *";
  else if (lower == "@daily" || lower == "@midnight")
    expr = "0 0 * * *";
  else if (lower == "@weekly")
    expr = "0 0 * * 0";
  else if (lower == "@monthly")
    expr = "0 0 1 * *";
  else if (lower == "@yearly" || lower == "@annually")
    expr = "0 0 1 1 *";
  else if (!expr.empty() && expr[0] == '@') {
    return absl::InvalidArgumentError(absl::StrCat(
        "cron: unknown macro \"", expr, "\" (known: @hourly, @daily, @weekly, @monthly, @yearly)"));
  }
  std::vector<std::string> fields = absl::StrSplit(expr, ' ', absl::SkipEmpty());
  if (fields.size() != 5) {
    return absl::InvalidArgumentError(
        absl::StrCat("cron: expected 5 fields (minute hour day-of-month month day-of-week), got ",
                     fields.size()));
  }
  CronSpec spec;
  std::vector<bool> bits;
  for (int i = 0; i < 5; ++i) {
    if (absl::Status s = ParseField(kFields[i], fields[i], &bits); !s.ok()) return s;
    for (int v = kFields[i].min; v <= kFields[i].max; ++v) {
      if (!bits[v]) continue;
      switch (i) {
        case 0: spec.minutes.set(v); break;
        case 1: spec.hours.set(v); break;
        case 2: spec.days_of_month.set(v); break;
        case 3: spec.months.set(v); break;
        case 4: spec.days_of_week.set(v % 7); break;
      }
    }
  }
  spec.dom_restricted = fields[2][0] != '*';
  spec.dow_restricted = fields[4][0] != '*';
  return spec;
}

absl::StatusOr<absl::Time> NextCronFire(const CronSpec& spec, const absl::TimeZone& zone,
                                        absl::Time after) {
  // Walk wall-clock candidates in civil order from the minute holding `after`. Mapping
  // each to an instant (first occurrence of a repeated time, the transition for a
  // skipped one) is non-decreasing in civil order, so the first instant past `after` is
  // the answer.
  const absl::CivilMinute start = absl::ToCivilMinute(after, zone);
  absl::CivilDay day(start);
  const absl::CivilDay last = day + 366 * 8;
  for (; day <= last; ++day) {
    if (!spec.months[day.month()]) {
      day = absl::CivilDay(absl::CivilMonth(day) + 1) - 1;  // ++day moves to the 1st
      continue;
    }
    if (!DayMatches(spec, day)) continue;
    for (int h = 0; h < 24; ++h) {
      if (!spec.hours[h]) continue;
      for (int m = 0; m < 60; ++m) {
        if (!spec.minutes[m]) continue;
        const absl::CivilMinute candidate(day.year(), day.month(), day.day(), h, m);
        if (candidate < start) continue;
        const absl::TimeZone::TimeInfo info = zone.At(absl::CivilSecond(candidate));
        const absl::Time instant =
            info.kind == absl::TimeZone::TimeInfo::SKIPPED ? info.trans : info.pre;
        if (instant > after) return instant;
      }
    }
  }
  return absl::NotFoundError("cron: the expression matches no time within 8 years");
}

}  // namespace meshproof::scheduler
