// Schedules and their fire records in the scheduler's database. A fire record's
// UNIQUE (schedule_id, fire_time) key is what guarantees a fire time is handled once,
// even across a restart: RecordFire is called in the transaction that starts the run.
// Callers hold the database's lock and, for writes, a transaction.
#ifndef MESHPROOF_SERVICES_SCHEDULER_SCHEDULE_BOOK_H_
#define MESHPROOF_SERVICES_SCHEDULER_SCHEDULE_BOOK_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"
#include "services/scheduler/database.h"

namespace meshproof::scheduler {

struct ScheduleRow {
  // The definition as created (no next_fire_times, no recent).
  v1::Schedule schedule;
  bool paused = false;
  // The first fire time not yet handled.
  absl::Time next_fire;
  // Why next_fire could not be handled when last tried (empty when it could), when that
  // was, and the fire time it was for.
  std::string fire_error;
  absl::Time fire_error_at;
  absl::Time fire_error_fire_time;
};

class ScheduleBook {
 public:
  explicit ScheduleBook(Database* db) : db_(db) {}

  // ALREADY_EXISTS when the id is taken.
  absl::Status Insert(const ScheduleRow& row);
  absl::StatusOr<std::optional<ScheduleRow>> Find(const std::string& schedule_id);
  // By id, id > after; `scenario` filters when not empty.
  absl::StatusOr<std::vector<ScheduleRow>> List(const std::string& team,
                                                const std::string& scenario,
                                                const std::string& after, int limit);
  // Unpaused schedules whose next fire time is at or before `now`.
  absl::StatusOr<std::vector<ScheduleRow>> Due(absl::Time now);
  // The earliest next fire time of an unpaused schedule (InfiniteFuture when none).
  absl::StatusOr<absl::Time> EarliestNextFire();
  // Also clears the fire error: a fire time was handled.
  absl::Status SetNextFire(const std::string& schedule_id, absl::Time next_fire);
  // Records that `fire_time` could not be handled at `now` and why (in its own
  // transaction: the fire's was rolled back).
  absl::Status SetFireError(const std::string& schedule_id, absl::Time fire_time,
                            const std::string& message, absl::Time now);
  absl::Status SetPaused(const std::string& schedule_id, bool paused, absl::Time next_fire);
  // Returns false when it did not exist.
  absl::StatusOr<bool> Delete(const std::string& schedule_id);
  absl::Status DeleteForScenario(const std::string& scenario);

  // Records what happened at `fire_time`. Returns false (changing nothing) when that fire
  // time is already recorded.
  absl::StatusOr<bool> RecordFire(const std::string& schedule_id, absl::Time fire_time,
                                  v1::FireRecord::Outcome outcome, const std::string& run_id,
                                  const std::string& message, absl::Time now);
  // Newest first (run_state left unset).
  absl::StatusOr<std::vector<v1::FireRecord>> Recent(const std::string& schedule_id, int limit);

 private:
  absl::StatusOr<std::vector<ScheduleRow>> ReadAll(Statement& stmt);
  Database* db_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_SCHEDULE_BOOK_H_
