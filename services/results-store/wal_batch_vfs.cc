// The WAL-batching VFS (wal_batch_vfs.h). Every method but the WAL file's writes is
// passed to the default VFS unchanged.
#include "services/results-store/wal_batch_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <vector>

namespace meshproof::store {
namespace {

constexpr char kVfsName[] = "meshproof-wal-batch";
// A WAL frame header: page number, database size after commit (0 unless this frame
// commits), two salts, two checksums, each a big-endian 32-bit word.
constexpr int kFrameHeaderBytes = 24;
// A transaction larger than this (a spill of the page cache) is written in pieces.
constexpr size_t kMaxPendingBytes = size_t{4} << 20;
// The most handed to the default VFS's xWrite at once (see Flush).
constexpr size_t kMaxWriteBytes = size_t{64} << 10;

// The VFS this one wraps, set once at registration.
sqlite3_vfs* g_real = nullptr;

// One open file: our header, then the default VFS's file object (szOsFile is the sum).
struct BatchFile {
  sqlite3_file base;
  sqlite3_file* real;
  // Only the WAL file gathers writes; everything else passes through.
  bool wal;
  // Bytes written by SQLite but not yet to the file, which start at pending_offset.
  std::vector<char>* pending;
  sqlite3_int64 pending_offset;
  // The last write was the header of a commit frame: its page completes the commit.
  bool commit_frame_started;
};

BatchFile* AsBatch(sqlite3_file* file) { return reinterpret_cast<BatchFile*>(file); }

int Flush(BatchFile* f) {
  if (f->pending == nullptr || f->pending->empty()) return SQLITE_OK;
  // The unix VFS writes at most the low 17 bits of a length in one call (a multiple of
  // 128 KiB would come out as nothing written, reported as a full disk): hand it
  // pieces it takes whole.
  int rc = SQLITE_OK;
  for (size_t done = 0; done < f->pending->size() && rc == SQLITE_OK; done += kMaxWriteBytes) {
    const size_t n = std::min(kMaxWriteBytes, f->pending->size() - done);
    rc = f->real->pMethods->xWrite(f->real, f->pending->data() + done, static_cast<int>(n),
                                   f->pending_offset + static_cast<sqlite3_int64>(done));
  }
  // On failure the transaction fails and SQLite rolls it back: nothing to keep.
  f->pending->clear();
  f->commit_frame_started = false;
  return rc;
}

int Close(sqlite3_file* file) {
  BatchFile* f = AsBatch(file);
  int rc = Flush(f);
  const int close_rc = f->real->pMethods->xClose(f->real);
  if (rc == SQLITE_OK) rc = close_rc;
  delete f->pending;
  f->pending = nullptr;
  return rc;
}

int Read(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
  BatchFile* f = AsBatch(file);
  if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xRead(f->real, buffer, amount, offset);
}

int Write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  BatchFile* f = AsBatch(file);
  if (!f->wal) return f->real->pMethods->xWrite(f->real, data, amount, offset);
  std::vector<char>& pending = *f->pending;
  if (!pending.empty() &&
      (offset != f->pending_offset + static_cast<sqlite3_int64>(pending.size()) ||
       pending.size() + amount > kMaxPendingBytes)) {
    if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  }
  if (pending.empty()) f->pending_offset = offset;
  const char* bytes = static_cast<const char*>(data);
  pending.insert(pending.end(), bytes, bytes + amount);
  if (amount == kFrameHeaderBytes) {
    const auto* b = reinterpret_cast<const unsigned char*>(bytes);
    const uint32_t commit_size =
        (uint32_t{b[4]} << 24) | (uint32_t{b[5]} << 16) | (uint32_t{b[6]} << 8) | uint32_t{b[7]};
    f->commit_frame_started = commit_size != 0;
    return SQLITE_OK;
  }
  if (f->commit_frame_started) {
    // The commit frame is complete: the transaction goes to the file now, inside the
    // commit, so a failed write fails the commit and nothing is published to readers.
    return Flush(f);
  }
  return SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  BatchFile* f = AsBatch(file);
  if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xTruncate(f->real, size);
}

int Sync(sqlite3_file* file, int flags) {
  BatchFile* f = AsBatch(file);
  if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xSync(f->real, flags);
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  BatchFile* f = AsBatch(file);
  if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileSize(f->real, size);
}

int Lock(sqlite3_file* file, int level) {
  BatchFile* f = AsBatch(file);
  return f->real->pMethods->xLock(f->real, level);
}

int Unlock(sqlite3_file* file, int level) {
  BatchFile* f = AsBatch(file);
  return f->real->pMethods->xUnlock(f->real, level);
}

int CheckReservedLock(sqlite3_file* file, int* out) {
  BatchFile* f = AsBatch(file);
  return f->real->pMethods->xCheckReservedLock(f->real, out);
}

int FileControl(sqlite3_file* file, int op, void* arg) {
  BatchFile* f = AsBatch(file);
  if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileControl(f->real, op, arg);
}

int SectorSize(sqlite3_file* file) {
  BatchFile* f = AsBatch(file);
  return f->real->pMethods->xSectorSize(f->real);
}

int DeviceCharacteristics(sqlite3_file* file) {
  BatchFile* f = AsBatch(file);
  return f->real->pMethods->xDeviceCharacteristics(f->real);
}

int ShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  BatchFile* f = AsBatch(file);
  return f->real->pMethods->xShmMap(f->real, region, size, extend, out);
}

