// A fixed set of read-only connections shared by concurrent readers. In WAL mode each
// sees a consistent snapshot and none waits for the writer.
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

  // Waits for a free connection.
  Lease Acquire();

 private:
  ReaderPool() = default;
  void Release(Database* db);

  std::vector<std::unique_ptr<Database>> all_;
  absl::Mutex mu_;
  std::vector<Database*> free_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_READER_POOL_H_
