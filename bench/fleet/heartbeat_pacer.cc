#include "bench/fleet/heartbeat_pacer.h"

#include <utility>

#include "absl/time/clock.h"

namespace meshproof::bench {

HeartbeatPacer::HeartbeatPacer(std::vector<SimulatedAgent*> agents, absl::Duration interval)
    : agents_(std::move(agents)), interval_(interval) {
  thread_ = std::thread([this] {
    std::vector<absl::Time> next(agents_.size());
    const absl::Time start = absl::Now();
    for (size_t i = 0; i < agents_.size(); ++i) {
      next[i] = start + interval_ * static_cast<double>(i) / static_cast<double>(agents_.size());
    }
    while (!stop_) {
      const absl::Time now = absl::Now();
      for (size_t i = 0; i < agents_.size(); ++i) {
        if (next[i] > now) continue;
        agents_[i]->Heartbeat();
        next[i] += interval_;
      }
      absl::SleepFor(absl::Milliseconds(2));  // the pacing of the load, not a wait
    }
  });
}

HeartbeatPacer::~HeartbeatPacer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace meshproof::bench
