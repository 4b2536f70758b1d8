// The store's database: the shared SQLite wrapper (services/common/sqlite) with the
// store's defaults.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_DATABASE_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_DATABASE_H_

#include <cstdint>

#include "services/common/sqlite/database.h"

namespace meshproof::store {

using ::meshproof::sqlite::Database;
using ::meshproof::sqlite::Statement;
using ::meshproof::sqlite::Transaction;

struct DatabaseOptions : ::meshproof::sqlite::DatabaseOptions {
  DatabaseOptions() {
    owner = "store";
    synchronous = "NORMAL";  // docs/store.md says why
    cache_kib = 16384;
    // A history query touches a few pages in each of hundreds of runs: a page fault
    // beats a read() syscall per page.
    mmap_bytes = int64_t{4} << 30;
    // A night's writes touch the same pages over and over (the runs' index entries, the
    // right edge of `results`): checkpointing every 10,000 WAL pages (40 MB) instead of
    // SQLite's 1,000 copies each back and syncs the file a tenth as often (measured:
    // about 15 % of the ingest time). The cost is a WAL of up to ~40 MB on disk, read
    // once at open after a crash.
    wal_autocheckpoint_pages = 10000;
  }
};

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_DATABASE_H_
