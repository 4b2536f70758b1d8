// Starts the real results store and scheduler binaries for integration tests, each with
// its database and log in a test's temp dir and on a free loopback port, and a scheduler
// configuration fast enough for tests (short leases, ticks and store retries).
#ifndef MESHPROOF_TESTS_TESTING_CONTROL_PLANE_H_
#define MESHPROOF_TESTS_TESTING_CONTROL_PLANE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::testing {

// Scheduler configuration keys for tests: a lost agent is noticed within seconds and the
// outbox retries the store twice a second.
inline constexpr char kFastSchedulerConfig[] =
    "lease: 3s\nheartbeat_interval: 500ms\ntick_interval: 100ms\nstore_backoff_max: 500ms\n";

// Starts meshproof-store with --listen 127.0.0.1:0, --db DIR/store.db, then `extra_args`;
// its log goes to DIR/store.log.
absl::StatusOr<ServiceProcess> StartStore(const TempDir& dir,
                                          const std::vector<std::string>& extra_args = {});

// Starts meshproof-scheduler with --listen 127.0.0.1:0, --db DIR/scheduler.db, then
// `extra_args`; its log goes to DIR/scheduler.log.
absl::StatusOr<ServiceProcess> StartScheduler(const TempDir& dir,
                                              const std::vector<std::string>& extra_args = {});

}  // namespace meshproof::testing

#endif  // MESHPROOF_TESTS_TESTING_CONTROL_PLANE_H_
