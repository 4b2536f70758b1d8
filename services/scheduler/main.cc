// meshproof-scheduler: scenarios, runs, schedules, approvals; hands work to agents and
// forwards results to the store. Only wiring lives here; the options are declared in
// scheduler_config.cc.
#include <curl/curl.h>

#include <map>
#include <memory>
#include <string>

#include "services/common/auth/server_auth.h"
#include "services/common/bootstrap/server_settings.h"
#include "services/common/clock.h"
#include "services/common/log.h"
#include "services/common/metrics/registry.h"
#include "services/common/server_runner.h"
#include "services/scheduler/agent_gateway_service.h"
#include "services/scheduler/database.h"
#include "services/scheduler/outbox_forwarder.h"
#include "services/scheduler/scheduler.h"
#include "services/scheduler/scheduler_config.h"
#include "services/scheduler/scheduler_service.h"
#include "services/scheduler/store_client.h"
#include "services/scheduler/tick_loop.h"
#include "services/scheduler/webhook_poster.h"
#include "services/scheduler/webhook_sender.h"

namespace {

namespace ms = meshproof::scheduler;

int Main(int argc, char** argv) {
  ms::SchedulerConfig config;
  meshproof::bootstrap::OptionTable table;
  ms::DeclareSchedulerOptions(&table, &config);
  if (auto code = meshproof::bootstrap::ParseServiceCommandLine(
          table,
          {"meshproof-scheduler", "meshproof scheduler: scenarios, runs, schedules and approvals",
           "scheduler"},
          argc, argv, config.server)) {
    return *code;
  }
  absl::StatusOr<meshproof::auth::ServerAuth> auth =
      meshproof::auth::ServerAuthForTokens(config.server.tokens, config.server.tls);
  if (!auth.ok()) {
    meshproof::LogError("bad tokens or TLS files: ", auth.status().message());
    return meshproof::kExitUsage;
  }
  if (auth->authorizer == nullptr) {
    meshproof::LogWarning(
        "team isolation is off: without --tokens every caller sees and changes "
        "every team's scenarios, runs and schedules (lab and development only)");
  }
  absl::StatusOr<std::string> store_token =
      meshproof::bootstrap::ReadPeerToken(config.store, "store");
  if (!store_token.ok()) {
    meshproof::LogError(store_token.status().message());
    return meshproof::kExitUsage;
  }
  // Read before anything starts: a webhook whose secret cannot be read is a usage error.
  absl::StatusOr<std::map<std::string, ms::WebhookTarget>> webhook_targets =
      ms::LoadWebhookTargets(config.webhooks);
  if (!webhook_targets.ok()) {
    meshproof::LogError(webhook_targets.status().message());
    return meshproof::kExitUsage;
  }
  const meshproof::Clock* clock = meshproof::RealClock::Get();
  absl::StatusOr<std::unique_ptr<ms::Scheduler>> scheduler =
      ms::Scheduler::Open(config.db, config, clock);
  if (!scheduler.ok()) {
    meshproof::LogError("cannot open the database: ", scheduler.status().ToString());
    return meshproof::kExitFailure;
  }

  std::unique_ptr<ms::StoreClient> store_client;
  std::unique_ptr<ms::OutboxForwarder> forwarder;
  if (!config.store.address.empty()) {
    ms::DatabaseOptions db_options;
    db_options.synchronous = config.synchronous;
    absl::StatusOr<std::unique_ptr<ms::Database>> forwarder_db =
        ms::Database::Open(config.db, db_options);
    if (!forwarder_db.ok()) {
      meshproof::LogError("cannot open the database: ", forwarder_db.status().ToString());
      return meshproof::kExitFailure;
    }
    const meshproof::ClientChannelOptions channel =
        meshproof::bootstrap::PeerChannelOptions(config.store, "store", *store_token);
    absl::StatusOr<std::unique_ptr<ms::StoreClient>> client =
        ms::NewGrpcStoreClient(channel, config.store_deadline);
    if (!client.ok()) {
      meshproof::LogError("--store: ", client.status().message());
      return meshproof::kExitUsage;
    }
    store_client = *std::move(client);
    ms::ForwarderOptions forwarder_options;
    forwarder_options.backoff_initial = config.store_backoff_initial;
    forwarder_options.backoff_max = config.store_backoff_max;
    forwarder = std::make_unique<ms::OutboxForwarder>(std::move(*forwarder_db), store_client.get(),
                                                      clock, forwarder_options);
    forwarder->Start();
    meshproof::LogInfo("forwarding results to the store at ", config.store.address);
  } else {
    meshproof::LogWarning(
        "no --store: results are kept in the outbox until the scheduler "
        "runs with --store");
  }

  std::unique_ptr<ms::HttpPoster> poster;
  std::unique_ptr<ms::WebhookSender> sender;
  if (!config.webhooks.empty()) {
    ms::DatabaseOptions db_options;
    db_options.synchronous = config.synchronous;
    absl::StatusOr<std::unique_ptr<ms::Database>> sender_db =
        ms::Database::Open(config.db, db_options);
    if (!sender_db.ok()) {
      meshproof::LogError("cannot open the database: ", sender_db.status().ToString());
      return meshproof::kExitFailure;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    poster = ms::NewCurlPoster();
    ms::WebhookSenderOptions sender_options;
    sender_options.timeout = config.webhook_timeout;
    sender_options.backoff_initial = config.webhook_backoff_initial;
    sender_options.backoff_max = config.webhook_backoff_max;
    sender_options.max_age = config.webhook_max_age;
    sender_options.allowed_hosts = config.webhook_allowed_hosts;
    sender = std::make_unique<ms::WebhookSender>(std::move(*sender_db), *std::move(webhook_targets),
                                                 poster.get(), clock, sender_options);
    sender->Start();
    meshproof::LogInfo(config.webhooks.size(), " webhook(s) configured");
    if (config.webhook_allowed_hosts.empty()) {
      meshproof::LogWarning(
          "webhook_allowed_hosts is not set: webhooks may point at any host the scheduler can "
          "reach, internal ones included (docs/operations.md)");
    }
  }
  // One listener for both outboxes: a commit that queued either wakes its sender.
  (*scheduler)->SetOutboxListener([f = forwarder.get(), s = sender.get()] {
    if (f != nullptr) f->Wake();
    if (s != nullptr) s->Wake();
  });

  ms::ClockWaiter waiter(clock);
  ms::TickLoop loop(scheduler->get(), &waiter);
  loop.Start();

  // The agent sessions' and watches' scheduler work; the Scheduler serialises most of it
  // under one lock, so a few threads serve any number of streams.
  ms::WorkerPool stream_workers(ms::kStreamWorkerThreads);
  ms::SchedulerServiceImpl scheduler_service(scheduler->get(), &stream_workers, auth->authorizer);
  ms::AgentGatewayServiceImpl gateway_service(scheduler->get(), &stream_workers, auth->authorizer);
  meshproof::metrics::Registry metrics;
  metrics.AddCollector(
      [s = scheduler->get()](meshproof::metrics::CollectorSink& sink) { s->CollectMetrics(sink); });
  meshproof::ServerOptions options = meshproof::bootstrap::ServerOptionsFor(config.server, *auth);
  options.metrics = &metrics;
  options.on_shutdown = [&] {
    (*scheduler)->Shutdown();
    loop.Stop();
  };
  const int code = meshproof::RunServer(options, {&scheduler_service, &gateway_service});
  loop.Stop();
  if (forwarder) forwarder->Stop();
  if (sender) sender->Stop();
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  meshproof::BlockTerminationSignals();
  meshproof::ExitProcess(Main(argc, argv));
}
