#include "services/scheduler/webhook_events.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "services/common/results/verdict_change.h"
#include "services/common/results/verdict_words.h"
#include "services/common/status_macros.h"
#include "services/scheduler/schedule_registry.h"

namespace meshproof::scheduler {

namespace rv1 = meshproof::result::v1;

namespace {

// How many earlier runs are read to find each test's previous verdict.
constexpr int kHistoryRunsRead = 50;
constexpr int kHistoryRunsCompared = 10;

std::string StateWord(v1::RunState s) {
  return std::string(absl::StripPrefix(v1::RunState_Name(s), "RUN_STATE_"));
}

std::map<std::string, rv1::TestVerdict> Verdicts(const std::vector<rv1::TestResult>& results) {
  std::map<std::string, rv1::TestVerdict> out;
  for (const rv1::TestResult& r : results) {
    if (r.phase() == rv1::PHASE_TEST && results::IsComparableVerdict(r.verdict())) {
      out[r.test()] = r.verdict();
    }
  }
  return out;
}

absl::Status Queue(SchedulerState* state, const WebhookEvent& event)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(state->mu) {
  MP_ASSIGN_OR_RETURN(int added,
                      state->webhooks.Enqueue(event, state->config.webhooks, event.occurred_at));
  if (added > 0) state->publisher.NoteOutbox();
  return absl::OkStatus();
}

// The earlier ended runs comparable with `row`, newest first, with their verdicts.
absl::StatusOr<std::vector<PastVerdicts>> History(SchedulerState* state, const RunRow& row)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(state->mu) {
  MP_ASSIGN_OR_RETURN(
      Statement stmt,
      state->db->Prepare("SELECT run_id, attempt, run FROM runs WHERE scenario_name = ?1"
                         " AND id < ?2 AND state IN (5, 6, 7, 8, 9, 10) ORDER BY id DESC"
                         " LIMIT ?3"));
  stmt.BindText(1, row.run.scenario()).Bind(2, row.id).Bind(3, kHistoryRunsRead);
  std::vector<std::pair<std::string, uint32_t>> comparable;
  while (static_cast<int>(comparable.size()) < kHistoryRunsCompared) {
    MP_ASSIGN_OR_RETURN(bool more, stmt.Step());
    if (!more) break;
    v1::Run run;
    if (!run.ParseFromString(std::string(stmt.Blob(2)))) {
      return absl::InternalError("a stored run cannot be read");
    }
    if (run.target().cluster() != row.run.target().cluster()) continue;
    comparable.emplace_back(stmt.Text(0), static_cast<uint32_t>(stmt.Int(1)));
  }
  std::vector<PastVerdicts> history;
  for (const auto& [run_id, attempt] : comparable) {
    MP_ASSIGN_OR_RETURN(std::vector<rv1::TestResult> results, state->runs.Results(run_id, attempt));
    history.push_back({run_id, Verdicts(results)});
  }
  return history;
}

WebhookEvent RunEvent(SchedulerState* state, const RunRow& row, absl::string_view kind)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(state->mu) {
  WebhookEvent e;
  e.kind = std::string(kind);
  e.event_id = absl::StrCat(kind, ":", row.run.run_id());
  e.team = row.run.team();
  e.schedule_id = row.run.schedule_id();
  e.occurred_at = state->clock->Now();
  e.run_id = row.run.run_id();
  e.scenario = row.run.scenario();
  e.cluster = row.run.target().cluster();
  e.run_state = StateWord(row.run.state());
  return e;
}

std::string Where(const RunRow& row) {
  return absl::StrCat(
      row.run.scenario(),
      row.run.target().cluster().empty() ? "" : absl::StrCat(" on ", row.run.target().cluster()),
      " (run ", row.run.run_id(), ")");
}

std::string TestNames(const std::vector<TestChange>& tests) {
  constexpr size_t kNamed = 5;
  std::vector<std::string> names;
  for (size_t i = 0; i < tests.size() && i < kNamed; ++i) names.push_back(tests[i].test);
  return absl::StrCat(
      absl::StrJoin(names, ", "),
      tests.size() > kNamed ? absl::StrCat(" and ", tests.size() - kNamed, " more") : "");
}

}  // namespace

void CompareWithHistory(const std::map<std::string, rv1::TestVerdict>& now,
                        const std::vector<PastVerdicts>& history,
                        std::vector<TestChange>* regressed, std::vector<TestChange>* fixed) {
  for (const auto& [test, verdict] : now) {
    for (const PastVerdicts& past : history) {
      auto before = past.verdicts.find(test);
      if (before == past.verdicts.end() || !results::IsComparableVerdict(before->second)) {
        continue;
      }
      const results::VerdictChange change = results::ClassifyVerdictChange(before->second, verdict);
      if (change == results::VerdictChange::kRegressed ||
          change == results::VerdictChange::kFixed) {
        (change == results::VerdictChange::kRegressed ? regressed : fixed)
            ->push_back({test, results::TestVerdictWord(before->second),
                         results::TestVerdictWord(verdict), past.run_id});
      }
      break;  // only the newest comparable verdict counts
    }
  }
}

absl::Status NotifyRunEndedLocked(SchedulerState* state, const RunRow& row) {
  if (state->config.webhooks.empty()) return absl::OkStatus();
  MP_ASSIGN_OR_RETURN(std::vector<rv1::TestResult> results,
                      state->runs.Results(row.run.run_id(), row.run.attempt()));
  const std::map<std::string, rv1::TestVerdict> now = Verdicts(results);
  if (now.empty()) return absl::OkStatus();
  MP_ASSIGN_OR_RETURN(std::vector<PastVerdicts> history, History(state, row));
  std::vector<TestChange> regressed, fixed;
  CompareWithHistory(now, history, &regressed, &fixed);
  if (!regressed.empty()) {
    WebhookEvent e = RunEvent(state, row, kEventRunRegressed);
    const bool one = regressed.size() == 1;
    e.summary =
        absl::StrCat(regressed.size(), one ? " test" : " tests", " passed last time and no longer ",
                     one ? "passes" : "pass", " in ", Where(row), ": ", TestNames(regressed));
    e.tests = std::move(regressed);
    MP_RETURN_IF_ERROR(Queue(state, e));
  }
  if (!fixed.empty()) {
    WebhookEvent e = RunEvent(state, row, kEventRunFixed);
    const bool one = fixed.size() == 1;
    e.summary =
        absl::StrCat(fixed.size(), one ? " test" : " tests", " did not pass last time and ",
                     one ? "passes" : "pass", " now in ", Where(row), ": ", TestNames(fixed));
    e.tests = std::move(fixed);
    MP_RETURN_IF_ERROR(Queue(state, e));
  }
  return absl::OkStatus();
}

absl::Status NotifyAwaitingApprovalLocked(SchedulerState* state, const RunRow& row) {
  if (state->config.webhooks.empty()) return absl::OkStatus();
  WebhookEvent e = RunEvent(state, row, kEventRunAwaitingApproval);
  e.summary = absl::StrCat(Where(row), " waits for approval: ", row.run.reason());
  return Queue(state, e);
}

absl::Status NotifyScheduleNotFiredLocked(SchedulerState* state, const v1::Schedule& schedule,
                                          absl::Time fire_time, const std::string& message) {
  if (state->config.webhooks.empty()) return absl::OkStatus();
  WebhookEvent e;
  e.kind = std::string(kEventScheduleNotFired);
  e.event_id =
      absl::StrCat(e.kind, ":", schedule.schedule_id(), "@", absl::ToUnixMicros(fire_time));
  e.team = schedule.team();
  e.schedule_id = schedule.schedule_id();
  e.occurred_at = state->clock->Now();
  e.fire_time = fire_time;
  e.message = message;
  e.summary = absl::StrCat("schedule ", schedule.schedule_id(), " (scenario ", schedule.scenario(),
                           ") could not fire at ", Rfc3339(fire_time));
  return Queue(state, e);
}

absl::Status NotifyAgentLostLocked(SchedulerState* state, const RunRow& row,
                                   const std::string& reason) {
  if (state->config.webhooks.empty()) return absl::OkStatus();
  WebhookEvent e = RunEvent(state, row, kEventAgentLost);
  // One event per lost attempt: the same agent may be lost again by a later attempt.
  e.event_id = absl::StrCat(kEventAgentLost, ":", row.run.run_id(), "#", row.run.attempt());
  e.agent_id = row.run.agent_id();
  e.message = reason;
  e.summary = absl::StrCat("agent ", row.run.agent_id(), " lost while running ", Where(row));
  return Queue(state, e);
}

}  // namespace meshproof::scheduler
