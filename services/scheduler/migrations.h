// Schema migrations: numbered, forward-only SQL scripts applied in order, each in one
// transaction that also records it (PRAGMA user_version plus a schema_migrations row).
// The scheduler's scripts live in migrations/scheduler/ and are compiled into the
// binary (scheduler_migrations.cc is generated from them at build time).
#ifndef MESHPROOF_SERVICES_SCHEDULER_MIGRATIONS_H_
#define MESHPROOF_SERVICES_SCHEDULER_MIGRATIONS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "services/scheduler/database.h"

namespace meshproof::scheduler {

struct Migration {
  // 1, 2, 3... without gaps; taken from the file name's number.
  int version;
  const char* name;
  const char* sql;
};

// Returns the scheduler's migrations, in version order.
const std::vector<Migration>& SchedulerMigrations();

// Brings `db` to the newest version in `migrations`. Returns the version now recorded.
// FAILED_PRECONDITION when the database records a version newer than the newest known
// (written by a newer binary); INVALID_ARGUMENT when `migrations` is not numbered 1..N;
// the database's error when a script fails (that script's changes are rolled back).
absl::StatusOr<int> ApplyMigrations(Database* db, const std::vector<Migration>& migrations);

// Returns the version recorded in `db` (0 for a new file).
absl::StatusOr<int> SchemaVersion(Database* db);

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_MIGRATIONS_H_
