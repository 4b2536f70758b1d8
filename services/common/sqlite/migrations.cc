#include "services/common/sqlite/migrations.h"

#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"

namespace meshproof::sqlite {

absl::StatusOr<int> SchemaVersion(Database* db) {
  MP_ASSIGN_OR_RETURN(Statement stmt, db->Prepare("PRAGMA user_version"));
  MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? static_cast<int>(stmt.Int(0)) : 0;
}

absl::StatusOr<int> ApplyMigrations(Database* db, const std::vector<Migration>& migrations,
                                    absl::string_view binary) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return absl::InvalidArgumentError(absl::StrCat("migration ", migrations[i].name,
                                                     " is numbered ", migrations[i].version,
                                                     ", expected ", i + 1));
    }
  }
  const int newest = static_cast<int>(migrations.size());
  MP_ASSIGN_OR_RETURN(int version, SchemaVersion(db));
  if (version > newest) {
    return absl::FailedPreconditionError(absl::StrCat("the database has schema version ", version,
                                                      " but this binary knows only up to ", newest,
                                                      "; use a newer ", binary));
  }
  while (version < newest) {
    MP_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db, /*immediate=*/true));
    // Another process may have migrated while this one waited for the write lock.
    MP_ASSIGN_OR_RETURN(version, SchemaVersion(db));
    if (version > newest) {
      return absl::FailedPreconditionError(absl::StrCat("the database has schema version ", version,
                                                        " but this binary knows only up to ",
                                                        newest));
    }
    if (version == newest) break;
    const Migration& m = migrations[version];
    MP_RETURN_IF_ERROR(
        db->Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                 " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"));
    MP_RETURN_IF_ERROR(db->Exec(m.sql));
    MP_ASSIGN_OR_RETURN(Statement record,
                        db->Prepare("INSERT INTO schema_migrations (version, name, applied_at) "
                                    "VALUES (?1, ?2, CAST(unixepoch('now') AS INTEGER))"));
    MP_RETURN_IF_ERROR(record.Bind(1, m.version).BindText(2, m.name).Run());
    // user_version lives in the file header and is part of this transaction.
    MP_RETURN_IF_ERROR(db->Exec(absl::StrCat("PRAGMA user_version=", m.version)));
    MP_RETURN_IF_ERROR(tx.Commit());
    LogInfo("applied migration ", m.name);
    version = m.version;
  }
  return version;
}

}  // namespace meshproof::sqlite
