// Reading runs and their results back from the schema into protos; shared by the
// store's write path (idempotency checks) and its queries.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_RUN_RECORDS_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_RUN_RECORDS_H_

#include <google/protobuf/timestamp.pb.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "meshproof/store/v1/store.pb.h"
#include "services/results-store/database.h"
#include "services/results-store/result_codec.h"

namespace meshproof::store {

// Tag kinds in run_tags.
inline constexpr int64_t kTagLabel = 0;
inline constexpr int64_t kTagEnvironment = 1;
// key: the component ("istio"), value: why its version is unknown (UnknownVersion).
inline constexpr int64_t kTagUnknownVersion = 2;
// key: a test a partial run left out (RunRecord.not_selected_tests), value: ''. Read back
// in key order, which is why the scheduler sends them sorted.
inline constexpr int64_t kTagNotSelected = 3;

int64_t ToMicros(const google::protobuf::Timestamp& ts);
google::protobuf::Timestamp FromMicros(int64_t micros);

// Returns the internal key of run `run_id`, or nullopt.
absl::StatusOr<std::optional<int64_t>> FindRunPk(Database* db, const std::string& run_id);

// Returns the run with internal key `pk` (labels, tags and claim definitions included).
// NOT_FOUND when it does not exist.
absl::StatusOr<v1::RunRecord> LoadRunRecord(Database* db, int64_t pk);

// Replaces run `pk`'s reasons for unknown versions with `env.unknown_versions`
// (run_tags of kind kTagUnknownVersion). `new_run`: the run was inserted in this
// transaction and has none yet, so there is nothing to replace.
absl::Status WriteUnknownVersions(Database* db, int64_t pk, const result::v1::Environment& env,
                                  bool new_run);

// One stored result with its test name.
struct StoredResult {
  int64_t test_id = 0;
  std::string test;
  int64_t phase = 0;
  ResultRow row;
};

// Returns the results of `attempt` of run `pk`, in append order; only `phase` when it is
// not 0; details only when `with_detail`.
absl::StatusOr<std::vector<StoredResult>> LoadResults(Database* db, int64_t pk, int64_t attempt,
                                                      int64_t phase, bool with_detail);

// Returns the internal id of a name in `scenarios` or `clusters`, or nullopt.
absl::StatusOr<std::optional<int64_t>> FindNameId(Database* db, absl::string_view table,
                                                  const std::string& name);

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_RUN_RECORDS_H_
