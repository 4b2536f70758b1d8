// Group commit: writes queued behind the writer commit together, each in its own
// savepoint (a failing one rolls back alone), and no caller returns before the commit
// its write was part of. Groups are built deterministically: the first group's commit is
// held in the before_commit seam until the next writes are seen queued.
#include "services/results-store/group_commit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "services/common/status_macros.h"
#include "tests/results-store/store_fixtures.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::store::testing {
namespace {

using ::meshproof::testing::StatusIs;
using ::meshproof::testing::TempDir;
using result::v1::TEST_VERDICT_FAIL;
using result::v1::TEST_VERDICT_PASS;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::Duration kWait = absl::Seconds(30);

// Holds the first group's commit until released and records every group's size.
class Gate {
 public:
  std::function<void(int)> Hook() {
    return [this](int size) {
      {
        absl::MutexLock lock(&mu_);
        sizes_.push_back(size);
        if (sizes_.size() > 1) {
          if (on_later_commit_) on_later_commit_();
          return;
        }
      }
      holding_.Notify();
      release_.WaitForNotification();
    };
  }
  // Runs `check` inside every commit after the first, before COMMIT.
  void OnLaterCommit(std::function<void()> check) {
    absl::MutexLock lock(&mu_);
    on_later_commit_ = std::move(check);
  }
  bool AwaitHolding() { return holding_.WaitForNotificationWithTimeout(kWait); }
  void Release() { release_.Notify(); }
  std::vector<int> sizes() {
    absl::MutexLock lock(&mu_);
    return sizes_;
  }

 private:
  absl::Notification holding_, release_;
  absl::Mutex mu_;
  std::vector<int> sizes_ ABSL_GUARDED_BY(mu_);
  std::function<void()> on_later_commit_ ABSL_GUARDED_BY(mu_);
};

// GroupCommit over a plain table, so a write can fail after it wrote something.
class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(dir_.File("g.db"), {});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    MP_ASSERT_OK(
        db_->Exec("CREATE TABLE parent (id INTEGER PRIMARY KEY);"
                  "CREATE TABLE t (x INTEGER NOT NULL,"
                  " p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"));
    GroupCommitOptions options;
    options.before_commit = gate_.Hook();
    commit_ = std::make_unique<GroupCommit>(
        db_.get(), &mu_, [this] { ++rollbacks_; }, options);
  }

  // A write inserting x (and, when `fail`, then failing).
  std::function<absl::Status()> Insert(int x, bool fail = false) {
    return [this, x, fail]() -> absl::Status {
      Statement stmt = *db_->Prepare("INSERT INTO t (x) VALUES (?1)");
      MP_RETURN_IF_ERROR(stmt.Bind(1, x).Run());
      if (fail) return absl::InvalidArgumentError("write " + std::to_string(x) + " refused");
      return absl::OkStatus();
    };
  }

  // Starts `write` on a thread of its own and waits until it is queued as the
  // `position`-th write behind the held group.
  void Queue(std::function<absl::Status()> write, absl::Status* status, int position) {
    threads_.emplace_back([this, write = std::move(write), status] {
      *status = commit_->Run(write);
      ++returned_;
    });
    ASSERT_TRUE(commit_->AwaitQueued(position, kWait));
  }

  // Starts the write whose group the gate holds, and waits until it is held.
  void HoldFirstGroup(absl::Status* status) {
    threads_.emplace_back([this, status] { *status = commit_->Run(Insert(0)); });
    ASSERT_TRUE(gate_.AwaitHolding());
  }

  void Finish() {
    gate_.Release();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  std::vector<int64_t> Rows() {
    std::vector<int64_t> rows;
    Statement stmt = *db_->Prepare("SELECT x FROM t ORDER BY x");
    while (*stmt.Step()) rows.push_back(stmt.Int(0));
    return rows;
  }

  TempDir dir_;
  std::unique_ptr<Database> db_;
  absl::Mutex mu_;
  Gate gate_;
  std::unique_ptr<GroupCommit> commit_;
  std::vector<std::thread> threads_;
  std::atomic<int> returned_{0};
  std::atomic<int> rollbacks_{0};
};

TEST_F(GroupCommitTest, OneWriteAloneIsItsOwnGroup) {
  gate_.Release();
  MP_EXPECT_OK(commit_->Run(Insert(1)));
  EXPECT_THAT(gate_.sizes(), ElementsAre(1));
  EXPECT_THAT(Rows(), ElementsAre(1));
}

