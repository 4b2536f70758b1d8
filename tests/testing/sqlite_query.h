// Reading one number out of a SQLite database in a test, for checks on what a service
// stored that its API does not show (index rows, schema, counts).
#ifndef MESHPROOF_TESTS_TESTING_SQLITE_QUERY_H_
#define MESHPROOF_TESTS_TESTING_SQLITE_QUERY_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "services/common/sqlite/database.h"

namespace meshproof::testing {

// Returns the first column of the first row, or -1 (with a test failure) on error.
inline int64_t QueryInt(sqlite::Database* db, const std::string& sql) {
  absl::StatusOr<sqlite::Statement> stmt = db->Prepare(sql);
  if (!stmt.ok()) {
    ADD_FAILURE() << stmt.status();
    return -1;
  }
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok() || !*row) {
    ADD_FAILURE() << "no row for " << sql;
    return -1;
  }
  return stmt->Int(0);
}

}  // namespace meshproof::testing

#endif  // MESHPROOF_TESTS_TESTING_SQLITE_QUERY_H_
