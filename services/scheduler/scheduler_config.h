// Everything the scheduler binary is configured with, and its option table: each option
// is a flag and a key of the YAML file (--config), declared once in
// DeclareSchedulerOptions. Unknown keys are errors. Every option is optional;
// docs/scheduler.md lists them with their defaults.
#ifndef MESHPROOF_SERVICES_SCHEDULER_SCHEDULER_CONFIG_H_
#define MESHPROOF_SERVICES_SCHEDULER_SCHEDULER_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/bootstrap/option_table.h"
#include "services/common/bootstrap/server_settings.h"
#include "services/scheduler/webhook_config.h"

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
  // Notifications (file only: the `webhooks` section; docs/operations.md). Secrets stay in
  // the files the webhooks name and are read by the sender alone.
  std::vector<WebhookConfig> webhooks;
  // Hosts webhooks may send to ("*.example.com" allows subdomains); empty: any host.
  std::vector<std::string> webhook_allowed_hosts;
  // Whole-request timeout of one delivery attempt (connect included).
  absl::Duration webhook_timeout = absl::Seconds(10);
  // Retry delays of a failed delivery: doubling from initial up to max, with jitter.
  absl::Duration webhook_backoff_initial = absl::Seconds(1);
  absl::Duration webhook_backoff_max = absl::Minutes(5);
  // A notification not delivered this long after its event is given up (logged).
  absl::Duration webhook_max_age = absl::Hours(24);
  // The binary's own: its server (listen, tokens, TLS...), its database file and its
  // connection to the results store (store, store_token_file, store_tls_*); docs/tls.md.
  bootstrap::ServerSettings server;
  std::string db = "meshproof-scheduler.db";
  bootstrap::PeerSettings store;
};

// Declares every option of the scheduler in `table`, writing into `config`, with the
// checks between them (heartbeat_interval shorter than lease...).
void DeclareSchedulerOptions(bootstrap::OptionTable* table, SchedulerConfig* config);

// Parses the YAML text of a config file alone (no flags). Durations are written like
// "30s", "5m", "1h30m". Returns INVALID_ARGUMENT "FILE:LINE:COLUMN: key: message" for a
// bad value or an unknown key.
absl::StatusOr<SchedulerConfig> ParseSchedulerConfig(absl::string_view text,
                                                     absl::string_view file_name);

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_SCHEDULER_CONFIG_H_