TEST_F(GroupCommitTest, AFailedWriteAloneLeavesNothingAndTheConnectionUsable) {
  // A group of one runs without a savepoint: the write's row must go with the rollback
  // of the whole transaction, and the caller's state must be forgotten.
  gate_.Release();
  MP_EXPECT_OK(commit_->Run(Insert(1)));
  EXPECT_THAT(commit_->Run(Insert(2, /*fail=*/true)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("write 2 refused")));
  EXPECT_EQ(rollbacks_, 1);
  EXPECT_THAT(Rows(), ElementsAre(1));
  MP_EXPECT_OK(commit_->Run(Insert(3)));
  EXPECT_THAT(Rows(), ElementsAre(1, 3));
  // No COMMIT for the refused write, so no group reached the seam for it.
  EXPECT_THAT(gate_.sizes(), ElementsAre(1, 1));
}

TEST_F(GroupCommitTest, AFailedCommitOfAWriteAloneAcknowledgesNothing) {
  gate_.Release();
  // Succeeds on its own, but leaves a deferred foreign-key violation that fails COMMIT.
  EXPECT_THAT(commit_->Run([this]() -> absl::Status {
    return db_->Exec("INSERT INTO t (x, p) VALUES (2, 99)");
  }),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_EQ(rollbacks_, 1);
  EXPECT_THAT(Rows(), ElementsAre());
  MP_EXPECT_OK(commit_->Run(Insert(1)));
  EXPECT_THAT(Rows(), ElementsAre(1));
}

TEST_F(GroupCommitTest, QueuedWritesCommitTogetherAndAFailedOneRollsBackAlone) {
  absl::Status first, a, b, c;
  HoldFirstGroup(&first);
  Queue(Insert(1), &a, 1);
  Queue(Insert(2, /*fail=*/true), &b, 2);
  Queue(Insert(3), &c, 3);
  Finish();
  EXPECT_THAT(gate_.sizes(), ElementsAre(1, 3));
  MP_EXPECT_OK(first);
  MP_EXPECT_OK(a);
  EXPECT_THAT(b, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("write 2 refused")));
  MP_EXPECT_OK(c);
  // Write 2 inserted its row before failing: its savepoint took the row back, and only it.
  EXPECT_THAT(Rows(), ElementsAre(0, 1, 3));
  EXPECT_EQ(rollbacks_, 1);
  EXPECT_EQ(commit_->counts().groups, 2);
  EXPECT_EQ(commit_->counts().writes, 4);
}

TEST_F(GroupCommitTest, NoWriteIsAcknowledgedBeforeItsGroupCommitted) {
  auto reader = Database::Open(dir_.File("g.db"), {.read_only = true});
  ASSERT_TRUE(reader.ok()) << reader.status();
  int returned_at_commit = -1;
  int64_t visible_at_commit = -1;
  gate_.OnLaterCommit([&] {
    returned_at_commit = returned_;
    Statement count = *(*reader)->Prepare("SELECT count(*) FROM t");
    if (*count.Step()) visible_at_commit = count.Int(0);
  });
  absl::Status first, a, b;
  HoldFirstGroup(&first);
  Queue(Insert(1), &a, 1);
  Queue(Insert(2), &b, 2);
  Finish();
  EXPECT_THAT(gate_.sizes(), ElementsAre(1, 2));
  // Just before the second group's COMMIT: none of its callers had returned, and
  // another connection saw only the first group's row.
  EXPECT_EQ(returned_at_commit, 0);
  EXPECT_EQ(visible_at_commit, 1);
  EXPECT_EQ(returned_, 2);
  EXPECT_THAT(Rows(), ElementsAre(0, 1, 2));
}

