// Schema migrations: numbered, forward-only SQL scripts applied in order, each in one
// transaction that also records it (PRAGMA user_version plus a schema_migrations row).
// Each service's scripts live in migrations/<service>/ and are compiled into its binary
// by embed_migrations.cmake (beside this file).
#ifndef MESHPROOF_SERVICES_COMMON_SQLITE_MIGRATIONS_H_
#define MESHPROOF_SERVICES_COMMON_SQLITE_MIGRATIONS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/sqlite/database.h"

namespace meshproof::sqlite {

struct Migration {
  // 1, 2, 3... without gaps; taken from the file name's number.
  int version;
  const char* name;
  const char* sql;
};

// Brings `db` to the newest version in `migrations`. Returns the version now recorded.
// FAILED_PRECONDITION when the database records a version newer than the newest known
// (written by a newer binary; the message says to use a newer `binary`); INVALID_ARGUMENT when
// `migrations` is not numbered 1..N; the database's error when a script fails (that script's
// changes are rolled back).
absl::StatusOr<int> ApplyMigrations(Database* db, const std::vector<Migration>& migrations,
                                    absl::string_view binary);

// Returns the version recorded in `db` (0 for a new file).
absl::StatusOr<int> SchemaVersion(Database* db);

}  // namespace meshproof::sqlite

#endif  // MESHPROOF_SERVICES_COMMON_SQLITE_MIGRATIONS_H_
