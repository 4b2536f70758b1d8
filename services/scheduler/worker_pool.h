// A fixed set of worker threads for the scheduler's stream reactors: gRPC's callback
// threads must never block, so whatever a stream asks of the Scheduler (a hello, a batch
// of results, a watch's first read) runs here. The pool's size, not the number of
// streams, bounds the threads the scheduler spends on them.
#ifndef MESHPROOF_SERVICES_SCHEDULER_WORKER_POOL_H_
#define MESHPROOF_SERVICES_SCHEDULER_WORKER_POOL_H_

#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace meshproof::scheduler {

// The scheduler's pool size: most of its work is serialised under one lock, so a few
// threads suffice and more would mostly wait.
inline constexpr int kStreamWorkerThreads = 4;

class WorkerPool {
 public:
  // Starts `threads` workers (at least one).
  explicit WorkerPool(int threads);
  // Runs every task already posted, then joins the workers.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task` to run on a worker; tasks start in the order posted.
  void Post(absl::AnyInvocable<void()> task);

 private:
  void Work();

  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_WORKER_POOL_H_
