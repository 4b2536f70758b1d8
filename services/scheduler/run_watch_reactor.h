// One WatchRun stream on gRPC's callback API: the run's events so far are read on a
// worker (BeginWatch reads the database), then the stream subscribes to the run's
// RunEventHub log and writes each event as it is published, one write in flight at a
// time. It ends OK after a terminal event, UNAVAILABLE when the scheduler shuts down
// (after the events already published), CANCELLED when the watcher leaves.
#ifndef MESHPROOF_SERVICES_SCHEDULER_RUN_WATCH_REACTOR_H_
#define MESHPROOF_SERVICES_SCHEDULER_RUN_WATCH_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"
#include "services/scheduler/caller_scope.h"
#include "services/scheduler/run_events.h"
#include "services/scheduler/scheduler.h"
#include "services/scheduler/worker_pool.h"

namespace meshproof::scheduler {

// Shared by gRPC (until OnDone), the hub (while subscribed) and a queued worker task, so
// a late notification never reaches a deleted reactor.
class RunWatchReactor final : public grpc::ServerWriteReactor<v1::RunEvent>,
                              public RunEventListener,
                              public std::enable_shared_from_this<RunWatchReactor> {
 public:
  // Returns the reactor for gRPC; it keeps itself alive until OnDone.
  static grpc::ServerWriteReactor<v1::RunEvent>* Start(std::string run_id, CallerScope scope,
                                                       Scheduler* scheduler, WorkerPool* workers);

  void OnRunEvents() override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

  // Public for std::make_shared; use Start.
  RunWatchReactor(std::string run_id, Scheduler* scheduler)
      : run_id_(std::move(run_id)), scheduler_(scheduler) {}

 private:
  // On a worker: the run's events so far, then the subscription.
  void Begin(const CallerScope& scope);
  // Writes the next event, or ends the call, unless a write is in flight (its
  // OnWriteDone pumps again).
  void Pump();

  const std::string run_id_;
  Scheduler* const scheduler_;
  std::shared_ptr<RunWatchReactor> self_;  // released in OnDone

  absl::Mutex mu_;
  std::deque<v1::RunEvent> pending_ ABSL_GUARDED_BY(mu_);
  uint64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  bool subscribed_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  // Set once the outcome is known; sent after pending_ is written (or at once when the
  // watcher left).
  std::optional<grpc::Status> end_status_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  // Written under mu_; read by the write in flight (writing_ keeps it untouched).
  v1::RunEvent write_buffer_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_RUN_WATCH_REACTOR_H_
