// The reader pool serves waiting callers in arrival order: a caller that arrives as a
// connection is released does not take it ahead of one already waiting. Without that,
// 200 concurrent API clients saw some queries wait past their 10 s deadline while others
// went straight through.
#include "services/results-store/reader_pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::store {
namespace {

using ::meshproof::testing::TempDir;
using ::testing::ElementsAre;

// Waits (bounded) until `pool` has `n` callers waiting.
bool WaitForWaiting(ReaderPool* pool, int n) {
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (pool->Waiting() != n) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(1));  // polls the pool's own count, bounded
  }
  return true;
}

TEST(ReaderPoolTest, AWaitingCallerIsServedBeforeOneThatArrivesLater) {
  TempDir dir;
  const std::string path = dir.File("r.db");
  {
    MP_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(path, {}));
    MP_ASSERT_OK(db->Exec("CREATE TABLE t (x INTEGER)"));
  }
  MP_ASSERT_OK_AND_ASSIGN(auto pool, ReaderPool::Open(path, 1, {}));

  absl::Mutex mu;
  std::vector<std::string> order;
  auto record = [&](const char* who) {
    absl::MutexLock lock(&mu);
    order.push_back(who);
  };
  std::optional<ReaderPool::Lease> held(pool->Acquire());
  EXPECT_EQ(pool->Waiting(), 0);
  std::thread first([&] {
    ReaderPool::Lease lease = pool->Acquire();
    record("first");
  });
  ASSERT_TRUE(WaitForWaiting(pool.get(), 1));
  // Release and ask again at once: the connection goes to the caller already waiting.
  held.reset();
  {
    ReaderPool::Lease lease = pool->Acquire();
    record("later");
  }
  first.join();
  EXPECT_THAT(order, ElementsAre("first", "later"));
  EXPECT_EQ(pool->Waiting(), 0);
}

TEST(ReaderPoolTest, ManyCallersAllGetAConnection) {
  TempDir dir;
  const std::string path = dir.File("r.db");
  {
    MP_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(path, {}));
    MP_ASSERT_OK(db->Exec("CREATE TABLE t (x INTEGER)"));
  }
  MP_ASSERT_OK_AND_ASSIGN(auto pool, ReaderPool::Open(path, 2, {}));
  std::vector<std::thread> callers;
  absl::Mutex mu;
  int served = 0;
  for (int i = 0; i < 32; ++i) {
    callers.emplace_back([&] {
      for (int j = 0; j < 20; ++j) {
        ReaderPool::Lease lease = pool->Acquire();
        ASSERT_NE(lease.get(), nullptr);
        absl::MutexLock lock(&mu);
        ++served;
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(served, 32 * 20);
  EXPECT_EQ(pool->Waiting(), 0);
}

}  // namespace
}  // namespace meshproof::store
