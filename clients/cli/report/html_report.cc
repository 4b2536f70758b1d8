#include "clients/cli/report/html_report.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "clients/cli/report/report_text.h"
#include "clients/cli/report/xml_escape.h"
#include "services/common/results/attempts.h"
#include "services/common/results/environment_versions.h"
#include "services/common/results/verdict_words.h"

namespace meshproof::cli::report {
namespace {

namespace rv1 = ::meshproof::result::v1;
namespace sv1 = ::meshproof::store::v1;

std::string E(absl::string_view text) { return XmlEscape(text); }

// CSS class of a verdict: "pass", "fail", "error", "skipped", "blocked", "not_run".
std::string VerdictClass(rv1::TestVerdict verdict, bool passed_on_retry = false) {
  if (verdict == rv1::TEST_VERDICT_PASS && passed_on_retry) return "retry";
  return absl::AsciiStrToLower(results::TestVerdictWord(verdict));
}

constexpr absl::string_view kStyle = R"css(
:root{--pass:#2e7d32;--fail:#c62828;--error:#ef6c00;--skipped:#9e9e9e;--blocked:#6a1b9a;--not_run:#cfd8dc;--retry:#f9a825;--line:#d0d7de}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;padding:12px;max-width:1200px;color:#1f2328;background:#fff}
h1{font-size:1.5em;margin:.4em 0}h2{font-size:1.2em;margin:1.4em 0 .5em;border-bottom:1px solid var(--line);padding-bottom:.2em}h3{font-size:1.05em}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}dl.meta dt{font-weight:600}dl.meta dd{margin:0}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;margin:.4em 0}th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
code,pre{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
td code{word-break:break-all}
pre{background:#f6f8fa;border:1px solid var(--line);padding:6px 8px;white-space:pre-wrap;word-break:break-all;margin:.3em 0}
.badge{display:inline-block;padding:0 6px;border-radius:4px;color:#fff;font-weight:600;font-size:.85em;white-space:nowrap}
.badge.pass,.badge.passed,.badge.confirmed,.badge.fixed{background:var(--pass)}
.badge.fail,.badge.failed,.badge.refuted,.badge.regressed{background:var(--fail)}
.badge.error,.badge.timed_out{background:var(--error)}
.badge.skipped,.badge.untested,.badge.cancelled,.badge.still_passing,.badge.other,.badge.added,.badge.removed{background:var(--skipped)}
.badge.blocked,.badge.inconclusive{background:var(--blocked)}.badge.not_run,.badge.open{background:#78909c}
.badge.retry{background:var(--pass);box-shadow:inset 0 -3px 0 var(--retry)}.badge.flaky{background:var(--retry);color:#1f2328}.badge.still_failing{background:#8e2424}
.verdict{font-size:1.3em;padding:8px 12px;border-radius:6px;color:#fff;margin:.6em 0}
.verdict.passed{background:var(--pass)}.verdict.failed,.verdict.error,.verdict.timed_out{background:var(--fail)}
.verdict.inconclusive{background:var(--blocked)}.verdict.cancelled,.verdict.open{background:#78909c}
tr.regressed td{background:#ffebe9}tr.fixed td{background:#e6f4ea}tr.still_failing td{background:#fff4e5}
.grid td.h{width:18px;min-width:18px;height:18px;padding:0;border:2px solid #fff}
.grid td.h.pass{background:var(--pass)}.grid td.h.fail{background:var(--fail)}.grid td.h.error{background:var(--error)}
.grid td.h.skipped{background:var(--skipped)}.grid td.h.blocked{background:var(--blocked)}.grid td.h.not_run{background:var(--not_run)}
.grid td.h.retry{background:repeating-linear-gradient(45deg,var(--pass) 0 4px,var(--retry) 4px 7px)}
.grid td.h.none,.legend i.none{background:#fff;box-shadow:inset 0 0 0 1px var(--line)}.grid td.h.cur{outline:2px solid #0969da;outline-offset:-2px}
.grid th.r.vchg{color:#9a6700;font-weight:600}.vchg b{color:#9a6700}
.grid td.h.vc{border-left:3px solid #9a6700}
.hist{direction:rtl}.hist>table{direction:ltr}
.grid th.t,.grid td.t{position:sticky;left:0;z-index:1;background:#fff;max-width:40vw;overflow-wrap:anywhere}
.grid thead th.t{background:#f6f8fa}
.spk{display:inline-flex;align-items:center;gap:4px;white-space:nowrap}
.spk .sc{display:inline-flex;flex-direction:column;justify-content:space-between;height:24px;font-size:10px;line-height:1;color:#656d76}
.grid th.r{font-weight:400;font-size:11px;writing-mode:vertical-rl;transform:rotate(180deg);padding:2px;white-space:nowrap}
.legend span{display:inline-block;margin-right:10px;font-size:.85em}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
.legend i.pass{background:var(--pass)}.legend i.fail{background:var(--fail)}.legend i.error{background:var(--error)}
.legend i.skipped{background:var(--skipped)}.legend i.blocked{background:var(--blocked)}.legend i.not_run{background:var(--not_run)}
.legend i.retry{background:repeating-linear-gradient(45deg,var(--pass) 0 4px,var(--retry) 4px 7px)}
svg.spark{vertical-align:middle}svg.spark polyline{fill:none;stroke:#0969da;stroke-width:1.5}svg.spark circle{fill:#0969da}
.muted{color:#656d76}
@media (max-width:640px){
  body{padding:8px;font-size:14px}
  table.stack thead{display:none}
  table.stack tr{display:block;border:1px solid var(--line);margin:0 0 8px}
  table.stack td{display:block;border:0;border-bottom:1px solid #eee}
  table.stack td::before{content:attr(data-label);display:block;font-weight:600;font-size:.8em;color:#656d76}
}
@media print{
  body{max-width:none;padding:0;font-size:11px}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  .scroll{overflow:visible}
  tr,pre,.verdict{break-inside:avoid}
  h2{break-after:avoid}
  a{color:inherit;text-decoration:none}
  a[href^="http"]::after{content:" (" attr(href) ")";font-size:.85em}
}
)css";

void AppendHeader(const sv1::RunRecord& run, std::string* out) {
  const rv1::Environment& env = run.environment();
  absl::StrAppend(out, "<h1>Verification report — ", E(run.scenario()),
                  "</h1>\n<dl class=\"meta\">\n");
  auto row = [out](absl::string_view name, absl::string_view value) {
    absl::StrAppend(out, "<dt>", name, "</dt><dd>", value.empty() ? "-" : value, "</dd>\n");
  };
  row("Date", E(FormatTime(run.started_at())));
  row("Cluster", E(run.cluster().empty() ? env.cluster() : run.cluster()));
  row("Namespace", E(run.namespace_().empty() ? env.namespace_() : run.namespace_()));
  row("Versions", E(results::DescribeVersions(env)));
  if (!env.kind().empty()) row("Measured on", E(results::EnvironmentKindText(env.kind())));
  row("Scenario", absl::StrCat(E(run.scenario()), " @ <code>",
                               E(run.scenario_version().substr(0, 12)), "</code>"));
  std::string trigger = TriggerWord(run.trigger());
  if (!run.schedule_id().empty()) absl::StrAppend(&trigger, " (", run.schedule_id(), ")");
  row("Trigger", E(trigger));
  std::string run_line = absl::StrCat("<code>", E(run.run_id()), "</code>");
  if (run.latest_attempt() > 1) absl::StrAppend(&run_line, ", attempt ", run.latest_attempt());
  if (!run.agent_id().empty()) absl::StrAppend(&run_line, ", agent ", E(run.agent_id()));
  row("Run", run_line);
  std::vector<std::string> tags;
  for (const auto& [k, v] : env.tags()) tags.push_back(absl::StrCat(k, "=", v));
  for (const auto& [k, v] : run.labels()) tags.push_back(absl::StrCat(k, "=", v));
  std::sort(tags.begin(), tags.end());
  if (!tags.empty()) row("Labels", E(absl::StrJoin(tags, ", ")));
  absl::StrAppend(out, "</dl>\n");
  const std::string word = results::RunVerdictWord(run.verdict());
  absl::StrAppend(out, "<div class=\"verdict ", absl::AsciiStrToLower(word), "\">Verdict: <b>",
                  word, "</b> — ", E(DescribeCounts(run.counts())), "</div>\n");
  if (!run.not_selected_tests().empty()) {
    absl::StrAppend(out, "<p>Partial run: not selected (no result in this run): ",
                    E(absl::StrJoin(run.not_selected_tests(), ", ")), ".</p>\n");
  }
  if (run.verdict() == rv1::RUN_VERDICT_INCONCLUSIVE) {
    absl::StrAppend(out,
                    "<p>Preflight failed: the results below say nothing about the mesh.</p>\n");
  }
  if (!run.reason().empty()) absl::StrAppend(out, "<p>Reason: ", E(run.reason()), "</p>\n");
}

std::string Badge(absl::string_view word) {
  return absl::StrCat("<span class=\"badge ", absl::AsciiStrToLower(word), "\">", E(word),
                      "</span>");
}

void AppendChanges(const sv1::CompareRunsResponse& cmp, std::string* out) {
  absl::StrAppend(out, "<h2 id=\"changes\">What changed since <code>", E(cmp.base().run_id()),
                  "</code> (", E(FormatTime(cmp.base().started_at())), ", ",
                  E(results::RunVerdictWord(cmp.base().verdict())), ")</h2>\n");
  if (cmp.version_changes_size() > 0) {
    const std::vector<sv1::VersionChange> changes(cmp.version_changes().begin(),
                                                  cmp.version_changes().end());
    absl::StrAppend(out, "<p class=\"vchg\"><b>Versions changed:</b> ",
                    E(results::DescribeVersionChanges(changes)), ".</p>\n");
  }
  std::vector<const sv1::TestComparison*> rows;
  int still_passing = 0;
  for (const sv1::TestComparison& t : cmp.tests()) {
    if (t.change() == sv1::CHANGE_STILL_PASSING) {
      ++still_passing;
    } else {
      rows.push_back(&t);
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
    return (a->change() == sv1::CHANGE_REGRESSED) > (b->change() == sv1::CHANGE_REGRESSED);
  });
  if (rows.empty()) {
    absl::StrAppend(out, "<p>Nothing changed: every test still passes.</p>\n");
  } else {
    absl::StrAppend(
        out,
        "<div class=\"scroll\"><table class=\"stack\"><thead><tr><th>change</th><th>test</th>"
        "<th>before</th><th>after</th><th>latency</th><th>evidence "
        "changed</th></tr></thead><tbody>\n");
    for (const sv1::TestComparison* t : rows) {
      const std::string change = ChangeWord(t->change());
      const std::string before = t->change() == sv1::CHANGE_ADDED
                                     ? "-"
                                     : absl::StrCat(results::TestVerdictWord(t->base_verdict()),
                                                    " (", t->base_outcome(), ")");
      const std::string after = t->change() == sv1::CHANGE_REMOVED
                                    ? "-"
                                    : absl::StrCat(results::TestVerdictWord(t->head_verdict()),
                                                   " (", t->head_outcome(), ")");
      absl::StrAppend(
          out, "<tr class=\"", absl::AsciiStrToLower(change), "\"><td data-label=\"change\">",
          Badge(change), "</td><td data-label=\"test\">", E(t->test()),
          "</td><td data-label=\"before\">", E(before), "</td><td data-label=\"after\">", E(after),
          "</td><td data-label=\"latency\">", E(FormatDelta(t->latency_delta())),
          "</td><td data-label=\"evidence changed\">",
          E(absl::StrJoin(t->changed_evidence(), ", ")), "</td></tr>\n");
    }
    absl::StrAppend(out, "</tbody></table></div>\n");
  }
  if (still_passing > 0)
    absl::StrAppend(out, "<p class=\"muted\">", still_passing, " more still passing.</p>\n");
}

// The grid's columns: the most recent runs any test's history mentions, oldest first.
struct Column {
  std::string run_id;
  google::protobuf::Timestamp started_at;
  // The run's versions, as any history point of it carries them.
  rv1::Environment versions;
};

std::vector<Column> HistoryColumns(const ReportInput& input) {
  std::map<std::string, const sv1::HistoryPoint*> runs;
  for (const auto& [test, points] : input.history) {
    for (const sv1::HistoryPoint& p : points) runs.emplace(p.run_id(), &p);
  }
  std::vector<Column> columns;
  for (const auto& [id, p] : runs) columns.push_back({id, p->started_at(), p->environment()});
  std::sort(columns.begin(), columns.end(), [](const Column& a, const Column& b) {
    return std::make_tuple(a.started_at.seconds(), a.started_at.nanos(), a.run_id) <
           std::make_tuple(b.started_at.seconds(), b.started_at.nanos(), b.run_id);
  });
  if (columns.size() > static_cast<size_t>(kHistoryRuns)) {
    columns.erase(columns.begin(), columns.end() - kHistoryRuns);
  }
  return columns;
}

// "12 ms", "3.5 ms", "1.25 s": a sparkline's scale label.
std::string ScaleLabel(double ms) {
  if (ms >= 1000) return absl::StrFormat("%.2f s", ms / 1000);
  if (ms < 10) return absl::StrFormat("%.1f ms", ms);
  return absl::StrFormat("%.0f ms", ms);
}

// An inline SVG polyline of the test's latencies, oldest to newest; empty with fewer
// than two measured points (a line needs two).
std::string Sparkline(const std::vector<sv1::HistoryPoint>& newest_first) {
  std::vector<double> ms;
  for (auto it = newest_first.rbegin(); it != newest_first.rend(); ++it) {
    const int64_t us = Micros(it->latency());
    if (us > 0) ms.push_back(static_cast<double>(us) / 1000.0);
  }
  if (ms.size() > static_cast<size_t>(kHistoryRuns)) ms.erase(ms.begin(), ms.end() - kHistoryRuns);
  if (ms.size() < 2) return "<span class=\"muted\">-</span>";
  constexpr double kWidth = 120, kHeight = 24, kPad = 2;
  const auto [lo_it, hi_it] = std::minmax_element(ms.begin(), ms.end());
  const double lo = *lo_it, hi = *hi_it, span = hi - lo > 0 ? hi - lo : 1;
  std::vector<std::string> points;
  double x = 0, y = 0;
  for (size_t i = 0; i < ms.size(); ++i) {
    x = kPad + (kWidth - 2 * kPad) * static_cast<double>(i) / static_cast<double>(ms.size() - 1);
    y = kHeight - kPad - (kHeight - 2 * kPad) * (ms[i] - lo) / span;
    points.push_back(absl::StrFormat("%.1f,%.1f", x, y));
  }
  // The line is scaled to its own min and max: the labels say what its top and bottom
  // mean, or a 1 ms wobble would look like a 10x slowdown.
  return absl::StrFormat(
      "<span class=\"spk\"><svg class=\"spark\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
      "role=\"img\" "
      "aria-label=\"latency %.0f to %.0f ms\"><title>latency, last %d runs: %.0f–%.0f ms, latest "
      "%.0f ms</title>"
      "<polyline points=\"%s\"/><circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\"/></svg>"
      "<span class=\"sc\"><span class=\"max\">%s</span><span class=\"min\">%s</span></span>"
      "</span>",
      static_cast<int>(kWidth), static_cast<int>(kHeight), static_cast<int>(kWidth),
      static_cast<int>(kHeight), lo, hi, static_cast<int>(ms.size()), lo, hi, ms.back(),
      absl::StrJoin(points, " "), x, y, ScaleLabel(hi), ScaleLabel(lo));
}

void AppendHistory(const ReportInput& input, const std::vector<const rv1::TestResult*>& tests,
                   std::string* out) {
  const std::vector<Column> columns = HistoryColumns(input);
  if (columns.empty()) return;
  // Oldest left, as a timeline reads; the scroll box is right-to-left so that on a
  // narrow screen it opens at its right end, on the newest runs, and the sticky test
  // column keeps each row named while scrolling back.
  absl::StrAppend(out, "<h2 id=\"history\">History — last ", columns.size(),
                  columns.size() == 1 ? " run" : " runs",
                  "</h2>\n<div class=\"scroll hist\"><table class=\"grid\"><thead><tr><th "
                  "class=\"t\">test</th>");
  std::vector<bool> version_changed(columns.size(), false);
  for (size_t i = 0; i < columns.size(); ++i) {
    const Column& c = columns[i];
    // A run whose versions differ from the column before it is marked: a change of
    // verdict right there may be the upgrade's, not the mesh configuration's.
    const std::string changed = i == 0 ? ""
                                       : results::DescribeVersionChanges(results::VersionChanges(
                                             columns[i - 1].versions, c.versions));
    version_changed[i] = !changed.empty();
    absl::StrAppend(out, "<th class=\"r", changed.empty() ? "" : " vchg", "\" title=\"",
                    E(c.run_id), changed.empty() ? "" : absl::StrCat(": ", E(changed)), "\">",
                    changed.empty() ? "" : "▲ ", E(FormatTime(c.started_at).substr(5, 11)),
                    "</th>");
  }
  absl::StrAppend(out, "<th>latency</th></tr></thead><tbody>\n");
  const std::string& current = input.detail.run().run_id();
  for (const rv1::TestResult* r : tests) {
    auto found = input.history.find(r->test());
    static const std::vector<sv1::HistoryPoint> kNone;
    const std::vector<sv1::HistoryPoint>& points =
        found == input.history.end() ? kNone : found->second;
    std::map<std::string, const sv1::HistoryPoint*> by_run;
    for (const sv1::HistoryPoint& p : points) by_run.emplace(p.run_id(), &p);
    absl::StrAppend(out, "<tr><td class=\"t\">", E(r->test()), "</td>");
    for (size_t i = 0; i < columns.size(); ++i) {
      const Column& c = columns[i];
      auto cell = by_run.find(c.run_id);
      std::string cls = "none";
      // The test was not part of that run at all (added or removed since) — distinct from
      // a NOT_RUN verdict, which the run recorded with its reason.
      std::string title = absl::StrCat(c.run_id, ": not in this run");
      if (cell != by_run.end()) {
        const sv1::HistoryPoint& p = *cell->second;
        cls = VerdictClass(p.verdict(), p.passed_on_retry());
        title = absl::StrCat(
            p.run_id(), " · ", FormatTime(p.started_at()), " · ",
            results::TestVerdictWord(p.verdict()), p.passed_on_retry() ? " on retry" : "",
            p.outcome().empty() ? "" : absl::StrCat(" · ", p.outcome()), " · ",
            FormatLatency(p.latency()), p.reason().empty() ? "" : absl::StrCat(" · ", p.reason()));
      }
      if (c.run_id == current) absl::StrAppend(&cls, " cur");
      // The line down the grid where the versions changed.
      if (version_changed[i]) absl::StrAppend(&cls, " vc");
      absl::StrAppend(out, "<td class=\"h ", cls, "\" title=\"", E(title), "\"></td>");
    }
    absl::StrAppend(out, "<td>", Sparkline(points), "</td></tr>\n");
  }
  absl::StrAppend(
      out,
      "</tbody></table></div>\n<p class=\"legend\"><span><i class=\"pass\"></i>pass</span>"
      "<span><i class=\"retry\"></i>passed on retry</span><span><i class=\"fail\"></i>fail</span>"
      "<span><i class=\"error\"></i>error</span><span><i class=\"skipped\"></i>skipped</span>"
      "<span><i class=\"blocked\"></i>blocked</span><span><i class=\"not_run\"></i>not "
      "run</span><span><i class=\"none\"></i>not in the run</span>"
      "<span class=\"muted\">outlined: this run</span><span class=\"muted\">▲ and a line: a "
      "version changed since the run before (hover the date)</span><span class=\"muted\">"
      "latency lines run from their min (bottom label) to their max (top label)</span></p>\n");
}

void AppendTable(absl::string_view id, absl::string_view title, absl::string_view intro,
                 const std::vector<const rv1::TestResult*>& results,
                 const std::map<std::string, sv1::Change>& changes, std::string* out) {
  if (results.empty()) return;
  absl::StrAppend(out, "<h2 id=\"", id, "\">", E(title), "</h2>\n");
  if (!intro.empty()) absl::StrAppend(out, "<p>", E(intro), "</p>\n");
  absl::StrAppend(
      out,
      "<div class=\"scroll\"><table class=\"stack\"><thead><tr><th>test</th><th>reproduction</th>"
      "<th>expected</th><th>actual</th><th>verdict</th><th>proves</th></tr></thead><tbody>\n");
  for (const rv1::TestResult* r : results) {
    auto change = changes.find(r->test());
    std::string row_class;
    std::string verdict =
        Badge(r->passed_on_retry() ? "retry" : results::TestVerdictWord(r->verdict()));
    if (r->passed_on_retry()) {
      verdict =
          absl::StrCat("<span class=\"badge retry\">PASS</span> <span class=\"muted\">on attempt ",
                       r->attempts(), "</span>");
    }
    // A flaky test is marked whatever its verdict: a PASS whose attempts disagreed is not
    // a stable one.
    if (r->flaky()) absl::StrAppend(&verdict, " ", Badge("flaky"));
    if (change != changes.end() &&
        (change->second == sv1::CHANGE_REGRESSED || change->second == sv1::CHANGE_FIXED)) {
      row_class = absl::AsciiStrToLower(ChangeWord(change->second));
      absl::StrAppend(&verdict, " ", Badge(ChangeWord(change->second)));
    }
    const std::vector<std::string> repro = ReproductionLines(*r);
    std::string proves = E(r->proves());
    if (r->claims_size() > 0) {
      absl::StrAppend(&proves, proves.empty() ? "" : " ", "<span class=\"muted\">(",
                      E(absl::StrJoin(r->claims(), ", ")), ")</span>");
    }
    absl::StrAppend(out, "<tr", row_class.empty() ? "" : absl::StrCat(" class=\"", row_class, "\""),
                    " id=\"t-", E(r->test()), "\"><td data-label=\"test\">", E(r->test()),
                    "</td><td data-label=\"reproduction\">",
                    repro.empty() ? "-" : absl::StrCat("<code>", E(repro.front()), "</code>"),
                    "</td><td data-label=\"expected\">", E(r->expected_summary()),
                    "</td><td data-label=\"actual\">", E(r->actual_summary()),
                    "</td><td data-label=\"verdict\">", verdict, "</td><td data-label=\"proves\">",
                    proves.empty() ? "-" : proves, "</td></tr>\n");
  }
  absl::StrAppend(out, "</tbody></table></div>\n");
}

void AppendDetails(const std::vector<const rv1::TestResult*>& results, std::string* out) {
  std::string body;
  for (const rv1::TestResult* r : results) {
    std::string section;
    if (r->verdict() != rv1::TEST_VERDICT_PASS) {
      std::vector<std::string> items;
      for (const rv1::Mismatch& m : r->mismatches()) items.push_back(E(DescribeMismatch(m)));
      if (items.empty() && !r->reason().empty()) items.push_back(E(r->reason()));
      for (const std::string& item : items) absl::StrAppend(&section, "<li>", item, "</li>");
    }
    if (r->flaky()) {
      absl::StrAppend(&section, "<li><b>flaky</b>: the attempts disagreed (",
                      E(results::AttemptSequence(r->attempt_history())), ")</li>");
    }
    if (r->attempts() > 1) {
      for (const rv1::AttemptSummary& a : r->attempt_history()) {
        absl::StrAppend(&section, "<li>attempt ", a.attempt(), ": ",
                        results::TestVerdictWord(a.verdict()),
                        a.reason().empty() ? "" : absl::StrCat(" — ", E(a.reason())), "</li>");
      }
    }
    for (const rv1::Evidence& e : r->evidence()) {
      absl::StrAppend(&section, "<li>evidence <code>", E(e.name()), "</code>",
                      e.required() ? " (required)" : "", ": ",
                      e.satisfied() ? "found" : "<b>missing</b>", ", ", e.matched(),
                      e.matched() == 1 ? " line" : " lines",
                      e.source().empty() ? "" : absl::StrCat(" in ", E(e.source())),
                      e.message().empty() ? "" : absl::StrCat(" — ", E(e.message())));
      if (e.lines_size() > 0) {
        absl::StrAppend(&section, "<pre>");
        for (const std::string& line : e.lines()) absl::StrAppend(&section, E(line), "\n");
        absl::StrAppend(&section, "</pre>");
      }
      absl::StrAppend(&section, "</li>");
    }
    const std::vector<std::string> repro = ReproductionLines(*r);
    if (repro.size() > 1) {
      absl::StrAppend(&section, "<li>check it by hand:<pre>");
      for (const std::string& line : repro) absl::StrAppend(&section, E(line), "\n");
      absl::StrAppend(&section, "</pre></li>");
    }
    if (!section.empty()) {
      absl::StrAppend(&body, "<h3>", E(r->test()), " ",
                      Badge(results::TestVerdictWord(r->verdict())), "</h3><ul>", section,
                      "</ul>\n");
    }
  }
  if (!body.empty()) absl::StrAppend(out, body);
}

void AppendDeferred(const std::vector<const rv1::TestResult*>& deferred, std::string* out) {
  if (deferred.empty()) return;
  absl::StrAppend(out, "<h2 id=\"deferred\">Deferred tests (not run on purpose)</h2>\n<ul>\n");
  for (const rv1::TestResult* r : deferred) {
    absl::StrAppend(out, "<li><b>", E(r->test()), "</b> — ",
                    E(r->reason().empty() ? "no reason given" : r->reason()));
    if (r->claims_size() > 0)
      absl::StrAppend(out, " <span class=\"muted\">(", E(absl::StrJoin(r->claims(), ", ")),
                      ")</span>");
    absl::StrAppend(out, "</li>\n");
  }
  absl::StrAppend(out, "</ul>\n");
}

std::string Reference(absl::string_view reference) {
  if (reference.rfind("https://", 0) == 0 || reference.rfind("http://", 0) == 0) {
    return absl::StrCat("<a href=\"", E(reference), "\">", E(reference), "</a>");
  }
  return E(reference);
}

void AppendClaims(const google::protobuf::RepeatedPtrField<rv1::ClaimResult>& claims,
                  const rv1::Environment& env, std::string* out) {
  if (claims.empty()) return;
  const bool lab = env.kind() == "lab";
  absl::StrAppend(out, "<h2 id=\"claims\">Claims ledger</h2>\n");
  if (lab) absl::StrAppend(out, "<p class=\"muted\">", E(results::kLabEvidenceNote), "</p>\n");
  absl::StrAppend(
      out,
      "<div class=\"scroll\"><table class=\"stack\"><thead><tr>"
      "<th>claim</th><th>verdict</th><th>measured by</th><th>reference</th></tr></thead><tbody>\n");
  for (const rv1::ClaimResult& c : claims) {
    std::string verdict = Badge(results::ClaimVerdictWord(c.verdict()));
    if (c.verdict() == rv1::CLAIM_VERDICT_CONFIRMED) absl::StrAppend(&verdict, " by measurement");
    if (lab && (c.verdict() == rv1::CLAIM_VERDICT_CONFIRMED ||
                c.verdict() == rv1::CLAIM_VERDICT_REFUTED)) {
      absl::StrAppend(&verdict, " on the lab");
    }
    if (c.verdict() == rv1::CLAIM_VERDICT_UNTESTED && !c.reference().empty()) {
      absl::StrAppend(&verdict, " documentation only");
    }
    std::vector<std::string> tests;
    for (const rv1::LinkedTest& t : c.tests()) {
      tests.push_back(absl::StrCat("<a href=\"#t-", E(t.test()), "\">", E(t.test()), "</a> ",
                                   Badge(results::TestVerdictWord(t.verdict()))));
    }
    std::string reference = Reference(c.reference());
    if (!c.note().empty())
      absl::StrAppend(&reference, "<br><span class=\"muted\">", E(c.note()), "</span>");
    absl::StrAppend(
        out, "<tr class=\"", c.verdict() == rv1::CLAIM_VERDICT_REFUTED ? "regressed" : "",
        "\"><td data-label=\"claim\"><b>", E(c.id()), "</b> ", E(c.text()),
        "</td><td data-label=\"verdict\">", verdict, "</td><td data-label=\"measured by\">",
        tests.empty() ? "-" : absl::StrJoin(tests, "<br>"), "</td><td data-label=\"reference\">",
        reference.empty() ? "-" : reference, "</td></tr>\n");
  }
  absl::StrAppend(out, "</tbody></table></div>\n");
}

}  // namespace

std::string RenderHtml(const ReportInput& input) {
  const sv1::RunRecord& run = input.detail.run();
  std::vector<const rv1::TestResult*> preflight, setup, tests, deferred, teardown, all_tests;
  for (const rv1::TestResult& r : input.detail.results()) {
    switch (r.phase()) {
      case rv1::PHASE_PREFLIGHT: preflight.push_back(&r); break;
      case rv1::PHASE_SETUP: setup.push_back(&r); break;
      case rv1::PHASE_TEARDOWN: teardown.push_back(&r); break;
      default:
        (IsDeferred(r) ? deferred : tests).push_back(&r);
        all_tests.push_back(&r);
        break;
    }
  }
  std::map<std::string, sv1::Change> changes;
  if (input.comparison.has_value()) {
    for (const sv1::TestComparison& t : input.comparison->tests()) changes[t.test()] = t.change();
  }
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>",
      E(run.scenario()), " — ", E(results::RunVerdictWord(run.verdict())),
      " — meshproof report</title>\n<style>", kStyle, "</style>\n</head>\n<body>\n");
  AppendHeader(run, &out);
  if (input.comparison.has_value()) AppendChanges(*input.comparison, &out);
  AppendHistory(input, all_tests, &out);
  AppendTable("preflight", "Preflight — is the starting line clean?",
              "If a check fails, the run is INCONCLUSIVE, not FAILED.", preflight, {}, &out);
  AppendDetails(preflight, &out);
  AppendTable("setup", "Setup", "", setup, {}, &out);
  AppendDetails(setup, &out);
  AppendTable("tests", "Tests", "", tests, changes, &out);
  AppendDetails(tests, &out);
  AppendDeferred(deferred, &out);
  AppendTable("teardown", "Teardown", "", teardown, {}, &out);
  AppendDetails(teardown, &out);
  AppendClaims(input.detail.claims(), input.detail.run().environment(), &out);
  absl::StrAppend(&out, "<p class=\"muted\">meshproof report of run <code>", E(run.run_id()),
                  "</code></p>\n</body>\n</html>\n");
  return out;
}

}  // namespace meshproof::cli::report
