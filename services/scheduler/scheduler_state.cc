// The shared state's construction and its id generator.
#include "services/scheduler/scheduler_state.h"

#include <random>
#include <utility>

#include "absl/strings/str_cat.h"

namespace meshproof::scheduler {

SchedulerState::SchedulerState(std::unique_ptr<Database> database,
                               const SchedulerConfig& scheduler_config,
                               const Clock* scheduler_clock)
    : config(scheduler_config),
      clock(scheduler_clock),
      db(std::move(database)),
      catalog(db.get()),
      runs(db.get()),
      schedules(db.get()),
      outbox(db.get()),
      webhooks(db.get()),
      publisher(this) {}

std::string SchedulerState::NewId(absl::string_view prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return absl::StrCat(prefix, absl::FormatTime("%Y%m%dT%H%M%SZ", clock->Now(), absl::UTCTimeZone()),
                      "-", absl::Hex(rng() & 0xffffffffffULL, absl::kZeroPad10), ++id_counter % 10);
}

}  // namespace meshproof::scheduler
