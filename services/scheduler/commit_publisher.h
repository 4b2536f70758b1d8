// The one "commit, then publish" helper. What others must see of a change — WatchRun
// events, messages to agents, the outbox forwarder's wake-up — is queued here while the
// change's transaction is open and released only after that transaction committed; a
// failed commit (or a step that gives up) discards the queue, so nobody sees a change
// that did not happen. Lives in SchedulerState and is used under its mutex.
#ifndef MESHPROOF_SERVICES_SCHEDULER_COMMIT_PUBLISHER_H_
#define MESHPROOF_SERVICES_SCHEDULER_COMMIT_PUBLISHER_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "meshproof/scheduler/v1/agent_gateway.pb.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"
#include "services/scheduler/database.h"

namespace meshproof::scheduler {

struct SchedulerState;

class CommitPublisher {
 public:
  explicit CommitPublisher(SchedulerState* state) : state_(state) {}

  // Queues a run's event for its watchers.
  void QueueEvent(const std::string& run_id, v1::RunEvent event);
  // Queues a message to an agent (dropped at release if the agent has no live session).
  void QueueSend(const std::string& agent_id, v1::SchedulerMessage message);
  // Notes that the transaction added to the outbox.
  void NoteOutbox() { outbox_added_ = true; }

  // Commits `tx`, then releases what was queued: events to the hub, messages to the
  // agents' sinks, the outbox listener. On a failed commit discards the queue and
  // returns the error.
  absl::Status Commit(Transaction& tx);
  // Drops what was queued (the transaction rolls back).
  void Discard();

  // Called after each commit that added to the outbox.
  void SetOutboxListener(std::function<void()> listener) { outbox_listener_ = std::move(listener); }

 private:
  SchedulerState* const state_;
  std::vector<std::pair<std::string, v1::RunEvent>> events_;
  std::vector<std::pair<std::string, v1::SchedulerMessage>> sends_;
  bool outbox_added_ = false;
  std::function<void()> outbox_listener_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_COMMIT_PUBLISHER_H_
