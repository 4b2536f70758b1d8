// Scheduler::CollectMetrics: the scheduler's series, computed at each scrape from its
// database and its agents' sessions rather than counted as things happen, so they cannot
// drift from what `meshproof run list` and `schedule list` show.
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "services/scheduler/scheduler.h"

namespace meshproof::scheduler {
namespace {

using metrics::FamilyInfo;
using metrics::MetricType;

// Schedules are few and named by their owners; past this, schedules are left out of the
// per-schedule series (and counted in meshproof_metrics_series_overflow_total).
constexpr size_t kMaxScheduleSeries = 500;

// "RUN_STATE_AWAITING_APPROVAL" with prefix "RUN_STATE_" → "awaiting_approval".
std::string EnumLabel(const std::string& name, absl::string_view prefix) {
  absl::string_view rest = name;
  absl::ConsumePrefix(&rest, prefix);
  return absl::AsciiStrToLower(rest);
}

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

const FamilyInfo kRuns{"meshproof_scheduler_runs",
                       "runs the scheduler holds, by state and by what started them (schedule, "
                       "or on_demand: the CLI or the API)",
                       MetricType::kGauge,
                       {"state", "trigger"}};
const FamilyInfo kQueueDepth{"meshproof_scheduler_queue_depth",
                             "runs QUEUED, waiting for a matching agent", MetricType::kGauge};
const FamilyInfo kAwaitingApproval{"meshproof_scheduler_runs_awaiting_approval",
                                   "runs waiting for an approver", MetricType::kGauge};
const FamilyInfo kOldestApproval{
    "meshproof_scheduler_oldest_awaiting_approval_seconds",
    "how long the oldest run awaiting approval has waited; 0 when none waits", MetricType::kGauge};
const FamilyInfo kScheduleLag{
    "meshproof_scheduler_schedule_lag_seconds",
    "how far an active schedule's next fire time is in the past (0 when it is in the future)",
    MetricType::kGauge,
    {"schedule", "scenario"},
    kMaxScheduleSeries};
const FamilyInfo kLastFire{
    "meshproof_scheduler_schedule_last_fire_outcome",
    "1 for the outcome of a schedule's last fire (started, skipped_active, missed, failed, "
    "not_fired; none before the first)",
    MetricType::kGauge,
    {"schedule", "scenario", "outcome"},
    kMaxScheduleSeries};
const FamilyInfo kLastFireTime{"meshproof_scheduler_schedule_last_fire_timestamp_seconds",
                               "Unix time of a schedule's last fire time handled",
                               MetricType::kGauge,
                               {"schedule", "scenario"},
                               kMaxScheduleSeries};
const FamilyInfo kSchedulePaused{"meshproof_scheduler_schedule_paused",
                                 "1 when the schedule is paused",
                                 MetricType::kGauge,
                                 {"schedule", "scenario"},
                                 kMaxScheduleSeries};
const FamilyInfo kAgents{"meshproof_scheduler_agents",
                         "agents known since start, by whether a session is open",
                         MetricType::kGauge,
                         {"state"}};
const FamilyInfo kLeasesLost{
    "meshproof_scheduler_leases_lost_total",
    "RUNNING runs whose agent stopped renewing the lease (requeued or failed), since start",
    MetricType::kCounter};
const FamilyInfo kOutboxDepth{"meshproof_scheduler_outbox_depth",
                              "messages for the store not yet delivered", MetricType::kGauge};
const FamilyInfo kOutboxAge{"meshproof_scheduler_outbox_oldest_seconds",
                            "age of the oldest undelivered message for the store; 0 when empty",
                            MetricType::kGauge};
const FamilyInfo kOutboxDead{"meshproof_scheduler_outbox_dead",
                             "messages the store refused for good (kept in outbox_dead)",
                             MetricType::kGauge};
const FamilyInfo kCollectErrors{
    "meshproof_scheduler_metrics_collect_errors",
    "1 when the last scrape could not read part of the scheduler's state (see the log)",
    MetricType::kGauge};

}  // namespace

void Scheduler::CollectMetrics(metrics::CollectorSink& sink) {
  absl::MutexLock lock(&state_.mu);
  const absl::Time now = state_.clock->Now();
  Database* db = state_.db.get();
  bool failed = false;
  // Runs one query and hands each row to `row`; a failure is reported as a gauge, not
  // as a failed scrape, so the other series still arrive.
  auto query = [&](absl::string_view sql, auto&& row) {
    absl::StatusOr<Statement> statement = db->Prepare(sql);
    if (!statement.ok()) {
      failed = true;
      return;
    }
    while (true) {
      absl::StatusOr<bool> more = statement->Step();
      if (!more.ok()) {
        failed = true;
        return;
      }
      if (!*more) return;
      row(*statement);
    }
  };

  // Every state with its count, zeros included, so a state that empties drops to 0
  // instead of vanishing from the graph.
  std::map<std::pair<int, bool>, int64_t> runs;
  query("SELECT state, schedule_id != '', COUNT(*) FROM runs GROUP BY 1, 2",
        [&](const Statement& s) {
          runs[{static_cast<int>(s.Int(0)), s.Int(1) != 0}] = s.Int(2);
        });
  for (int state = v1::RunState_MIN + 1; state <= v1::RunState_MAX; ++state) {
    if (!v1::RunState_IsValid(state)) continue;
    const std::string name = EnumLabel(v1::RunState_Name(state), "RUN_STATE_");
    for (bool scheduled : {false, true}) {
      auto it = runs.find({state, scheduled});
      sink.Gauge(kRuns, {name, scheduled ? "schedule" : "on_demand"},
                 it == runs.end() ? 0 : static_cast<double>(it->second));
    }
  }
  int64_t queued = 0;
  for (bool scheduled : {false, true}) {
    auto it = runs.find({v1::RUN_STATE_QUEUED, scheduled});
    if (it != runs.end()) queued += it->second;
  }
  sink.Gauge(kQueueDepth, {}, static_cast<double>(queued));

  int64_t awaiting = 0;
  double oldest_approval = 0;
  query("SELECT COUNT(*), MIN(created_us) FROM runs WHERE state = 2", [&](const Statement& s) {
    awaiting = s.Int(0);
    if (!s.IsNull(1)) oldest_approval = Seconds(now - absl::FromUnixMicros(s.Int(1)));
  });
  static_assert(v1::RUN_STATE_AWAITING_APPROVAL == 2);
  sink.Gauge(kAwaitingApproval, {}, static_cast<double>(awaiting));
  sink.Gauge(kOldestApproval, {}, oldest_approval > 0 ? oldest_approval : 0);

  query(
      "SELECT s.schedule_id, s.scenario_name, s.paused, s.next_fire_us, s.fire_error != '', "
      "s.fire_error_fire_time_us, f.outcome, f.fire_time_us FROM schedules s "
      "LEFT JOIN fire_records f ON f.id = (SELECT id FROM fire_records WHERE schedule_id = "
      "s.schedule_id ORDER BY fire_time_us DESC LIMIT 1) ORDER BY s.schedule_id",
      [&](const Statement& s) {
        const std::string id = s.Text(0);
        const std::string scenario = s.Text(1);
        const bool paused = s.Int(2) != 0;
        const absl::Time next_fire = absl::FromUnixMicros(s.Int(3));
        sink.Gauge(kSchedulePaused, {id, scenario}, paused ? 1 : 0);
        sink.Gauge(kScheduleLag, {id, scenario},
                   !paused && next_fire < now ? Seconds(now - next_fire) : 0);
        // As ScheduleRegistry shows it: a fire time that could not be handled is newer than
        // every record.
        std::string outcome = "none";
        int64_t fire_time_us = 0;
        if (s.Int(4) != 0) {
          outcome = EnumLabel(v1::FireRecord::Outcome_Name(v1::FireRecord::OUTCOME_NOT_FIRED),
                              "OUTCOME_");
          fire_time_us = s.Int(5);
        } else if (!s.IsNull(6)) {
          const int value = static_cast<int>(s.Int(6));
          outcome =
              v1::FireRecord::Outcome_IsValid(value)
                  ? EnumLabel(
                        v1::FireRecord::Outcome_Name(static_cast<v1::FireRecord::Outcome>(value)),
                        "OUTCOME_")
                  : "unspecified";
          fire_time_us = s.Int(7);
        }
        sink.Gauge(kLastFire, {id, scenario, outcome}, 1);
        if (fire_time_us > 0) {
          sink.Gauge(kLastFireTime, {id, scenario},
                     absl::ToDoubleSeconds(absl::FromUnixMicros(fire_time_us) - absl::UnixEpoch()));
        }
      });

  int connected = 0;
  int disconnected = 0;
  for (const auto& [id, agent] : state_.agents)
    (agent.sink != nullptr ? connected : disconnected)++;
  sink.Gauge(kAgents, {"connected"}, connected);
  sink.Gauge(kAgents, {"disconnected"}, disconnected);
  sink.Counter(kLeasesLost, {}, static_cast<double>(state_.leases_lost));

  int64_t outbox = 0;
  double outbox_age = 0;
  query("SELECT COUNT(*), MIN(created_us) FROM outbox", [&](const Statement& s) {
    outbox = s.Int(0);
    if (!s.IsNull(1)) outbox_age = Seconds(now - absl::FromUnixMicros(s.Int(1)));
  });
  sink.Gauge(kOutboxDepth, {}, static_cast<double>(outbox));
  sink.Gauge(kOutboxAge, {}, outbox_age > 0 ? outbox_age : 0);
  int64_t dead = 0;
  query("SELECT COUNT(*) FROM outbox_dead", [&](const Statement& s) { dead = s.Int(0); });
  sink.Gauge(kOutboxDead, {}, static_cast<double>(dead));
  sink.Gauge(kCollectErrors, {}, failed ? 1 : 0);
}

}  // namespace meshproof::scheduler
