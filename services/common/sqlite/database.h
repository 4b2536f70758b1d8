// A small RAII wrapper over one SQLite connection, shared by the services that own a
// database (the results store, the scheduler): open with WAL and the service's pragmas,
// cached prepared statements, transactions that roll back unless committed, and the
// mapping of SQLite errors to absl::Status codes (details are logged, never returned,
// so no SQL or path reaches a client).
#ifndef MESHPROOF_SERVICES_COMMON_SQLITE_DATABASE_H_
#define MESHPROOF_SERVICES_COMMON_SQLITE_DATABASE_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace meshproof::sqlite {

// Each service sets its own defaults (its database.h derives from this).
struct DatabaseOptions {
  // Named in errors whose details are only logged ("details in the store's log").
  std::string owner = "service";
  // "NORMAL" or "FULL".
  std::string synchronous = "NORMAL";
  // How long a statement waits for another connection's lock before UNAVAILABLE.
  absl::Duration busy_timeout = absl::Seconds(5);
  // Open without the right to write (reader connections).
  bool read_only = false;
  // Page cache per connection, in KiB.
  int cache_kib = 4096;
  // Bytes of the file read through mmap instead of read(); 0 leaves SQLite's default.
  int64_t mmap_bytes = 0;
  // WAL pages after which a commit checkpoints; 0 leaves SQLite's default (1000).
  int wal_autocheckpoint_pages = 0;
  // The name of a registered SQLite VFS to open the file with; empty for the default.
  std::string vfs{};
};

class Database;

// A cached prepared statement in use. Bindings are cleared when it is obtained and the
// statement is reset when the handle goes away, so a read never holds a snapshot open.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  // Binds parameter `index` (1-based).
  Statement& Bind(int index, int64_t value);
  Statement& BindText(int index, absl::string_view value);
  Statement& BindBlob(int index, absl::string_view value);
  Statement& BindNull(int index);

  // Advances to the next row. Returns true on a row, false when done; UNAVAILABLE when
  // the database is busy, INTERNAL otherwise (the statement and error are logged).
  absl::StatusOr<bool> Step();
  // Steps until done (for statements that return no rows), then resets the statement
  // so this handle can be bound and run again.
  absl::Status Run();
  // Ends the current execution (after a read that stopped at done) so the statement can
  // be bound again.
  void Reset() { sqlite3_reset(stmt_); }

  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string Text(int column) const;
  // Valid until the next Step() or the handle goes away.
  absl::string_view Blob(int column) const;

 private:
  friend class Database;
  Statement(Database* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Database* db_;
  sqlite3_stmt* stmt_;
};

class Database {
 public:
  // Opens (creating when allowed) the database at `path` and applies WAL, foreign keys,
  // the busy timeout and `synchronous`. Returns UNAVAILABLE when the file cannot be
  // opened, INTERNAL when it is not a usable SQLite database.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path,
                                                        const DatabaseOptions& options);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements without results (schema, pragmas, BEGIN/COMMIT).
  absl::Status Exec(absl::string_view sql);
  // Returns the cached statement for `sql`, preparing it the first time.
  absl::StatusOr<Statement> Prepare(absl::string_view sql);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t Changes() const { return sqlite3_changes64(db_); }
  int64_t LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
  // Returns the status for SQLite result code `rc` and logs the details with `context`.
  absl::Status Error(int rc, absl::string_view context) const;
  sqlite3* raw() const { return db_; }

 private:
  Database(sqlite3* db, std::string owner) : db_(db), owner_(std::move(owner)) {}
  sqlite3* db_;
  std::string owner_;
  absl::flat_hash_map<std::string, sqlite3_stmt*> statements_;
};

// A transaction that rolls back when it goes away uncommitted.
class Transaction {
 public:
  // Begins an IMMEDIATE transaction (takes the write lock now, so a writer never fails
  // half-way on a lock upgrade) or a deferred one for consistent multi-statement reads.
  static absl::StatusOr<Transaction> Begin(Database* db, bool immediate);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  absl::Status Commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace meshproof::sqlite

#endif  // MESHPROOF_SERVICES_COMMON_SQLITE_DATABASE_H_
