#include "clients/cli/report/markdown_report.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "clients/cli/report/markdown_escape.h"
#include "clients/cli/report/report_text.h"
#include "services/common/results/attempts.h"
#include "services/common/results/environment_versions.h"
#include "services/common/results/verdict_words.h"

namespace meshproof::cli::report {
namespace {

namespace rv1 = ::meshproof::result::v1;
namespace sv1 = ::meshproof::store::v1;

std::string Cell(absl::string_view text) { return MarkdownCell(text); }
std::string CodeCell(absl::string_view text) { return MarkdownCodeSpan(text); }
std::string Link(absl::string_view reference) { return MarkdownLink(reference); }
std::string Text(absl::string_view text) { return MarkdownInline(text); }

// A fenced block of `lines`, indented to sit inside a list item.
void AppendFenced(absl::string_view info, const std::vector<std::string>& lines, std::string* out) {
  const std::string fence = MarkdownFence(lines);
  absl::StrAppend(out, "\n  ", fence, info, "\n");
  for (const std::string& line : lines) absl::StrAppend(out, "  ", MarkdownFencedLine(line), "\n");
  absl::StrAppend(out, "  ", fence, "\n\n");
}

void AppendHeader(const ReportInput& input, std::string* out) {
  const sv1::RunRecord& run = input.detail.run();
  const rv1::Environment& env = run.environment();
  absl::StrAppend(out, "# Verification report — ", Text(run.scenario()), "\n\n");
  absl::StrAppend(out, "| | |\n|---|---|\n");
  std::string date = FormatTime(run.started_at());
  if (run.has_finished_at() && run.has_started_at()) {
    google::protobuf::Duration took;
    const int64_t us = (run.finished_at().seconds() - run.started_at().seconds()) * 1000000 +
                       (run.finished_at().nanos() - run.started_at().nanos()) / 1000;
    took.set_seconds(us / 1000000);
    took.set_nanos(static_cast<int32_t>((us % 1000000) * 1000));
    absl::StrAppend(&date, " (took ", FormatLatency(took), ")");
  }
  absl::StrAppend(out, "| Date | ", date, " |\n");
  const std::string& cluster = !run.cluster().empty() ? run.cluster() : env.cluster();
  const std::string& ns = !run.namespace_().empty() ? run.namespace_() : env.namespace_();
  absl::StrAppend(out, "| Cluster | ", Cell(cluster), " |\n");
  absl::StrAppend(out, "| Namespace | ", Cell(ns), " |\n");
  absl::StrAppend(out, "| Versions | ", Cell(results::DescribeVersions(env)), " |\n");
  if (!env.kind().empty())
    absl::StrAppend(out, "| Measured on | ", results::EnvironmentKindText(env.kind()), " |\n");
  absl::StrAppend(out, "| Scenario | ", Cell(run.scenario()), " @ ",
                  CodeCell(run.scenario_version().substr(0, 12)), " |\n");
  std::string trigger = TriggerWord(run.trigger());
  if (!run.schedule_id().empty()) absl::StrAppend(&trigger, " (", run.schedule_id(), ")");
  absl::StrAppend(out, "| Trigger | ", Cell(trigger), " |\n");
  std::string run_line = CodeCell(run.run_id());
  if (run.latest_attempt() > 1) absl::StrAppend(&run_line, ", attempt ", run.latest_attempt());
  if (!run.agent_id().empty()) absl::StrAppend(&run_line, ", agent ", Cell(run.agent_id()));
  absl::StrAppend(out, "| Run | ", run_line, " |\n");
  std::vector<std::string> tags;
  for (const auto& [k, v] : env.tags()) tags.push_back(absl::StrCat(k, "=", v));
  for (const auto& [k, v] : run.labels()) tags.push_back(absl::StrCat(k, "=", v));
  std::sort(tags.begin(), tags.end());
  if (!tags.empty()) absl::StrAppend(out, "| Labels | ", Cell(absl::StrJoin(tags, ", ")), " |\n");
  absl::StrAppend(out, "\n");
}

void AppendVerdict(const sv1::RunRecord& run, std::string* out) {
  absl::StrAppend(out, "## Verdict: ", results::RunVerdictWord(run.verdict()), "\n\n");
  absl::StrAppend(out, DescribeCounts(run.counts()), ".\n");
  if (!run.not_selected_tests().empty()) {
    absl::StrAppend(out, "\nPartial run: not selected (no result in this run): ",
                    Text(absl::StrJoin(run.not_selected_tests(), ", ")), ".\n");
  }
  if (run.verdict() == rv1::RUN_VERDICT_INCONCLUSIVE) {
    absl::StrAppend(out, "\nPreflight failed: the results below say nothing about the mesh.\n");
  }
  if (!run.reason().empty()) absl::StrAppend(out, "\nReason: ", Text(run.reason()), "\n");
  absl::StrAppend(out, "\n");
}

void AppendChanges(const sv1::CompareRunsResponse& cmp, std::string* out) {
  absl::StrAppend(out, "## What changed since ", CodeCell(cmp.base().run_id()), " (",
                  FormatTime(cmp.base().started_at()), ", ",
                  results::RunVerdictWord(cmp.base().verdict()), ")\n\n");
  if (cmp.version_changes_size() > 0) {
    const std::vector<sv1::VersionChange> changes(cmp.version_changes().begin(),
                                                  cmp.version_changes().end());
    absl::StrAppend(out, "**Versions changed:** ", Cell(results::DescribeVersionChanges(changes)),
                    ".\n\n");
  }
  int still_passing = 0;
  std::vector<const sv1::TestComparison*> rows;
  for (const sv1::TestComparison& t : cmp.tests()) {
    if (t.change() == sv1::CHANGE_STILL_PASSING) {
      ++still_passing;
    } else {
      rows.push_back(&t);
    }
  }
  // The store sorts regressions first; keep that order even if a server does not.
  std::stable_sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
    return (a->change() == sv1::CHANGE_REGRESSED) > (b->change() == sv1::CHANGE_REGRESSED);
  });
  if (rows.empty()) {
    absl::StrAppend(out, "Nothing changed: every test still passes.\n\n");
  } else {
    absl::StrAppend(out, "| change | test | before | after | latency | evidence changed |\n");
    absl::StrAppend(out, "|---|---|---|---|---|---|\n");
    for (const sv1::TestComparison* t : rows) {
      const std::string before = t->change() == sv1::CHANGE_ADDED
                                     ? "-"
                                     : absl::StrCat(results::TestVerdictWord(t->base_verdict()),
                                                    " (", t->base_outcome(), ")");
      const std::string after = t->change() == sv1::CHANGE_REMOVED
                                    ? "-"
                                    : absl::StrCat(results::TestVerdictWord(t->head_verdict()),
                                                   " (", t->head_outcome(), ")");
      std::string change = ChangeWord(t->change());
      if (t->change() == sv1::CHANGE_REGRESSED) change = "**REGRESSED**";
      absl::StrAppend(out, "| ", change, " | ", Cell(t->test()), " | ", Cell(before), " | ",
                      Cell(after), " | ", FormatDelta(t->latency_delta()), " | ",
                      Cell(absl::StrJoin(t->changed_evidence(), ", ")), " |\n");
    }
    absl::StrAppend(out, "\n");
    if (still_passing > 0) absl::StrAppend(out, still_passing, " more still passing.\n\n");
  }
  if (cmp.base().scenario_version() != cmp.head().scenario_version()) {
    absl::StrAppend(out, "The scenario changed between the runs (`",
                    cmp.base().scenario_version().substr(0, 12), "` → `",
                    cmp.head().scenario_version().substr(0, 12), "`).\n\n");
  }
}

