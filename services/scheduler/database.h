// The scheduler's database: the shared SQLite wrapper (services/common/sqlite) with the
// scheduler's defaults.
#ifndef MESHPROOF_SERVICES_SCHEDULER_DATABASE_H_
#define MESHPROOF_SERVICES_SCHEDULER_DATABASE_H_

#include <cstdint>

#include "services/common/sqlite/database.h"

namespace meshproof::scheduler {

using ::meshproof::sqlite::Database;
using ::meshproof::sqlite::Statement;
using ::meshproof::sqlite::Transaction;

struct DatabaseOptions : ::meshproof::sqlite::DatabaseOptions {
  DatabaseOptions() {
    owner = "scheduler";
    // The scheduler acks agents' results once committed, and commits are few
    // (docs/scheduler.md).
    synchronous = "FULL";
    cache_kib = 4096;
  }
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_DATABASE_H_
