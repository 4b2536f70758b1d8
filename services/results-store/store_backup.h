// Online backup of a results store: a copy of the database file taken with SQLite's
// backup API on a connection of its own, so writes and queries go on meanwhile.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_STORE_BACKUP_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_STORE_BACKUP_H_

#include <string>

#include "absl/status/statusor.h"
#include "meshproof/store/v1/store.pb.h"
#include "services/results-store/database.h"

namespace meshproof::store {

// Copies the database at `path` to request.destination, a few pages at a time. The
// destination must be a new file under `backup_dir` (empty: the database's folder; see
// backup_path.h for the rule and its errors); UNAVAILABLE when it cannot be written.
absl::StatusOr<v1::BackupResponse> BackupDatabase(const std::string& path,
                                                  const DatabaseOptions& options,
                                                  const std::string& backup_dir,
                                                  const v1::BackupRequest& request);

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_STORE_BACKUP_H_