void AppendTable(absl::string_view title, absl::string_view intro,
                 const std::vector<const rv1::TestResult*>& results, std::string* out) {
  if (results.empty()) return;
  absl::StrAppend(out, "## ", title, "\n\n");
  if (!intro.empty()) absl::StrAppend(out, intro, "\n\n");
  absl::StrAppend(out, "| test | reproduction | expected | actual | verdict | proves |\n");
  absl::StrAppend(out, "|---|---|---|---|---|---|\n");
  for (const rv1::TestResult* r : results) {
    const std::vector<std::string> repro = ReproductionLines(*r);
    std::string verdict = results::TestVerdictWord(r->verdict());
    if (r->verdict() != rv1::TEST_VERDICT_PASS) verdict = absl::StrCat("**", verdict, "**");
    // A flaky test is marked whatever its verdict: a PASS whose attempts disagreed is not
    // a stable one.
    std::vector<std::string> notes;
    if (r->passed_on_retry()) notes.push_back(absl::StrCat("attempt ", r->attempts()));
    if (r->flaky()) notes.push_back("flaky");
    if (!notes.empty()) absl::StrAppend(&verdict, " (", absl::StrJoin(notes, ", "), ")");
    std::string proves = r->proves();
    if (r->claims_size() > 0) {
      absl::StrAppend(&proves, proves.empty() ? "" : " ", "(", absl::StrJoin(r->claims(), ", "),
                      ")");
    }
    absl::StrAppend(out, "| ", Cell(r->test()), " | ", CodeCell(repro.empty() ? "" : repro.front()),
                    " | ", Cell(r->expected_summary()), " | ", Cell(r->actual_summary()), " | ",
                    verdict, " | ", Cell(proves), " |\n");
  }
  absl::StrAppend(out, "\n");
}

