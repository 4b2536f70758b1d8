// The notification hub behind WatchRun: the scheduler publishes each run's events (its
// state changes and results) after they are committed. A watcher subscribes to its run
// and is told when events arrive (or the hub shuts down), then takes the events past its
// cursor; no thread waits per watcher. Wait is the blocking form, for tests.
//
// A run's events are kept only while someone watches it: a watcher starts from the
// database (BeginWatch) and needs only what is published after it subscribed, so a run
// nobody watches costs a counter, not a copy of every result. (Keeping them all until
// ten minutes after each run ended held a whole night's results in memory: about
// 500 MB for 300 runs of 1,000 tests.)
#ifndef MESHPROOF_SERVICES_SCHEDULER_RUN_EVENTS_H_
#define MESHPROOF_SERVICES_SCHEDULER_RUN_EVENTS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"

namespace meshproof::scheduler {

// Told that a run has new events, or that the hub shut down. Called without the hub's
// lock held, on the publishing thread (often under the Scheduler's lock): it must not
// block or call into the Scheduler.
class RunEventListener {
 public:
  virtual ~RunEventListener() = default;
  virtual void OnRunEvents() = 0;
};

class RunEventHub {
 public:
  // Appends an event to the run's log and wakes its watchers; with none, only counts it.
  void Publish(const std::string& run_id, const v1::RunEvent& event);
  // The position after the run's last event: a watcher starting now waits past it.
  uint64_t Cursor(const std::string& run_id);
  // How many events are held for `run_id` (for tests of the retention rule).
  size_t HeldEvents(const std::string& run_id);
  // Waits until the run has events past *cursor, the hub shuts down, or `deadline`
  // (real time) passes; returns those events and advances *cursor.
  std::vector<v1::RunEvent> Wait(const std::string& run_id, uint64_t* cursor, absl::Time deadline);
  // Returns the run's events past *cursor without waiting and advances *cursor.
  std::vector<v1::RunEvent> Take(const std::string& run_id, uint64_t* cursor);
  // Tells `listener` of each event published for the run from now on, and of Shutdown,
  // until Unsubscribe, and keeps those events for it to Take. Returns the cursor to take
  // from: the position after the run's last event. The hub keeps the listener alive
  // meanwhile. When the run's last listener unsubscribes its events are dropped.
  uint64_t Subscribe(const std::string& run_id, std::shared_ptr<RunEventListener> listener);
  void Unsubscribe(const std::string& run_id, const RunEventListener* listener);
  // Drops the logs of runs that ended before `cutoff` (their watchers already finished).
  void ForgetEndedBefore(absl::Time cutoff);
  // Marks the run's log as ended at `at` (for ForgetEndedBefore).
  void MarkEnded(const std::string& run_id, absl::Time at);
  // Wakes every watcher for good.
  void Shutdown();
  bool shut_down();

 private:
  struct Log {
    uint64_t base = 0;  // cursor of events[0]
    std::vector<v1::RunEvent> events;
    absl::Time ended_at = absl::InfiniteFuture();
  };
  std::vector<v1::RunEvent> TakeLocked(const std::string& run_id, uint64_t* cursor)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::map<std::string, Log> logs_ ABSL_GUARDED_BY(mu_);
  std::multimap<std::string, std::shared_ptr<RunEventListener>> listeners_ ABSL_GUARDED_BY(mu_);
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_RUN_EVENTS_H_
