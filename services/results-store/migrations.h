// The store's schema migrations: the scripts of migrations/results/, compiled into the binary
// (ResultsMigrations.cc is generated at build time), applied by the shared runner.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_MIGRATIONS_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_MIGRATIONS_H_

#include <vector>

#include "services/common/sqlite/migrations.h"
#include "services/results-store/database.h"

namespace meshproof::store {

using ::meshproof::sqlite::Migration;
using ::meshproof::sqlite::SchemaVersion;

// Returns the store's migrations, in version order.
const std::vector<Migration>& ResultsMigrations();

// Brings `db` to the newest version in `migrations` (see sqlite::ApplyMigrations).
inline absl::StatusOr<int> ApplyMigrations(Database* db, const std::vector<Migration>& migrations) {
  return ::meshproof::sqlite::ApplyMigrations(db, migrations, "meshproof-store");
}

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_MIGRATIONS_H_
