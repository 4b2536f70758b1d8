// GroupCommit: the store's write path. Every write (BeginRun, AppendResults, FinishRun)
// is queued; whichever caller finds no writer at work becomes the writer and runs the
// queued writes in one IMMEDIATE transaction, each inside a SAVEPOINT of its own, then
// commits once. A write that fails rolls back to its savepoint alone; the others of its
// group still commit. A group of one write (the usual case with one writer) runs
// without a savepoint: the transaction's rollback undoes exactly that write. Callers return only
// after the commit their write was part of, so an acknowledged write is always durable as far as
// `synchronous` promises, and a rejected one changed nothing.
//
// One commit for a group of writes is what makes concurrent writers cheap: a commit
// rewrites every page the transaction touched to the WAL, and writes queued together
// share those pages. With one writer at a time, a group is that one write.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_GROUP_COMMIT_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_GROUP_COMMIT_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/results-store/database.h"

namespace meshproof::store {

struct GroupCommitOptions {
  // Writes committed together at most; bounds a transaction (and the wait of the first
  // write of a group) when many callers queue at once.
  int max_group = 64;
  // Test seam: called by the writer with the group's size after its writes ran and
  // before COMMIT, with the connection locked.
  std::function<void(int group_size)> before_commit;
};

class GroupCommit {
 public:
  // `db` is the store's write connection and `db_mu` the mutex guarding it (the writer
  // holds it for a whole group; other users of the connection take it too).
  // `after_rollback` runs, with `db_mu` held, whenever a write or a group was rolled
  // back, so the caller can drop state cached from rolled-back rows.
  GroupCommit(Database* db, absl::Mutex* db_mu, std::function<void()> after_rollback,
              GroupCommitOptions options);
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Runs `write` with `db_mu` held, inside a transaction and a savepoint of its own,
  // and returns once that transaction committed or was rolled back. Returns the write's
  // own error (its changes rolled back, the group's other writes unaffected), or the
  // error of BEGIN/COMMIT (UNAVAILABLE when busy, RESOURCE_EXHAUSTED when the disk is
  // full, INTERNAL otherwise): then nothing of the group was stored and a retry is safe.
  absl::Status Run(absl::FunctionRef<absl::Status()> write);

  // Waits up to `timeout` until at least `n` writes wait in the queue (not counting the
  // group being written). Returns whether they do. For tests that build a group.
  bool AwaitQueued(int n, absl::Duration timeout);

  // Groups and writes run so far (the mean group size is writes / groups).
  struct Counts {
    int64_t groups = 0;
    int64_t writes = 0;
  };
  Counts counts();

 private:
  struct Pending {
    absl::FunctionRef<absl::Status()> write;
    absl::Status status;
    bool done = false;
  };

  // Runs one group in one transaction and sets every member's status.
  void CommitGroup(const std::vector<Pending*>& group);
  // The two ways of CommitGroup, with the connection locked and `tx` begun. Each returns
  // whether anything was rolled back.
  bool CommitAlone(Pending* p, Transaction tx);
  bool CommitTogether(const std::vector<Pending*>& group, Transaction tx);

  Database* const db_;
  absl::Mutex* const db_mu_;
  const std::function<void()> after_rollback_;
  const GroupCommitOptions options_;

  absl::Mutex mu_;
  std::deque<Pending*> queue_ ABSL_GUARDED_BY(mu_);
  // Whether a caller is the writer now.
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  Counts counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_GROUP_COMMIT_H_
