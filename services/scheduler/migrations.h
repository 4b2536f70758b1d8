// The scheduler's schema migrations: the scripts of migrations/scheduler/, compiled into the binary
// (SchedulerMigrations.cc is generated at build time), applied by the shared runner.
#ifndef MESHPROOF_SERVICES_SCHEDULER_MIGRATIONS_H_
#define MESHPROOF_SERVICES_SCHEDULER_MIGRATIONS_H_

#include <vector>

#include "services/common/sqlite/migrations.h"
#include "services/scheduler/database.h"

namespace meshproof::scheduler {

using ::meshproof::sqlite::Migration;
using ::meshproof::sqlite::SchemaVersion;

// Returns the scheduler's migrations, in version order.
const std::vector<Migration>& SchedulerMigrations();

// Brings `db` to the newest version in `migrations` (see sqlite::ApplyMigrations).
inline absl::StatusOr<int> ApplyMigrations(Database* db, const std::vector<Migration>& migrations) {
  return ::meshproof::sqlite::ApplyMigrations(db, migrations, "meshproof-scheduler");
}

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_MIGRATIONS_H_