// Under the table: why each test that did not pass failed, and the evidence excerpts
// (the egress access-log line is the proof a 200 alone cannot give).
void AppendDetails(const std::vector<const rv1::TestResult*>& results, std::string* out) {
  std::string body;
  for (const rv1::TestResult* r : results) {
    std::string section;
    if (r->verdict() != rv1::TEST_VERDICT_PASS) {
      if (r->mismatches_size() > 0) {
        for (const rv1::Mismatch& m : r->mismatches())
          absl::StrAppend(&section, "- ", Text(DescribeMismatch(m)), "\n");
      } else if (!r->reason().empty()) {
        absl::StrAppend(&section, "- ", Text(r->reason()), "\n");
      }
    }
    if (r->flaky()) {
      absl::StrAppend(&section, "- **flaky**: the attempts disagreed (",
                      results::AttemptSequence(r->attempt_history()), ")\n");
    }
    for (const rv1::AttemptSummary& a : r->attempt_history()) {
      if (r->attempts() <= 1) break;
      absl::StrAppend(&section, "- attempt ", a.attempt(), ": ",
                      results::TestVerdictWord(a.verdict()),
                      a.reason().empty() ? "" : absl::StrCat(" — ", Text(a.reason())), "\n");
    }
    for (const rv1::Evidence& e : r->evidence()) {
      absl::StrAppend(&section, "- evidence ", CodeCell(e.name()),
                      e.required() ? " (required)" : "", ": ",
                      e.satisfied() ? "found" : "**missing**", ", ", e.matched(),
                      e.matched() == 1 ? " line" : " lines",
                      e.source().empty() ? "" : absl::StrCat(" in ", Text(e.source())),
                      e.message().empty() ? "" : absl::StrCat(" — ", Text(e.message())), "\n");
      if (e.lines_size() > 0) {
        AppendFenced("text", std::vector<std::string>(e.lines().begin(), e.lines().end()),
                     &section);
      }
    }
    const std::vector<std::string> repro = ReproductionLines(*r);
    if (repro.size() > 1) {
      absl::StrAppend(&section, "- check it by hand:\n");
      AppendFenced("sh", repro, &section);
    }
    if (section.empty()) continue;
    // A fenced block already ends with a blank line; a list item needs one added.
    if (section.size() < 2 || section.substr(section.size() - 2) != "\n\n") section += "\n";
    absl::StrAppend(&body, "**", Text(r->test()), "** (", results::TestVerdictWord(r->verdict()),
                    ")\n\n", section);
  }
  if (body.empty()) return;
  absl::StrAppend(out, "### Evidence and failures\n\n", body);
}

