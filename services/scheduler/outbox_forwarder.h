// Forwards the outbox to the results store: oldest first, consecutive results of one
// run attempt batched into one AppendResults, each row deleted only after the store
// accepted it. While the store is unreachable the head is retried with exponential
// backoff; nothing behind it overtakes it, so the store always sees BeginRun, then the
// results, then FinishRun. The store's writes are idempotent, so a row resent after a
// crash (delivered, not yet deleted) changes nothing there.
#ifndef MESHPROOF_SERVICES_SCHEDULER_OUTBOX_FORWARDER_H_
#define MESHPROOF_SERVICES_SCHEDULER_OUTBOX_FORWARDER_H_

#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/scheduler/database.h"
#include "services/scheduler/outbox.h"
#include "services/scheduler/store_client.h"

namespace meshproof::scheduler {

struct ForwarderOptions {
  absl::Duration backoff_initial = absl::Milliseconds(200);
  absl::Duration backoff_max = absl::Seconds(30);
  // How long the idle loop sleeps when nobody wakes it.
  absl::Duration idle_poll = absl::Seconds(1);
  int max_batch = 500;
};

// Returns the delay after `failures` consecutive failures (1 → initial, doubling, capped).
absl::Duration ForwarderBackoff(int failures, const ForwarderOptions& options);

// Returns whether a store error is worth retrying (the store is down or busy) rather
// than a refusal that no retry will change.
bool IsRetryableStoreError(const absl::Status& status);

class OutboxForwarder {
 public:
  // `db` is the forwarder's own connection to the scheduler's database (WAL lets it
  // work beside the scheduler's connection).
  OutboxForwarder(std::unique_ptr<Database> db, StoreClient* store, const Clock* clock,
                  ForwarderOptions options);
  ~OutboxForwarder();

  // Sends entries until the outbox is empty (OK) or a call fails with a retryable error
  // (returned; the entry stays at the head). Refused entries move to outbox_dead.
  absl::Status ForwardOnce();

  // Runs ForwardOnce in a thread: after a failure waits ForwarderBackoff(n), when
  // drained waits for Wake() or idle_poll.
  void Start();
  // Asks the thread to look at the outbox now.
  void Wake();
  // Stops and joins the thread.
  void Stop();

 private:
  void Loop();
  std::unique_ptr<Database> db_;
  Outbox outbox_;
  StoreClient* store_;
  const Clock* clock_;
  ForwarderOptions options_;
  absl::Mutex mu_;
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_OUTBOX_FORWARDER_H_
