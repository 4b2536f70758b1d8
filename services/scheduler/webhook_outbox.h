// The webhook outbox: one row per (webhook, event), inserted in the same transaction as
// the state change that raised the event (Enqueue, under the scheduler's lock), and
// worked off by the WebhookSender on its own connection. A row is pending until it is
// delivered (a 2xx answer) or given up (refused for good, or older than the max age);
// either way it is marked, never deleted at once, so the same event raised again is
// recognised by the UNIQUE (webhook, event_id) key and not queued twice.
#ifndef MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_OUTBOX_H_
#define MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_OUTBOX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/scheduler/database.h"
#include "services/scheduler/webhook_config.h"
#include "services/scheduler/webhook_payload.h"

namespace meshproof::scheduler {

enum class WebhookDeliveryState { kPending = 0, kDelivered = 1, kGivenUp = 2 };

struct WebhookDelivery {
  int64_t id = 0;
  std::string event_id;
  std::string webhook;
  std::string kind;
  std::string body;
  absl::Time created;
  int tries = 0;
};

class WebhookOutbox {
 public:
  explicit WebhookOutbox(Database* db) : db_(db) {}

  // Queues `event` for every webhook in `hooks` that matches it, rendered in that
  // webhook's format. An event already queued for a webhook is left as it is. Returns
  // how many rows were added. Call inside the transaction of the change.
  absl::StatusOr<int> Enqueue(const WebhookEvent& event, const std::vector<WebhookConfig>& hooks,
                              absl::Time now);
  // Pending rows due at `now`, oldest first.
  absl::StatusOr<std::vector<WebhookDelivery>> Due(absl::Time now, int limit);
  // The earliest next attempt of a pending row (InfiniteFuture when none).
  absl::StatusOr<absl::Time> NextDue();
  // Marks a row delivered; only a pending row changes (false: it was not pending).
  absl::StatusOr<bool> MarkDelivered(int64_t id, absl::Time now);
  // Counts a failed try and sets the next attempt time.
  absl::Status NoteFailure(int64_t id, const std::string& error, absl::Time next_attempt);
  // Marks a row given up, keeping why.
  absl::Status GiveUp(int64_t id, const std::string& error, absl::Time now);
  // Deletes delivered and given-up rows finished before `before`.
  absl::Status PruneDone(absl::Time before);
  absl::StatusOr<int64_t> PendingCount();

 private:
  Database* db_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_OUTBOX_H_
