// The outbox: writes the results store must receive (BeginRun, each result, FinishRun),
// recorded in the same transaction as the state change that caused them and forwarded
// by the OutboxForwarder, each run's rows in id order. A row is deleted once the store
// accepted it; a row the store refuses for good moves to outbox_dead. Callers hold the
// database's lock.
#ifndef MESHPROOF_SERVICES_SCHEDULER_OUTBOX_H_
#define MESHPROOF_SERVICES_SCHEDULER_OUTBOX_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/scheduler/database.h"

namespace meshproof::scheduler {

enum class OutboxKind { kBegin = 1, kAppend = 2, kFinish = 3 };

struct OutboxEntry {
  int64_t id = 0;
  std::string run_id;
  OutboxKind kind = OutboxKind::kBegin;
  uint32_t attempt = 0;
  // Serialized BeginRunRequest, TestResult (kAppend) or FinishRunRequest.
  std::string payload;
  int tries = 0;
};

class Outbox {
 public:
  explicit Outbox(Database* db) : db_(db) {}

  absl::Status Add(const std::string& run_id, OutboxKind kind, uint32_t attempt,
                   const std::string& payload, absl::Time now);
  // The oldest `limit` entries, in id order.
  absl::StatusOr<std::vector<OutboxEntry>> Head(int limit);
  // Up to `max_runs` runs that have entries, ordered by their oldest entry, found among
  // the oldest `scan` entries; runs in `skip` are left out.
  absl::StatusOr<std::vector<std::string>> OldestRuns(int max_runs, int scan,
                                                      const std::set<std::string>& skip);
  // The oldest `limit` entries of one run, in id order.
  absl::StatusOr<std::vector<OutboxEntry>> HeadOfRun(const std::string& run_id, int limit);
  // Deletes delivered entries (one transaction).
  absl::Status Remove(const std::vector<int64_t>& ids);
  // Counts a failed try and keeps the error for operators.
  absl::Status NoteFailure(int64_t id, const std::string& error);
  // Moves an entry the store refused for good to outbox_dead.
  absl::Status MoveToDead(const OutboxEntry& entry, const std::string& error, absl::Time now);
  absl::StatusOr<int64_t> Size();
  absl::StatusOr<int64_t> DeadSize();

 private:
  Database* db_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_OUTBOX_H_
