// How a results store is opened: database settings, batch limit, reader count, group
// commit and start-up warming. Shared by the front (results_store.h), the writer and the
// queries.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_RESULTS_STORE_OPTIONS_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_RESULTS_STORE_OPTIONS_H_

#include <cstdint>
#include <string>

#include "services/results-store/database.h"
#include "services/results-store/group_commit.h"
#include "services/results-store/store_limits.h"

namespace meshproof::store {

struct ResultsStoreOptions {
  DatabaseOptions database;
  // Results per AppendResults call, 1..kMaxBatch.
  int max_batch = kMaxBatch;
  // Read-only connections for concurrent readers.
  int readers = 4;
  // How queued writes are committed together.
  GroupCommitOptions group_commit;
  // A database file up to this size is read once by every reader at Open (the results
  // table and the history index), so its pages are mapped before the first query rather
  // than faulted in by it; 0 turns this off. Larger files are not warmed: reading them
  // whole could take longer than the first queries' faults ever would.
  int64_t warm_limit_bytes = int64_t{1} << 30;
  // Backup writes only under this folder (backup_path.h); empty means the folder of the
  // database file.
  std::string backup_dir;
};

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_RESULTS_STORE_OPTIONS_H_