int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  BatchFile* f = AsBatch(file);
  return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

void ShmBarrier(sqlite3_file* file) {
  BatchFile* f = AsBatch(file);
  f->real->pMethods->xShmBarrier(f->real);
}

int ShmUnmap(sqlite3_file* file, int delete_flag) {
  BatchFile* f = AsBatch(file);
  return f->real->pMethods->xShmUnmap(f->real, delete_flag);
}

int Fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  BatchFile* f = AsBatch(file);
  if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFetch(f->real, offset, amount, out);
}

int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  BatchFile* f = AsBatch(file);
  return f->real->pMethods->xUnfetch(f->real, offset, page);
}

const sqlite3_io_methods kMethods = {
    /*iVersion=*/3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  BatchFile* f = AsBatch(file);
  f->base.pMethods = nullptr;
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->wal = (flags & SQLITE_OPEN_WAL) != 0;
  f->pending = nullptr;
  f->pending_offset = 0;
  f->commit_frame_started = false;
  const int rc = g_real->xOpen(g_real, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK || f->real->pMethods == nullptr) return rc;
  // The io methods this VFS forwards to must have every method it calls.
  if (f->real->pMethods->iVersion < 3) {
    f->real->pMethods->xClose(f->real);
    return SQLITE_CANTOPEN;
  }
  if (f->wal) f->pending = new (std::nothrow) std::vector<char>();
  if (f->wal && f->pending == nullptr) {
    f->real->pMethods->xClose(f->real);
    return SQLITE_NOMEM;
  }
  f->base.pMethods = &kMethods;
  return SQLITE_OK;
}

int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return g_real->xDelete(g_real, name, sync_dir);
}
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_real->xAccess(g_real, name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_real->xFullPathname(g_real, name, n, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) { return g_real->xDlOpen(g_real, name); }
void DlError(sqlite3_vfs*, int n, char* out) { g_real->xDlError(g_real, n, out); }
void (*DlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return g_real->xDlSym(g_real, handle, symbol);
}
void DlClose(sqlite3_vfs*, void* handle) { g_real->xDlClose(g_real, handle); }
int Randomness(sqlite3_vfs*, int n, char* out) { return g_real->xRandomness(g_real, n, out); }
int Sleep(sqlite3_vfs*, int micros) { return g_real->xSleep(g_real, micros); }
int CurrentTime(sqlite3_vfs*, double* out) { return g_real->xCurrentTime(g_real, out); }
int GetLastError(sqlite3_vfs*, int n, char* out) {
  return g_real->xGetLastError ? g_real->xGetLastError(g_real, n, out) : 0;
}
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  if (g_real->iVersion >= 2 && g_real->xCurrentTimeInt64 != nullptr) {
    return g_real->xCurrentTimeInt64(g_real, out);
  }
  double day;
  const int rc = g_real->xCurrentTime(g_real, &day);
  *out = static_cast<sqlite3_int64>(day * 86400000.0);
  return rc;
}

sqlite3_vfs g_vfs;

}  // namespace

absl::StatusOr<const char*> WalBatchVfsName() {
  static std::once_flag once;
  static int rc = SQLITE_OK;
  std::call_once(once, [] {
    g_real = sqlite3_vfs_find(nullptr);
    if (g_real == nullptr) {
      rc = SQLITE_ERROR;
      return;
    }
    g_vfs = sqlite3_vfs{};
    g_vfs.iVersion = 2;
    g_vfs.szOsFile = static_cast<int>(sizeof(BatchFile)) + g_real->szOsFile;
    g_vfs.mxPathname = g_real->mxPathname;
    g_vfs.zName = kVfsName;
    g_vfs.xOpen = Open;
    g_vfs.xDelete = Delete;
    g_vfs.xAccess = Access;
    g_vfs.xFullPathname = FullPathname;
    g_vfs.xDlOpen = DlOpen;
    g_vfs.xDlError = DlError;
    g_vfs.xDlSym = DlSym;
    g_vfs.xDlClose = DlClose;
    g_vfs.xRandomness = Randomness;
    g_vfs.xSleep = Sleep;
    g_vfs.xCurrentTime = CurrentTime;
    g_vfs.xGetLastError = GetLastError;
    g_vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    rc = sqlite3_vfs_register(&g_vfs, /*makeDflt=*/0);
  });
  if (rc != SQLITE_OK) return absl::InternalError("cannot register the WAL-batching SQLite VFS");
  return kVfsName;
}

}  // namespace meshproof::store
