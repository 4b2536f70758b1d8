// A fixed set of read-only connections shared by concurrent readers. In WAL mode each
// sees a consistent snapshot and none waits for the writer. Callers waiting for a
// connection are served in arrival order, so under many concurrent callers no one waits
// longer than the queue ahead of it.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_READER_POOL_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_READER_POOL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/results-store/database.h"

namespace meshproof::store {

class ReaderPool {
 public:
  // A connection on loan; returned to the pool when it goes away.
  class Lease {
   public:
    Lease(ReaderPool* pool, Database* db) : pool_(pool), db_(db) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), db_(other.db_) { other.db_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (db_ != nullptr) pool_->Release(db_);
    }
    Database* get() const { return db_; }
    Database* operator->() const { return db_; }

   private:
    ReaderPool* pool_;
    Database* db_;
  };

  // Opens `size` read-only connections to `path`. Returns the open error.
  static absl::StatusOr<std::unique_ptr<ReaderPool>> Open(const std::string& path, int size,
                                                          const DatabaseOptions& options);

  // Waits for a free connection; callers get one in the order they asked.
  Lease Acquire();

  // Returns how many callers are waiting in Acquire.
  int Waiting();

 private:
  ReaderPool() = default;
  void Release(Database* db);

  std::vector<std::unique_ptr<Database>> all_;
  absl::Mutex mu_;
  std::vector<Database*> free_ ABSL_GUARDED_BY(mu_);
  // Tickets: a caller takes next_ticket_ and is served when serving_ reaches it. Without
  // them a caller arriving just as a connection is released takes it ahead of those
  // already waiting (they must first be woken), and under 200 concurrent callers some
  // waited past their deadline while others went straight through.
  uint64_t next_ticket_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t serving_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_READER_POOL_H_
