// Online backup through SQLite's backup API, retried while the source is busy.
#include "services/results-store/store_backup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/match.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"
#include "services/results-store/backup_path.h"

namespace meshproof::store {

absl::StatusOr<v1::BackupResponse> BackupDatabase(const std::string& path,
                                                  const DatabaseOptions& options,
                                                  const std::string& backup_dir,
                                                  const v1::BackupRequest& request) {
  // Only a new file under the backup folder (backup_path.h): the caller never picks
  // where on the store's host the file lands.
  MP_ASSIGN_OR_RETURN(
      const std::string destination,
      CheckBackupDestination(request.destination(), BackupDirectory(backup_dir, path)));
  struct stat info;
  // A connection of its own: pages are read from consistent snapshots while the writer
  // goes on (SQLite restarts the copy if the source changes between steps).
  DatabaseOptions source_options = options;
  source_options.read_only = true;
  MP_ASSIGN_OR_RETURN(std::unique_ptr<Database> source, Database::Open(path, source_options));
  // Created here, owner-only and never over an existing file, before SQLite writes a
  // page into it: a backup holds everything the store holds.
  const int fd =
      ::open(destination.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    LogError("backup: cannot create ", destination, ": ", std::strerror(errno));
    return absl::UnavailableError("destination: cannot be created");
  }
  ::close(fd);
  sqlite3* target = nullptr;
  if (sqlite3_open_v2(destination.c_str(), &target, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    unlink(destination.c_str());
    LogError("backup: cannot create ", destination, ": ",
             target ? sqlite3_errmsg(target) : "out of memory");
    sqlite3_close(target);
    return absl::UnavailableError("destination: cannot be created");
  }
  sqlite3_backup* backup = sqlite3_backup_init(target, "main", source->raw(), "main");
  if (backup == nullptr) {
    LogError("backup: ", sqlite3_errmsg(target));
    sqlite3_close(target);
    unlink(destination.c_str());
    return absl::InternalError("backup could not start (details in the store's log)");
  }
  int rc;
  int busy_rounds = 0;
  while (true) {
    rc = sqlite3_backup_step(backup, 256);
    if (rc == SQLITE_DONE) break;
    if (rc == SQLITE_OK) continue;
    if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && ++busy_rounds < 500) {
      sqlite3_sleep(10);
      continue;
    }
    break;
  }
  sqlite3_backup_finish(backup);
  const int close_rc = sqlite3_close(target);
  if (rc != SQLITE_DONE || close_rc != SQLITE_OK) {
    LogError("backup to ", destination, " failed: ", sqlite3_errstr(rc));
    unlink(destination.c_str());
    return absl::UnavailableError("backup failed (details in the store's log)");
  }
  if (stat(destination.c_str(), &info) != 0) {
    return absl::InternalError("backup file vanished");
  }
  v1::BackupResponse response;
  response.set_bytes(static_cast<uint64_t>(info.st_size));
  LogInfo("backup written: ", info.st_size, " bytes");
  return response;
}

}  // namespace meshproof::store
