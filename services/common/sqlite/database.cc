#include "services/common/sqlite/database.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"

namespace meshproof::sqlite {

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_reset(stmt_);
}

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::BindText(int index, absl::string_view value) {
  sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Statement& Statement::BindBlob(int index, absl::string_view value) {
  // A zero-length blob must still be a blob, not NULL: data() may be null for "".
  sqlite3_bind_blob64(stmt_, index, value.empty() ? "" : value.data(), value.size(),
                      SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

absl::StatusOr<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error(rc, sqlite3_sql(stmt_));
}

absl::Status Statement::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok() || !*row) {
      // Reset so the statement can be bound again by the next caller of this handle.
      sqlite3_reset(stmt_);
      return row.status();
    }
  }
}

std::string Statement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt_, column));
}

absl::string_view Statement::Blob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  if (data == nullptr) return "";
  return absl::string_view(static_cast<const char*>(data), sqlite3_column_bytes(stmt_, column));
}

namespace {

// Makes the database file, and the -wal and -shm files SQLite will create beside it with
// the database file's mode, readable by the owner only: they hold runs, results and (in
// the scheduler) secret variable values. A file left looser by an older version is
// tightened.
absl::Status MakeOwnerOnly(const std::string& path) {
  if (path.empty() || path == ":memory:") return absl::OkStatus();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open database: ", path, ": ", std::strerror(errno)));
  }
  struct stat info;
  if (::fstat(fd, &info) == 0 && (info.st_mode & 077) != 0) ::fchmod(fd, 0600);
  ::close(fd);
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string side = path + suffix;
    if (::stat(side.c_str(), &info) == 0 && (info.st_mode & 077) != 0) {
      ::chmod(side.c_str(), 0600);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path,
                                                         const DatabaseOptions& options) {
  if (options.synchronous != "NORMAL" && options.synchronous != "FULL") {
    return absl::InvalidArgumentError(
        absl::StrCat("synchronous: expected NORMAL or FULL, got \"", options.synchronous, "\""));
  }
  if (!options.read_only) MP_RETURN_IF_ERROR(MakeOwnerOnly(path));
  sqlite3* raw = nullptr;
  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags,
                                 options.vfs.empty() ? nullptr : options.vfs.c_str());
  if (rc != SQLITE_OK) {
    std::string message = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    return absl::UnavailableError(absl::StrCat("cannot open database: ", message));
  }
  sqlite3_extended_result_codes(raw, 1);
  std::unique_ptr<Database> db(new Database(raw, options.owner));
  sqlite3_busy_timeout(raw, static_cast<int>(absl::ToInt64Milliseconds(options.busy_timeout)));
  // journal_mode is persistent in the file; a reader cannot set it but finds it set.
  if (!options.read_only) MP_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL"));
  MP_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys=ON"));
  MP_RETURN_IF_ERROR(db->Exec(absl::StrCat("PRAGMA synchronous=", options.synchronous)));
  MP_RETURN_IF_ERROR(db->Exec(absl::StrCat("PRAGMA cache_size=-", options.cache_kib)));
  if (!options.read_only && options.wal_autocheckpoint_pages > 0) {
    MP_RETURN_IF_ERROR(
        db->Exec(absl::StrCat("PRAGMA wal_autocheckpoint=", options.wal_autocheckpoint_pages)));
  }
  if (options.mmap_bytes > 0) {
    MP_RETURN_IF_ERROR(db->Exec(absl::StrCat("PRAGMA mmap_size=", options.mmap_bytes)));
  }
  return db;
}

Database::~Database() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

absl::Status Database::Exec(absl::string_view sql) {
  const std::string text(sql);
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  sqlite3_free(error);
  if (rc != SQLITE_OK) return Error(rc, text);
  return absl::OkStatus();
}

absl::StatusOr<Statement> Database::Prepare(absl::string_view sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return Error(rc, sql);
    it = statements_.emplace(std::string(sql), stmt).first;
  }
  sqlite3_clear_bindings(it->second);
  return Statement(this, it->second);
}

absl::Status Database::Error(int rc, absl::string_view context) const {
  LogError("sqlite error ", rc, " (", sqlite3_errstr(rc), "): ", sqlite3_errmsg(db_),
           " in: ", context);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return absl::UnavailableError("the database is busy; retry");
    case SQLITE_FULL: return absl::ResourceExhaustedError("the database disk is full");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::InternalError("the database file is damaged or not a database");
    case SQLITE_READONLY: return absl::InternalError("the database is read-only");
    default:
      return absl::InternalError(
          absl::StrCat("database error (details in the ", owner_, "'s log)"));
  }
}

absl::StatusOr<Transaction> Transaction::Begin(Database* db, bool immediate) {
  // Cached like any statement: sqlite3_exec would parse BEGIN (and COMMIT) anew for
  // every transaction, which a writer committing per call pays thousands of times a second.
  MP_ASSIGN_OR_RETURN(Statement begin, db->Prepare(immediate ? "BEGIN IMMEDIATE" : "BEGIN"));
  MP_RETURN_IF_ERROR(begin.Run());
  return Transaction(db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
  if (db_ != nullptr && !sqlite3_get_autocommit(db_->raw())) {
    // Nothing useful to do with a failed rollback: the connection reports it next time.
    (void)db_->Exec("ROLLBACK");
  }
}

absl::Status Transaction::Commit() {
  Database* db = std::exchange(db_, nullptr);
  absl::StatusOr<Statement> commit = db->Prepare("COMMIT");
  absl::Status status = commit.ok() ? commit->Run() : commit.status();
  if (!status.ok() && !sqlite3_get_autocommit(db->raw())) (void)db->Exec("ROLLBACK");
  return status;
}

}  // namespace meshproof::sqlite
