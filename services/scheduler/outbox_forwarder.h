// Forwards the outbox to the results store with up to one call in flight per run: the
// runs with the oldest rows go first, up to `max_in_flight` of them at once, each sending
// its own oldest rows (consecutive results of one run attempt batched into one
// AppendResults). Each row is deleted only after the store accepted it. A run's calls
// never overlap or overtake each other, so the store always sees a run's BeginRun, then
// its results, then its FinishRun; distinct runs progress independently. A run whose
// call fails with a retryable error sits out the rest of the pass while the others go
// on; the pass then reports the failure and the loop backs off exponentially before
// trying again. The store's writes are idempotent, so a row resent after a crash
// (delivered, not yet deleted) changes nothing there.
#ifndef MESHPROOF_SERVICES_SCHEDULER_OUTBOX_FORWARDER_H_
#define MESHPROOF_SERVICES_SCHEDULER_OUTBOX_FORWARDER_H_

#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/scheduler/database.h"
#include "services/scheduler/outbox.h"
#include "services/scheduler/store_client.h"
#include "services/scheduler/worker_pool.h"

namespace meshproof::scheduler {

struct ForwarderOptions {
  absl::Duration backoff_initial = absl::Milliseconds(200);
  absl::Duration backoff_max = absl::Seconds(30);
  // How long the idle loop sleeps when nobody wakes it.
  absl::Duration idle_poll = absl::Seconds(1);
  int max_batch = 500;
  // Calls to the store in flight at once, each for a different run (at least 1).
  int max_in_flight = 16;
};

// Returns the delay after `failures` consecutive failures (1 → initial, doubling, capped).
absl::Duration ForwarderBackoff(int failures, const ForwarderOptions& options);

// Returns whether a store error is worth retrying (the store is down or busy) rather
// than a refusal that no retry will change.
bool IsRetryableStoreError(const absl::Status& status);

class OutboxForwarder {
 public:
  // `db` is the forwarder's own connection to the scheduler's database (WAL lets it
  // work beside the scheduler's connection). `store` must be safe to call from several
  // threads at once.
  OutboxForwarder(std::unique_ptr<Database> db, StoreClient* store, const Clock* clock,
                  ForwarderOptions options);
  ~OutboxForwarder();

  // Sends entries until the outbox is empty (OK) or every run left has had a call fail
  // with a retryable error this pass (that error is returned; those entries stay at the
  // head of their runs). Refused entries move to outbox_dead.
  absl::Status ForwardOnce();

  // Runs ForwardOnce in a thread: after a failure waits ForwarderBackoff(n), when
  // drained waits for Wake() or idle_poll.
  void Start();
  // Asks the thread to look at the outbox now.
  void Wake();
  // Stops and joins the thread.
  void Stop();

 private:
  // One call to the store: a run's oldest entry and the appends batched with it.
  struct Call {
    std::vector<OutboxEntry> entries;
    absl::Status status;
    // An entry's payload could not be parsed (nothing was sent).
    bool unreadable = false;
  };
  // Returns the call for a run's oldest entries (`head`, in id order, not empty).
  static Call PlanCall(std::vector<OutboxEntry> head);
  // Sends one call and keeps its status.
  void Send(Call* call) const;
  // Sends every call, each on its own worker, and returns when all have answered.
  void SendAll(std::vector<Call>* calls);
  void Loop();

  std::unique_ptr<Database> db_;
  Outbox outbox_;
  StoreClient* store_;
  const Clock* clock_;
  ForwarderOptions options_;
  // The calls beyond the first of a pass (the first runs on the forwarder's thread).
  std::unique_ptr<WorkerPool> senders_;
  absl::Mutex mu_;
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_OUTBOX_FORWARDER_H_
