// Where Backup may write: only new files directly inside, or in existing folders under,
// the store's backup directory (`backup_dir` in the config; by default the folder of the
// database file). A caller with the admin role therefore cannot make the store write
// over, or create, a file anywhere else on its host.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_BACKUP_PATH_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_BACKUP_PATH_H_

#include <string>

#include "absl/status/statusor.h"

namespace meshproof::store {

// Returns the directory Backup writes under: `backup_dir` when set, else the folder of
// `database_path`.
std::string BackupDirectory(const std::string& backup_dir, const std::string& database_path);

// Checks `destination` (a BackupRequest field) against `directory`: an absolute path,
// no "." or ".." components, whose parent folder resolves (through symlinks) to
// `directory` or a folder under it, and that names nothing yet (not even a dangling
// symlink). Returns the path to write. INVALID_ARGUMENT for a malformed path,
// PERMISSION_DENIED for a path outside the directory, ALREADY_EXISTS when the name is
// taken; messages never show the resolved directory.
absl::StatusOr<std::string> CheckBackupDestination(const std::string& destination,
                                                   const std::string& directory);

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_BACKUP_PATH_H_
