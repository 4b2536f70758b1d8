#include "services/scheduler/scheduler_config.h"

#include "absl/strings/str_cat.h"

namespace meshproof::scheduler {

void DeclareSchedulerOptions(bootstrap::OptionTable* table, SchedulerConfig* config) {
  bootstrap::AddServerOptions(table, &config->server, "without it the API is open to every caller");
  bootstrap::AddDatabaseOption(table, &config->db);
  bootstrap::AddPeerOptions(table, "store",
                            "results store HOST:PORT; without it results wait in the outbox",
                            "writer", &config->store);
  table->Duration("lease", &config->lease,
                  "an assignment's lease: it expires unless a heartbeat or a report renews it");
  table->Duration("heartbeat-interval", &config->heartbeat_interval,
                  "how often agents send heartbeats (shorter than lease)");
  table->Int("max-attempts", &config->max_attempts, 1, 10,
             "attempts of a run whose agent is lost; after the last one the run ends ERROR");
  table->Duration("default-run-timeout", &config->default_run_timeout,
                  "whole-run deadline when StartRun gives none");
  table->Int("max-runs-per-agent", &config->max_runs_per_agent, 1, 1000,
             "runs one agent executes at once");
  table->Duration(
      "tick-interval", &config->tick_interval,
      "how often the loop checks leases, deadlines and schedules when nothing wakes it");
  table->Duration("store-deadline", &config->store_deadline,
                  "deadline of each call to the results store");
  table->Duration("store-backoff-initial", &config->store_backoff_initial,
                  "first retry delay while the store is unreachable (doubles each time)");
  table->Duration("store-backoff-max", &config->store_backoff_max,
                  "longest retry delay while the store is unreachable");
  table->Choice("synchronous", &config->synchronous, {"NORMAL", "FULL"},
                "SQLite synchronous mode (docs/scheduler.md)");
  table->Section("webhooks",
                 "notifications: a list of {name, team, schedule, url, format: json|slack, "
                 "secret_file, events}; docs/operations.md",
                 [config](const scenario::YamlField& f) { ReadWebhooks(f, &config->webhooks); });
  table->Section(
      "webhook_allowed_hosts",
      "hosts webhooks may send to (\"*.example.com\" allows subdomains); absent: any",
      [config](const scenario::YamlField& f) { f.StringList(&config->webhook_allowed_hosts); });
  table->Duration("webhook-timeout", &config->webhook_timeout,
                  "whole-request timeout of one webhook delivery attempt");
  table->Duration("webhook-backoff-initial", &config->webhook_backoff_initial,
                  "first retry delay of a failed webhook delivery (doubles, with jitter)");
  table->Duration("webhook-backoff-max", &config->webhook_backoff_max,
                  "longest retry delay of a failed webhook delivery");
  table->Duration("webhook-max-age", &config->webhook_max_age,
                  "a notification not delivered this long after its event is given up");
  table->Check([config]() -> absl::Status {
    if (config->webhook_backoff_initial > config->webhook_backoff_max) {
      return absl::InvalidArgumentError(
          "webhook_backoff_initial: must not exceed webhook_backoff_max");
    }
    for (const WebhookConfig& hook : config->webhooks) {
      if (!WebhookHostAllowed(WebhookUrlHost(hook.url), config->webhook_allowed_hosts)) {
        return absl::InvalidArgumentError(absl::StrCat("webhooks: \"", hook.name, "\": host \"",
                                                       WebhookUrlHost(hook.url),
                                                       "\" is not in webhook_allowed_hosts"));
      }
    }
    return absl::OkStatus();
  });
  table->Check([config]() -> absl::Status {
    if (config->heartbeat_interval >= config->lease) {
      return absl::InvalidArgumentError(absl::StrCat(
          "heartbeat_interval: must be shorter than lease (", absl::FormatDuration(config->lease),
          ") or every lease would expire between heartbeats"));
    }
    if (config->store_backoff_initial > config->store_backoff_max) {
      return absl::InvalidArgumentError("store_backoff_initial: must not exceed store_backoff_max");
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<SchedulerConfig> ParseSchedulerConfig(absl::string_view text,
                                                     absl::string_view file_name) {
  SchedulerConfig config;
  bootstrap::OptionTable table;
  DeclareSchedulerOptions(&table, &config);
  const std::string file(file_name);
  if (absl::Status read = table.ReadFile(text, file); !read.ok()) return read;
  if (absl::Status checked = table.Finish(); !checked.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": ", checked.message()));
  }
  return config;
}

}  // namespace meshproof::scheduler