TEST_F(GroupCommitTest, AFailedCommitAcknowledgesNoWriteOfItsGroup) {
  absl::Status first, a, b;
  HoldFirstGroup(&first);
  Queue(Insert(1), &a, 1);
  // Succeeds on its own, but leaves a deferred foreign-key violation that fails COMMIT.
  Queue([this]() -> absl::Status { return db_->Exec("INSERT INTO t (x, p) VALUES (2, 99)"); }, &b,
        2);
  Finish();
  MP_EXPECT_OK(first);
  EXPECT_THAT(a, StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(b, StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(Rows(), ElementsAre(0));
  EXPECT_EQ(rollbacks_, 1);
  // The connection is usable again: a retry of the good write goes through.
  MP_EXPECT_OK(commit_->Run(Insert(1)));
  EXPECT_THAT(Rows(), ElementsAre(0, 1));
}

// The store's writes in one group: each keeps its own outcome and atomicity.
TEST(StoreGroupCommitTest, AGroupKeepsEveryWritesOutcomeIdempotencyAndAtomicity) {
  Gate gate;
  StoreHarness h;
  ResultsStoreOptions options;
  options.group_commit.before_commit = gate.Hook();
  MP_ASSERT_OK(h.Open(options));
  std::atomic<int> returned{0};
  absl::StatusOr<v1::RunDetail> r2_at_commit = absl::UnknownError("not checked");
  int returned_at_commit = -1;
  gate.OnLaterCommit([&] {
    returned_at_commit = returned;
    v1::GetRunRequest get;
    get.set_run_id("r2");
    r2_at_commit = h.store->GetRun(get);
  });

  std::vector<std::thread> threads;
  absl::Status blocker;
  threads.emplace_back([&] {
    blocker = h.store->BeginRun(MakeBegin("blocker", "10-ingress", "homelab", Night(1))).status();
  });
  ASSERT_TRUE(gate.AwaitHolding());
  // Queues `call` as the `position`-th write of the next group.
  int position = 0;
  auto queue = [&](std::function<void()> call) {
    threads.emplace_back([&, call] {
      call();
      ++returned;
    });
    ASSERT_TRUE(h.store->AwaitQueuedWrites(++position, kWait));
  };
  absl::StatusOr<v1::BeginRunResponse> begin;
  absl::StatusOr<v1::AppendResultsResponse> append, retry, bad, unknown;
  absl::StatusOr<v1::FinishRunResponse> finish;
  const auto batch =
      MakeAppend("r2", {MakeResult("t1", TEST_VERDICT_PASS), MakeResult("t2", TEST_VERDICT_FAIL)});
  queue([&] { begin = h.store->BeginRun(MakeBegin("r2", "20-egress", "staging", Night(2))); });
  queue([&] { append = h.store->AppendResults(batch); });
  queue([&] { retry = h.store->AppendResults(batch); });
  queue([&] {
    auto wrong = MakeAppend(
        "r2", {MakeResult("t3", TEST_VERDICT_PASS), MakeResult("t4", TEST_VERDICT_PASS)});
    wrong.mutable_results(1)->set_scenario("10-ingress");
    bad = h.store->AppendResults(wrong);
  });
  queue([&] {
    unknown = h.store->AppendResults(MakeAppend("nope", {MakeResult("t1", TEST_VERDICT_PASS)}));
  });
  queue([&] { finish = h.store->FinishRun(MakeFinish("r2", result::v1::RUN_VERDICT_FAILED)); });
  gate.Release();
  for (auto& t : threads) t.join();

  EXPECT_THAT(gate.sizes(), ElementsAre(1, 6));
  MP_EXPECT_OK(blocker);
  EXPECT_EQ(returned_at_commit, 0);
  EXPECT_THAT(r2_at_commit, StatusIs(absl::StatusCode::kNotFound));

  ASSERT_TRUE(begin.ok()) << begin.status();
  EXPECT_TRUE(begin->created());
  ASSERT_TRUE(append.ok()) << append.status();
  EXPECT_EQ(append->inserted(), 2u);
  // The retry in the same group sees the first write's rows.
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->inserted(), 0u);
  EXPECT_EQ(retry->duplicates(), 2u);
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("results[1].scenario")));
  EXPECT_THAT(unknown, StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope")));
  ASSERT_TRUE(finish.ok()) << finish.status();
  EXPECT_TRUE(finish->finished());

  v1::GetRunRequest get;
  get.set_run_id("r2");
  MP_ASSERT_OK_AND_ASSIGN(auto run, h.store->GetRun(get));
  ASSERT_EQ(run.results_size(), 2);
  EXPECT_EQ(run.results(0).test(), "t1");
  EXPECT_EQ(run.results(1).test(), "t2");
  EXPECT_EQ(run.run().verdict(), result::v1::RUN_VERDICT_FAILED);
  EXPECT_EQ(run.run().latest_attempt(), 1u);
}

}  // namespace
}  // namespace meshproof::store::testing
