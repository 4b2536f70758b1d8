#include "clients/cli/report/junit_report.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/cli/report/report_text.h"
#include "clients/cli/report/xml_escape.h"
#include "services/common/results/attempts.h"
#include "services/common/results/verdict_words.h"

namespace meshproof::cli::report {
namespace {

namespace rv1 = ::meshproof::result::v1;
namespace sv1 = ::meshproof::store::v1;

std::string ClassName(const std::string& scenario, rv1::Phase phase) {
  switch (phase) {
    case rv1::PHASE_PREFLIGHT: return absl::StrCat(scenario, ".preflight");
    case rv1::PHASE_SETUP: return absl::StrCat(scenario, ".setup");
    case rv1::PHASE_TEARDOWN: return absl::StrCat(scenario, ".teardown");
    default: return scenario;
  }
}

void Property(absl::string_view name, absl::string_view value, std::string* out) {
  if (value.empty()) return;
  absl::StrAppend(out, "      <property name=\"", XmlEscape(name), "\" value=\"", XmlEscape(value),
                  "\"/>\n");
}

// The failure body a CI system shows: every mismatch, then what a person runs to check.
std::string FailureText(const rv1::TestResult& r) {
  std::string text =
      absl::StrCat("expected: ", r.expected_summary(), "\nactual:   ", r.actual_summary(), "\n");
  for (const rv1::Mismatch& m : r.mismatches()) absl::StrAppend(&text, DescribeMismatch(m), "\n");
  for (const rv1::Evidence& e : r.evidence()) {
    if (!e.satisfied()) absl::StrAppend(&text, "evidence ", e.name(), ": ", e.message(), "\n");
  }
  return text;
}

std::string SystemOut(const rv1::TestResult& r) {
  std::string text;
  // JUnit has no place for "passed, but not every time": say it where CI shows output.
  if (r.flaky())
    absl::StrAppend(&text, "flaky: the attempts disagreed (",
                    results::AttemptSequence(r.attempt_history()), ")\n");
  for (const std::string& line : ReproductionLines(r)) absl::StrAppend(&text, "$ ", line, "\n");
  for (const rv1::Evidence& e : r.evidence()) {
    for (const std::string& line : e.lines())
      absl::StrAppend(&text, "[", e.name(), "] ", line, "\n");
  }
  if (!r.proves().empty()) absl::StrAppend(&text, "proves: ", r.proves(), "\n");
  return text;
}

}  // namespace

std::string RenderJunit(const ReportInput& input) {
  const sv1::RunRecord& run = input.detail.run();
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  std::string cases;
  std::vector<std::string> flaky;
  for (const rv1::TestResult& r : input.detail.results()) {
    ++tests;
    if (r.flaky()) flaky.push_back(r.test());
    absl::StrAppend(&cases, "    <testcase name=\"", XmlEscape(r.test()), "\" classname=\"",
                    XmlEscape(ClassName(run.scenario(), r.phase())), "\" time=\"",
                    FormatSeconds(LatencyOf(r)), "\">\n");
    const std::string reason = r.reason().empty() ? r.actual_summary() : r.reason();
    switch (r.verdict()) {
      case rv1::TEST_VERDICT_PASS: break;
      case rv1::TEST_VERDICT_FAIL:
        ++failures;
        absl::StrAppend(&cases, "      <failure message=\"", XmlEscape(reason), "\" type=\"FAIL\">",
                        XmlEscape(FailureText(r)), "</failure>\n");
        break;
      case rv1::TEST_VERDICT_ERROR:
      case rv1::TEST_VERDICT_UNSPECIFIED:
        ++errors;
        absl::StrAppend(&cases, "      <error message=\"", XmlEscape(reason), "\" type=\"",
                        results::TestVerdictWord(r.verdict()), "\">", XmlEscape(FailureText(r)),
                        "</error>\n");
        break;
      default:
        // Deferred, blocked and not-run tests did not run: skipped, with the verdict word
        // kept in the message so BLOCKED stays distinguishable from a deferral.
        ++skipped;
        absl::StrAppend(
            &cases, "      <skipped message=\"",
            XmlEscape(absl::StrCat(results::TestVerdictWord(r.verdict()), ": ", reason)), "\"/>\n");
        break;
    }
    const std::string system_out = SystemOut(r);
    if (!system_out.empty())
      absl::StrAppend(&cases, "      <system-out>", XmlEscape(system_out), "</system-out>\n");
    absl::StrAppend(&cases, "    </testcase>\n");
  }

  google::protobuf::Duration took;
  if (run.has_finished_at()) {
    const int64_t us = (run.finished_at().seconds() - run.started_at().seconds()) * 1000000 +
                       (run.finished_at().nanos() - run.started_at().nanos()) / 1000;
    took.set_seconds(us / 1000000);
    took.set_nanos(static_cast<int32_t>((us % 1000000) * 1000));
  }
  const std::string counts =
      absl::StrCat("tests=\"", tests, "\" failures=\"", failures, "\" errors=\"", errors,
                   "\" skipped=\"", skipped, "\" time=\"", FormatSeconds(took), "\"");
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  absl::StrAppend(&out, "<testsuites name=\"meshproof\" ", counts, ">\n");
  absl::StrAppend(&out, "  <testsuite name=\"", XmlEscape(run.scenario()), "\" ", counts);
  const std::string timestamp = FormatIsoTime(run.started_at());
  if (!timestamp.empty()) absl::StrAppend(&out, " timestamp=\"", timestamp, "\"");
  if (!run.cluster().empty()) absl::StrAppend(&out, " hostname=\"", XmlEscape(run.cluster()), "\"");
  absl::StrAppend(&out, ">\n    <properties>\n");
  const rv1::Environment& env = run.environment();
  Property("run_id", run.run_id(), &out);
  Property("verdict", results::RunVerdictWord(run.verdict()), &out);
  Property("scenario_version", run.scenario_version(), &out);
  Property("cluster", run.cluster().empty() ? env.cluster() : run.cluster(), &out);
  Property("namespace", run.namespace_().empty() ? env.namespace_() : run.namespace_(), &out);
  Property("istio_version", env.istio_version(), &out);
  Property("kubernetes_version", env.kubernetes_version(), &out);
  Property("agent_version", env.agent_version(), &out);
  Property("envoy_version", env.envoy_version(), &out);
  for (const rv1::UnknownVersion& u : env.unknown_versions()) {
    Property(absl::StrCat(u.component(), "_version_unknown"), u.reason(), &out);
  }
  Property("agent_id", run.agent_id(), &out);
  Property("trigger", run.trigger() == rv1::TRIGGER_UNSPECIFIED ? "" : TriggerWord(run.trigger()),
           &out);
  Property("schedule_id", run.schedule_id(), &out);
  Property("reason", run.reason(), &out);
  Property("flaky", absl::StrJoin(flaky, ","), &out);
  for (const auto& [k, v] :
       std::map<std::string, std::string>(env.tags().begin(), env.tags().end())) {
    Property(absl::StrCat("tag.", k), v, &out);
  }
  for (const auto& [k, v] :
       std::map<std::string, std::string>(run.labels().begin(), run.labels().end())) {
    Property(absl::StrCat("label.", k), v, &out);
  }
  for (const rv1::ClaimResult& c : input.detail.claims()) {
    Property(absl::StrCat("claim.", c.id()), results::ClaimVerdictWord(c.verdict()), &out);
  }
  absl::StrAppend(&out, "    </properties>\n", cases, "  </testsuite>\n</testsuites>\n");
  return out;
}

}  // namespace meshproof::cli::report
