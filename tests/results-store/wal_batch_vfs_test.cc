// The WAL-batching VFS: a commit's frames are in the file when COMMIT returns (another
// connection sees them, a process that dies right after leaves them behind), a
// transaction larger than the batch or the page cache reads back what it wrote, and
// FULL synchronous works through it.
#include "services/results-store/wal_batch_vfs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "services/results-store/database.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::store {
namespace {

using ::meshproof::testing::TempDir;

// The test's rows: row i holds a blob of `bytes` bytes, each equal to i % 251.
std::string Blob(int i, int bytes) { return std::string(bytes, static_cast<char>(i % 251)); }

std::unique_ptr<Database> OpenBatched(const std::string& path, const std::string& synchronous,
                                      int cache_kib = 4096) {
  absl::StatusOr<const char*> vfs = WalBatchVfsName();
  EXPECT_TRUE(vfs.ok()) << vfs.status();
  ::meshproof::sqlite::DatabaseOptions options;
  options.synchronous = synchronous;
  options.cache_kib = cache_kib;
  options.vfs = *vfs;
  auto db = Database::Open(path, options);
  EXPECT_TRUE(db.ok()) << db.status();
  return db.ok() ? std::move(*db) : nullptr;
}

// Checks, through `db`, that rows 0..n-1 are there whole. Returns how many rows exist.
int64_t CheckRows(Database* db, int n, int bytes) {
  Statement stmt = *db->Prepare("SELECT id, v FROM t ORDER BY id");
  int64_t rows = 0;
  while (true) {
    absl::StatusOr<bool> row = stmt.Step();
    EXPECT_TRUE(row.ok()) << row.status();
    if (!row.ok() || !*row) break;
    EXPECT_EQ(stmt.Int(0), rows);
    EXPECT_EQ(stmt.Blob(1), Blob(static_cast<int>(rows), bytes)) << "row " << rows;
    ++rows;
  }
  EXPECT_EQ(rows, n);
  return rows;
}

void WriteRows(Database* db, int from, int to, int bytes) {
  Statement insert = *db->Prepare("INSERT INTO t (id, v) VALUES (?1, ?2)");
  for (int i = from; i < to; ++i) MP_ASSERT_OK(insert.Bind(1, i).BindBlob(2, Blob(i, bytes)).Run());
}

class WalBatchVfsTest : public ::testing::TestWithParam<std::string> {
 protected:
  TempDir dir_;
};

TEST_P(WalBatchVfsTest, EveryCommitIsVisibleToAnotherConnectionAtOnce) {
  const std::string path = dir_.File("v.db");
  std::unique_ptr<Database> writer = OpenBatched(path, GetParam());
  ASSERT_NE(writer, nullptr);
  MP_ASSERT_OK(writer->Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)"));
  auto reader = Database::Open(path, {.read_only = true});
  ASSERT_TRUE(reader.ok()) << reader.status();
  // Rows of a few pages each, so a commit writes several frames; 300 commits go past
  // the WAL's automatic checkpoint and restart.
  constexpr int kBytes = 9000;
  for (int i = 0; i < 300; ++i) {
    MP_ASSERT_OK_AND_ASSIGN(Transaction tx, Transaction::Begin(writer.get(), true));
    WriteRows(writer.get(), i, i + 1, kBytes);
    MP_ASSERT_OK(tx.Commit());
    ASSERT_EQ(CheckRows(reader->get(), i + 1, kBytes), i + 1) << "after commit " << i;
  }
}

TEST_P(WalBatchVfsTest, ATransactionLargerThanTheCacheAndTheBatchReadsItsOwnPages) {
  const std::string path = dir_.File("v.db");
  // A 256 KiB cache makes the transaction spill frames to the WAL before its commit;
  // 12 MB is more than one batch.
  std::unique_ptr<Database> writer = OpenBatched(path, GetParam(), /*cache_kib=*/256);
  ASSERT_NE(writer, nullptr);
  MP_ASSERT_OK(writer->Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)"));
  constexpr int kBytes = 3000;
  MP_ASSERT_OK_AND_ASSIGN(Transaction tx, Transaction::Begin(writer.get(), true));
  WriteRows(writer.get(), 0, 4000, kBytes);
  // Reading inside the transaction goes through pages that were spilled to the WAL.
  CheckRows(writer.get(), 4000, kBytes);
  MP_ASSERT_OK(tx.Commit());
  auto reader = Database::Open(path, {.read_only = true});
  ASSERT_TRUE(reader.ok()) << reader.status();
  CheckRows(reader->get(), 4000, kBytes);
}

TEST_P(WalBatchVfsTest, CommitsSurviveAProcessThatDiesWithoutClosing) {
  const std::string path = dir_.File("v.db");
  constexpr int kBytes = 5000;
  constexpr int kCommits = 50;
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // No close, no checkpoint: what is committed is only in the WAL file.
    std::unique_ptr<Database> writer = OpenBatched(path, GetParam());
    if (writer == nullptr ||
        !writer->Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)").ok()) {
      _exit(2);
    }
    (void)writer->Exec("PRAGMA wal_autocheckpoint=0");
    for (int i = 0; i < kCommits; ++i) {
      Statement insert = *writer->Prepare("INSERT INTO t (id, v) VALUES (?1, ?2)");
      if (!insert.Bind(1, i).BindBlob(2, Blob(i, kBytes)).Run().ok()) _exit(3);
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto db = Database::Open(path, {});
  ASSERT_TRUE(db.ok()) << db.status();
  CheckRows(db->get(), kCommits, kBytes);
}

INSTANTIATE_TEST_SUITE_P(Synchronous, WalBatchVfsTest, ::testing::Values("NORMAL", "FULL"));

}  // namespace
}  // namespace meshproof::store
