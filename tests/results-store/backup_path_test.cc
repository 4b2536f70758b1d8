// Backup writes only under the store's backup directory: paths outside it, through a
// symlinked folder that leads out, with .. components, or onto a dangling symlink are
// refused and nothing is created; a new file inside it is written.
#include "services/results-store/backup_path.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "services/results-store/results_store.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::store {
namespace {

using ::meshproof::testing::TempDir;
using ::testing::HasSubstr;

bool Exists(const std::string& path) {
  struct stat info;
  return lstat(path.c_str(), &info) == 0;
}

TEST(BackupPathTest, DefaultDirectoryIsTheDatabaseFolder) {
  EXPECT_EQ(BackupDirectory("", "/var/lib/meshproof/store.db"), "/var/lib/meshproof");
  EXPECT_EQ(BackupDirectory("/backups", "/var/lib/meshproof/store.db"), "/backups");
  EXPECT_EQ(BackupDirectory("", "store.db"), ".");
}

TEST(BackupPathTest, OnlyNewFilesUnderTheDirectory) {
  TempDir inside, outside;
  ASSERT_EQ(mkdir(inside.File("sub").c_str(), 0700), 0);
  EXPECT_TRUE(CheckBackupDestination(inside.File("a.db"), inside.path()).ok());
  EXPECT_TRUE(CheckBackupDestination(inside.File("sub/a.db"), inside.path()).ok());

  EXPECT_EQ(CheckBackupDestination(outside.File("a.db"), inside.path()).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckBackupDestination("/etc/cron.d/x", inside.path()).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckBackupDestination(inside.File("../x.db"), inside.path()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckBackupDestination("relative.db", inside.path()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckBackupDestination(inside.path() + "/", inside.path()).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A folder inside that is a symlink leading out.
  ASSERT_EQ(symlink(outside.path().c_str(), inside.File("out").c_str()), 0);
  EXPECT_EQ(CheckBackupDestination(inside.File("out/a.db"), inside.path()).status().code(),
            absl::StatusCode::kPermissionDenied);
  // A dangling symlink: SQLite would create its target.
  ASSERT_EQ(symlink(outside.File("target.db").c_str(), inside.File("link.db").c_str()), 0);
  EXPECT_EQ(CheckBackupDestination(inside.File("link.db"), inside.path()).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE(Exists(outside.File("target.db")));
}

TEST(BackupPathTest, StoreRefusesBackupOutsideAndWritesNothing) {
  TempDir db_dir, backups, elsewhere;
  ::meshproof::testing::FakeClock clock;
  ResultsStoreOptions options;
  options.backup_dir = backups.path();
  auto store = ResultsStore::Open(db_dir.File("store.db"), options, &clock);
  ASSERT_TRUE(store.ok()) << store.status();

  v1::BackupRequest request;
  request.set_destination(elsewhere.File("stolen.db"));
  absl::StatusOr<v1::BackupResponse> refused = (*store)->Backup(request);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("destination"));
  EXPECT_FALSE(Exists(elsewhere.File("stolen.db")));
  // Not next to the database either, once a backup directory is configured.
  request.set_destination(db_dir.File("copy.db"));
  EXPECT_EQ((*store)->Backup(request).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_FALSE(Exists(db_dir.File("copy.db")));

  request.set_destination(backups.File("nightly.db"));
  absl::StatusOr<v1::BackupResponse> written = (*store)->Backup(request);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_GT(written->bytes(), 0u);
  EXPECT_TRUE(Exists(backups.File("nightly.db")));
}

}  // namespace
}  // namespace meshproof::store
