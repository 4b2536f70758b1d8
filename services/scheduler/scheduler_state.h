// The state every part of the scheduler shares, behind one mutex: the database and its row
// stores, the agents' sessions, the report sequences received ahead, the id counter, and
// the commit publisher. One lock on purpose: a tick expires leases, fires schedules
// (creating runs) and dispatches in one critical section, and an agent's hello requeues
// runs and sends assignments in another; separate locks per part would let a watcher or
// another agent see half of such a step, which would change behaviour. Each deciding
// class (scenario_registry, run_lifecycle, schedule_registry, schedule_firing,
// agent_dispatch, agent_sessions) holds a pointer to this state; its methods named
// `...Locked` need `mu` held, the others take it.
#ifndef MESHPROOF_SERVICES_SCHEDULER_SCHEDULER_STATE_H_
#define MESHPROOF_SERVICES_SCHEDULER_SCHEDULER_STATE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "meshproof/agent/v1/agent.pb.h"
#include "services/common/clock.h"
#include "services/scheduler/agent_sink.h"
#include "services/scheduler/commit_publisher.h"
#include "services/scheduler/database.h"
#include "services/scheduler/outbox.h"
#include "services/scheduler/run_events.h"
#include "services/scheduler/run_queue.h"
#include "services/scheduler/scenario_catalog.h"
#include "services/scheduler/schedule_book.h"
#include "services/scheduler/scheduler_config.h"
#include "services/scheduler/webhook_outbox.h"

namespace meshproof::scheduler {

// One agent as the scheduler knows it; kept after it disconnects (ListAgents shows it).
struct AgentEntry {
  meshproof::agent::v1::AgentInfo info;
  AgentSink* sink = nullptr;  // null while disconnected
  // The teams whose runs it may take (its token's binding); empty: every team.
  std::vector<std::string> teams;
  std::string session_id;
  absl::Time connected_at;
  absl::Time last_heartbeat;
  // Set when the agent hands a run back (it is stopping): it gets no new runs until its
  // next session.
  bool draining = false;
};

struct SchedulerState {
  SchedulerState(std::unique_ptr<Database> database, const SchedulerConfig& scheduler_config,
                 const Clock* scheduler_clock);

  // Returns a new id: `prefix`, the clock's time and random digits.
  std::string NewId(absl::string_view prefix) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  const SchedulerConfig config;
  const Clock* const clock;
  // Has its own lock; published to only by `publisher`, under `mu`, so a watcher's
  // snapshot taken under `mu` and its cursor agree.
  RunEventHub events;

  absl::Mutex mu;
  std::unique_ptr<Database> db ABSL_GUARDED_BY(mu);
  ScenarioCatalog catalog ABSL_GUARDED_BY(mu);
  RunQueue runs ABSL_GUARDED_BY(mu);
  ScheduleBook schedules ABSL_GUARDED_BY(mu);
  Outbox outbox ABSL_GUARDED_BY(mu);
  // Notifications, queued by webhook_events.h; sent by the WebhookSender.
  WebhookOutbox webhooks ABSL_GUARDED_BY(mu);
  // Written by AgentSessions; read by AgentDispatch (who may take a run), RunLifecycle
  // (the environment a run is recorded with) and the publisher (where to send).
  std::map<std::string, AgentEntry> agents ABSL_GUARDED_BY(mu);
  std::map<std::string, std::string> sessions ABSL_GUARDED_BY(mu);  // session → agent
  // Report sequences received beyond the contiguous acked one, per assignment; written by
  // AgentSessions, dropped by RunLifecycle when the attempt ends.
  std::map<std::string, std::set<uint64_t>> ahead ABSL_GUARDED_BY(mu);
  bool shut_down ABSL_GUARDED_BY(mu) = false;
  CommitPublisher publisher ABSL_GUARDED_BY(mu);
  uint64_t id_counter ABSL_GUARDED_BY(mu) = 0;
  // Leases that expired with their run still RUNNING (the agent was lost), since start;
  // reported as meshproof_scheduler_leases_lost_total.
  uint64_t leases_lost ABSL_GUARDED_BY(mu) = 0;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_SCHEDULER_STATE_H_
