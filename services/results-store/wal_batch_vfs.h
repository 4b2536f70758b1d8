// A SQLite VFS for the store's write connection that hands a transaction's WAL frames
// to the kernel in one write instead of two per page.
//
// SQLite writes each WAL frame as a 24-byte header and then the page (two pwrite calls,
// each covering parts of two kernel pages, since a frame is 4,120 bytes). With one
// commit per call and about five pages per commit, those writes were most of the cost
// of a commit (a fifth of the ingest CPU, measured). This VFS wraps the default one and
// changes only the WAL file's writes: contiguous writes are gathered in memory and
// written together when the commit frame (the frame whose header carries the database
// size) has been written — inside that xWrite call, so a failed write fails the commit
// as before — or before anything else touches the file (read, sync, truncate, size,
// a write elsewhere, close). Nothing is acknowledged earlier than before: a commit
// returns after its frames are in the file, and only then does SQLite publish it to
// readers (the WAL index header), as it does without this VFS. A crash before that
// loses exactly what it lost before: a transaction that had not committed.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_WAL_BATCH_VFS_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_WAL_BATCH_VFS_H_

#include "absl/status/statusor.h"

namespace meshproof::store {

// Registers the VFS (once per process; later calls return the same name) and returns
// its name, for sqlite3_open_v2. INTERNAL when SQLite has no default VFS to wrap.
absl::StatusOr<const char*> WalBatchVfsName();

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_WAL_BATCH_VFS_H_
