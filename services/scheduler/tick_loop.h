// The scheduler's background loop: calls Scheduler::Tick, then sleeps until the time
// Tick asked for or until woken. Sleeping goes through the Waiter seam so a test can
// drive the loop with a fake clock.
#ifndef MESHPROOF_SERVICES_SCHEDULER_TICK_LOOP_H_
#define MESHPROOF_SERVICES_SCHEDULER_TICK_LOOP_H_

#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/scheduler/scheduler.h"

namespace meshproof::scheduler {

// A waitable "sleep until".
class Waiter {
 public:
  virtual ~Waiter() = default;
  // Blocks until `deadline` (on the waiter's clock), a Wake() or a Stop(). Returns false
  // once stopped.
  virtual bool WaitUntil(absl::Time deadline) = 0;
  virtual void Wake() = 0;
  virtual void Stop() = 0;
};

// Waits on a condition variable for the time left until `deadline` by `clock`.
class ClockWaiter final : public Waiter {
 public:
  explicit ClockWaiter(const Clock* clock) : clock_(clock) {}
  bool WaitUntil(absl::Time deadline) override;
  void Wake() override;
  void Stop() override;

 private:
  const Clock* clock_;
  absl::Mutex mu_;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

class TickLoop {
 public:
  TickLoop(Scheduler* scheduler, Waiter* waiter) : scheduler_(scheduler), waiter_(waiter) {}
  ~TickLoop() { Stop(); }
  // Starts the thread; the first Tick runs at once.
  void Start();
  // Stops the waiter and joins the thread.
  void Stop();

 private:
  Scheduler* scheduler_;
  Waiter* waiter_;
  std::thread thread_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_TICK_LOOP_H_
