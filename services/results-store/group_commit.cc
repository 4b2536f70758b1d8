#include "services/results-store/group_commit.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "services/common/log.h"

namespace meshproof::store {
namespace {

// Runs a cached statement without results (savepoints are prepared once, not per write).
absl::Status RunCached(Database* db, absl::string_view sql) {
  absl::StatusOr<Statement> stmt = db->Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  return stmt->Run();
}

bool InTransaction(Database* db) { return sqlite3_get_autocommit(db->raw()) == 0; }

}  // namespace

GroupCommit::GroupCommit(Database* db, absl::Mutex* db_mu, std::function<void()> after_rollback,
                         GroupCommitOptions options)
    : db_(db),
      db_mu_(db_mu),
      after_rollback_(std::move(after_rollback)),
      options_(std::move(options)) {}

absl::Status GroupCommit::Run(absl::FunctionRef<absl::Status()> write) {
  Pending me{write, absl::OkStatus(), false};
  {
    absl::MutexLock lock(&mu_);
    queue_.push_back(&me);
    // Either a writer commits this write with its group, or the writer steps down and
    // this caller takes over.
    struct Ready {
      Pending* me;
      bool* writing;
      bool operator()() const { return me->done || !*writing; }
    };
    Ready ready{&me, &writing_};
    mu_.Await(absl::Condition(&ready));
    if (me.done) return me.status;
    writing_ = true;
  }
  // This caller is the writer: it commits groups, oldest writes first, until its own
  // write is done, then hands over to a waiting caller, so no caller writes for others
  // for long.
  while (true) {
    std::vector<Pending*> group;
    {
      absl::MutexLock lock(&mu_);
      const size_t n = std::min<size_t>(queue_.size(), std::max(1, options_.max_group));
      group.assign(queue_.begin(), queue_.begin() + n);
      queue_.erase(queue_.begin(), queue_.begin() + n);
      ++counts_.groups;
      counts_.writes += static_cast<int64_t>(n);
    }
    CommitGroup(group);
    absl::MutexLock lock(&mu_);
    for (Pending* p : group) p->done = true;
    if (me.done) {
      writing_ = false;
      return me.status;
    }
  }
}

void GroupCommit::CommitGroup(const std::vector<Pending*>& group) {
  absl::MutexLock lock(db_mu_);
  bool rolled_back = false;
  {
    absl::StatusOr<Transaction> tx = Transaction::Begin(db_, /*immediate=*/true);
    if (!tx.ok()) {
      for (Pending* p : group) p->status = tx.status();
      return;
    }
    rolled_back = group.size() == 1 ? CommitAlone(group.front(), *std::move(tx))
                                    : CommitTogether(group, *std::move(tx));
  }
  if (rolled_back && after_rollback_) after_rollback_();
}

bool GroupCommit::CommitAlone(Pending* p, Transaction tx) {
  // A group of one needs no savepoint: rolling back the whole transaction undoes exactly
  // this write, and a savepoint would copy every page the write changes into its journal.
  absl::Status status = p->write();
  if (status.ok()) {
    if (options_.before_commit) options_.before_commit(1);
    status = tx.Commit();
  }
  // On failure `tx` rolls back what is left of the transaction when it goes.
  p->status = std::move(status);
  return !p->status.ok();
}

bool GroupCommit::CommitTogether(const std::vector<Pending*>& group, Transaction tx) {
  // Set when a failed write took the whole transaction with it (SQLite rolls back the
  // transaction itself on some I/O and memory errors): the group's other writes are
  // then gone too and must not be acknowledged.
  absl::Status lost;
  bool rolled_back = false;
  for (Pending* p : group) {
    if (!lost.ok()) {
      p->status = lost;
      continue;
    }
    absl::Status status = RunCached(db_, "SAVEPOINT mp_write");
    if (status.ok()) {
      status = p->write();
      if (status.ok()) status = RunCached(db_, "RELEASE mp_write");
    }
    if (!status.ok()) {
      rolled_back = true;
      if (!InTransaction(db_) || !RunCached(db_, "ROLLBACK TO mp_write").ok() ||
          !RunCached(db_, "RELEASE mp_write").ok()) {
        LogError("a failed write rolled back its whole group: ", status.ToString());
        lost = absl::UnavailableError("the write was rolled back with another; retry");
      }
    }
    p->status = std::move(status);
  }
  if (lost.ok() && options_.before_commit) options_.before_commit(static_cast<int>(group.size()));
  absl::Status committed = lost.ok() ? tx.Commit() : lost;
  if (!committed.ok()) {
    // Nothing of the group is stored (Transaction rolls back what Commit did not end):
    // every write that had succeeded reports the failure instead.
    rolled_back = true;
    for (Pending* p : group) {
      if (p->status.ok()) p->status = committed;
    }
  }
  return rolled_back;
}

GroupCommit::Counts GroupCommit::counts() {
  absl::MutexLock lock(&mu_);
  return counts_;
}

bool GroupCommit::AwaitQueued(int n, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  struct Queued {
    const std::deque<Pending*>* queue;
    size_t n;
    bool operator()() const { return queue->size() >= n; }
  };
  Queued queued{&queue_, static_cast<size_t>(n)};
  return mu_.AwaitWithTimeout(absl::Condition(&queued), timeout);
}

}  // namespace meshproof::store
