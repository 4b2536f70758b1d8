// meshproof-scheduler: scenarios, runs, schedules, approvals; hands work to agents and
// forwards results to the store. Only wiring lives here; the options are declared in
// scheduler_config.cc.
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
    (*scheduler)->SetOutboxListener([f = forwarder.get()] { f->Wake(); });
    forwarder->Start();
    meshproof::LogInfo("forwarding results to the store at ", config.store.address);
  } else {
    meshproof::LogWarning(
        "no --store: results are kept in the outbox until the scheduler "
        "runs with --store");
  }

  ms::ClockWaiter waiter(clock);
  ms::TickLoop loop(scheduler->get(), &waiter);
  loop.Start();

  ms::SchedulerServiceImpl scheduler_service(scheduler->get(), auth->authorizer);
  ms::AgentGatewayServiceImpl gateway_service(scheduler->get(), auth->authorizer);
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
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  meshproof::BlockTerminationSignals();
  meshproof::ExitProcess(Main(argc, argv));
}
