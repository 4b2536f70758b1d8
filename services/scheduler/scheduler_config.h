// The scheduler's configuration file (--config): one YAML map whose unknown keys are
// errors. Every key is optional; docs/scheduler.md lists them with their defaults.
#ifndef MESHPROOF_SERVICES_SCHEDULER_SCHEDULER_CONFIG_H_
#define MESHPROOF_SERVICES_SCHEDULER_SCHEDULER_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/tls_credentials.h"

namespace meshproof::scheduler {

struct SchedulerConfig {
  // An assignment's lease: it expires unless a heartbeat (or a report) renews it.
  absl::Duration lease = absl::Seconds(30);
  // How often agents send heartbeats (told to them in Welcome).
  absl::Duration heartbeat_interval = absl::Seconds(10);
  // Attempts of a run whose agent is lost; after the last one the run ends ERROR.
  int max_attempts = 2;
  // Whole-run deadline when StartRun gives none.
  absl::Duration default_run_timeout = absl::Minutes(30);
  // Runs one agent executes at once.
  int max_runs_per_agent = 4;
  // How often the loop checks leases, deadlines and schedules when nothing wakes it.
  absl::Duration tick_interval = absl::Seconds(1);
  // Deadline of each call to the results store.
  absl::Duration store_deadline = absl::Seconds(10);
  // Retry delays while the store is unreachable: doubling from initial up to max.
  absl::Duration store_backoff_initial = absl::Milliseconds(200);
  absl::Duration store_backoff_max = absl::Seconds(30);
  // SQLite synchronous mode: "FULL" (default) or "NORMAL".
  std::string synchronous = "FULL";
  // Tokens file (docs/auth.md); empty: the API is open. The --tokens flag wins.
  std::string tokens;
  // File holding the token sent to the store (role writer). --store-token-file wins.
  std::string store_token_file;
  // Server TLS (keys tls_cert, tls_key, tls_client_ca) and TLS to the store (keys
  // store_tls_ca, store_tls_server_name, store_tls_cert, store_tls_key); docs/tls.md.
  // Each --tls-* / --store-tls-* flag wins over its key.
  ServerTlsOptions tls;
  ClientTlsOptions store_tls;
};

// Parses the YAML text of a config file. Durations are written like "30s", "5m",
// "1h30m". Returns INVALID_ARGUMENT "FILE:LINE:COLUMN: key: message" for a bad value or
// an unknown key.
absl::StatusOr<SchedulerConfig> ParseSchedulerConfig(absl::string_view text,
                                                     absl::string_view file_name);

// Reads and parses `path`. NOT_FOUND when it cannot be read.
absl::StatusOr<SchedulerConfig> LoadSchedulerConfig(const std::string& path);

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_SCHEDULER_CONFIG_H_
