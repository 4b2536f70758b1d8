// HeartbeatPacer: one thread that makes every agent of a fleet heartbeat at the interval,
// the agents' beats spread evenly over it as independent agents' would be.
#ifndef MESHPROOF_BENCH_FLEET_HEARTBEAT_PACER_H_
#define MESHPROOF_BENCH_FLEET_HEARTBEAT_PACER_H_

#include <atomic>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "bench/fleet/simulated_agent.h"

namespace meshproof::bench {

class HeartbeatPacer {
 public:
  // Starts beating at once; the agents must outlive the pacer.
  HeartbeatPacer(std::vector<SimulatedAgent*> agents, absl::Duration interval);
  // Stops and joins the thread.
  ~HeartbeatPacer();

 private:
  std::vector<SimulatedAgent*> agents_;
  absl::Duration interval_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace meshproof::bench

#endif  // MESHPROOF_BENCH_FLEET_HEARTBEAT_PACER_H_
