#include "services/results-store/reader_pool.h"

#include "services/common/status_macros.h"

namespace meshproof::store {

absl::StatusOr<std::unique_ptr<ReaderPool>> ReaderPool::Open(const std::string& path, int size,
                                                             const DatabaseOptions& options) {
  std::unique_ptr<ReaderPool> pool(new ReaderPool());
  DatabaseOptions reader = options;
  reader.read_only = true;
  for (int i = 0; i < size; ++i) {
    MP_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(path, reader));
    pool->all_.push_back(std::move(db));
  }
  absl::MutexLock lock(&pool->mu_);
  for (auto& db : pool->all_) pool->free_.push_back(db.get());
  return pool;
}

ReaderPool::Lease ReaderPool::Acquire() {
  absl::MutexLock lock(&mu_);
  const uint64_t ticket = next_ticket_++;
  // Evaluated with mu_ held (Await's contract).
  auto my_turn = [this, ticket]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return serving_ == ticket && !free_.empty();
  };
  mu_.Await(absl::Condition(&my_turn));
  ++serving_;
  Database* db = free_.back();
  free_.pop_back();
  return Lease(this, db);
}

int ReaderPool::Waiting() {
  absl::MutexLock lock(&mu_);
  // Callers holding a ticket not yet served.
  return static_cast<int>(next_ticket_ - serving_);
}

void ReaderPool::Release(Database* db) {
  absl::MutexLock lock(&mu_);
  free_.push_back(db);
}

}  // namespace meshproof::store