void AppendDeferred(const std::vector<const rv1::TestResult*>& deferred, std::string* out) {
  if (deferred.empty()) return;
  absl::StrAppend(out, "## Deferred tests (not run on purpose)\n\n");
  for (const rv1::TestResult* r : deferred) {
    absl::StrAppend(out, "- **", Text(r->test()), "** — ",
                    r->reason().empty() ? "no reason given" : Text(r->reason()));
    if (r->claims_size() > 0)
      absl::StrAppend(out, " (", Text(absl::StrJoin(r->claims(), ", ")), ")");
    absl::StrAppend(out, "\n");
  }
  absl::StrAppend(out, "\n");
}

std::string ClaimVerdictText(const rv1::ClaimResult& c, bool lab) {
  switch (c.verdict()) {
    case rv1::CLAIM_VERDICT_CONFIRMED:
      return lab ? "CONFIRMED by measurement on the lab" : "CONFIRMED by measurement";
    case rv1::CLAIM_VERDICT_REFUTED: return lab ? "**REFUTED** on the lab" : "**REFUTED**";
    case rv1::CLAIM_VERDICT_UNTESTED:
      return c.reference().empty() ? "UNTESTED" : "UNTESTED (documentation only)";
    default: return "?";
  }
}

void AppendClaims(const google::protobuf::RepeatedPtrField<rv1::ClaimResult>& claims,
                  const rv1::Environment& env, std::string* out) {
  if (claims.empty()) return;
  const bool lab = env.kind() == "lab";
  absl::StrAppend(out, "## Claims ledger\n\n");
  if (lab) absl::StrAppend(out, "> ", results::kLabEvidenceNote, "\n\n");
  absl::StrAppend(out, "| claim | verdict | measured by | reference |\n|---|---|---|---|\n");
  for (const rv1::ClaimResult& c : claims) {
    std::vector<std::string> tests;
    for (const rv1::LinkedTest& t : c.tests()) {
      tests.push_back(absl::StrCat(t.test(), " (", results::TestVerdictWord(t.verdict()), ")"));
    }
    std::string reference = c.reference().empty() ? "" : Link(c.reference());
    if (!c.note().empty())
      absl::StrAppend(&reference, reference.empty() ? "" : " — ", Cell(c.note()));
    if (reference.empty()) reference = "-";
    absl::StrAppend(out, "| **", Text(c.id()), "** ", Cell(c.text()), " | ",
                    ClaimVerdictText(c, lab), " | ", Cell(absl::StrJoin(tests, ", ")), " | ",
                    reference, " |\n");
  }
  absl::StrAppend(out, "\n");
}

}  // namespace

std::string RenderMarkdown(const ReportInput& input) {
  std::vector<const rv1::TestResult*> preflight, setup, tests, deferred, teardown;
  for (const rv1::TestResult& r : input.detail.results()) {
    switch (r.phase()) {
      case rv1::PHASE_PREFLIGHT: preflight.push_back(&r); break;
      case rv1::PHASE_SETUP: setup.push_back(&r); break;
      case rv1::PHASE_TEARDOWN: teardown.push_back(&r); break;
      default: (IsDeferred(r) ? deferred : tests).push_back(&r); break;
    }
  }
  std::string out;
  AppendHeader(input, &out);
  AppendVerdict(input.detail.run(), &out);
  if (input.comparison.has_value()) AppendChanges(*input.comparison, &out);
  AppendTable("Preflight — is the starting line clean?",
              "If a check fails, the run is INCONCLUSIVE, not FAILED.", preflight, &out);
  AppendDetails(preflight, &out);
  AppendTable("Setup", "", setup, &out);
  AppendDetails(setup, &out);
  AppendTable("Tests", "", tests, &out);
  AppendDetails(tests, &out);
  AppendDeferred(deferred, &out);
  AppendTable("Teardown", "", teardown, &out);
  AppendDetails(teardown, &out);
  AppendClaims(input.detail.claims(), input.detail.run().environment(), &out);
  return out;
}

}  // namespace meshproof::cli::report
