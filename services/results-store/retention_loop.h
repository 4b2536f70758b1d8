// Applies the configured retention (retention_days) in the background: once at start,
// then every hour, until stopped.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_RETENTION_LOOP_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_RETENTION_LOOP_H_

#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/results-store/results_store.h"

namespace meshproof::store {

class RetentionLoop {
 public:
  // `store` and `clock` must outlive the loop.
  RetentionLoop(ResultsStore* store, const Clock* clock, int retention_days,
                absl::Duration period = absl::Hours(1))
      : store_(store), clock_(clock), keep_(absl::Hours(24) * retention_days), period_(period) {}
  ~RetentionLoop() { Stop(); }

  // Starts the background thread.
  void Start();
  // Stops it and waits for it (a pass in progress finishes its current batch).
  void Stop();

 private:
  void Loop();

  ResultsStore* store_;
  const Clock* clock_;
  const absl::Duration keep_;
  const absl::Duration period_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_RETENTION_LOOP_H_
