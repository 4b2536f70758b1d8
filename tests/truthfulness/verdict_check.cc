#include "tests/truthfulness/verdict_check.h"

#include <algorithm>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace meshproof::truth {
namespace {

// A run's PASSED and a claim's CONFIRMED count as a pass for the false-PASS tally; a
// run's FAILED and a claim's REFUTED as a fail.
bool IsPass(const std::string& v) { return v == "PASS" || v == "PASSED" || v == "CONFIRMED"; }
bool IsFail(const std::string& v) { return v == "FAIL" || v == "FAILED" || v == "REFUTED"; }

std::string Subject(const Expectation& e) {
  switch (e.subject) {
    case Expectation::Subject::kRun: return "the run";
    case Expectation::Subject::kClaim: return absl::StrCat("claim ", e.name);
    case Expectation::Subject::kTest: break;
  }
  return absl::StrCat("test ", e.name);
}

// Empty when `reason` satisfies `want`, else what is missing.
std::string ReasonProblem(const Outcome& want, const std::string& reason) {
  std::vector<std::string> problems;
  if (!want.reason_prefix.empty() && !absl::StartsWith(reason, want.reason_prefix)) {
    problems.push_back(absl::StrCat("does not start with \"", want.reason_prefix, "\""));
  }
  for (const std::string& text : want.reason_contains) {
    if (!absl::StrContains(reason, text)) problems.push_back(absl::StrCat("lacks \"", text, "\""));
  }
  return absl::StrJoin(problems, ", ");
}

}  // namespace

Judgement Judge(const Expectation& expectation, const std::optional<Observed>& observed) {
  Judgement j;
  std::vector<std::string> names;
  bool pass_accepted = false, fail_accepted = false;
  for (const Outcome& o : expectation.any_of) {
    names.push_back(o.verdict);
    pass_accepted |= IsPass(o.verdict);
    fail_accepted |= IsFail(o.verdict);
  }
  if (!expectation.verdict_not.empty()) {
    pass_accepted = fail_accepted = true;
    for (const std::string& v : expectation.verdict_not) {
      if (IsPass(v)) pass_accepted = false;
      if (IsFail(v)) fail_accepted = false;
    }
  }
  j.expected = expectation.verdict_not.empty()
                   ? absl::StrJoin(names, "|")
                   : absl::StrCat("not:", absl::StrJoin(expectation.verdict_not, "|"));
  const std::string subject = Subject(expectation);
  if (!observed) {
    j.got = "MISSING";
    j.why = absl::StrCat(subject, ": the agent reported no result for it");
    return j;
  }
  j.got = observed->verdict;
  if (IsPass(j.got) && !pass_accepted) j.false_kind = "pass";
  if (IsFail(j.got) && !fail_accepted) j.false_kind = "fail";
  if (!expectation.verdict_not.empty()) {
    j.ok = std::find(expectation.verdict_not.begin(), expectation.verdict_not.end(), j.got) ==
           expectation.verdict_not.end();
    if (!j.ok)
      j.why =
          absl::StrCat(subject, ": must not be ", j.got, " (reason: \"", observed->reason, "\")");
    return j;
  }
  std::vector<std::string> reason_problems;
  for (const Outcome& o : expectation.any_of) {
    if (o.verdict != observed->verdict) continue;
    const std::string problem = ReasonProblem(o, observed->reason);
    if (problem.empty()) {
      j.ok = true;
      return j;
    }
    reason_problems.push_back(problem);
  }
  if (reason_problems.empty()) {
    j.why = absl::StrCat(subject, ": expected ", j.expected, ", got ", j.got, " (reason: \"",
                         observed->reason, "\")");
  } else {
    j.why = absl::StrCat(subject, ": verdict ", j.got, " is right but its reason \"",
                         observed->reason, "\" ", absl::StrJoin(reason_problems, "; or "));
  }
  return j;
}

std::string TruthLine(const std::string& case_name, int run, const Expectation& expectation,
                      const std::optional<Observed>& observed, const Judgement& judgement) {
  std::string reason = observed ? observed->reason : "";
  reason = absl::StrReplaceAll(reason, {{"\n", " "}, {"\"", "'"}});
  std::string subject;
  switch (expectation.subject) {
    case Expectation::Subject::kRun: subject = "test=(run)"; break;
    case Expectation::Subject::kClaim: subject = absl::StrCat("claim=", expectation.name); break;
    case Expectation::Subject::kTest: subject = absl::StrCat("test=", expectation.name); break;
  }
  return absl::StrCat("TRUTH case=", case_name, " run=", run, " ", subject,
                      " expected=", judgement.expected, " got=", judgement.got,
                      " ok=", judgement.ok ? 1 : 0,
                      " false=", judgement.false_kind.empty() ? "-" : judgement.false_kind,
                      " reason=\"", reason, "\"");
}

}  // namespace meshproof::truth
