// meshproof-scheduler: scenarios, runs, schedules, approvals; hands work to agents and
// forwards results to the store. Only wiring lives here.
#include <memory>
#include <string>

#include "services/common/auth/server_auth.h"
#include "services/common/auth/token_file.h"
#include "services/common/clock.h"
#include "services/common/log.h"
#include "services/common/server_runner.h"
#include "services/common/service_flags.h"
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
  CLI::App app{"meshproof scheduler: scenarios, runs, schedules and approvals",
               "meshproof-scheduler"};
  meshproof::CommonServiceFlags common;
  meshproof::AddCommonServiceFlags(app, &common);
  std::string db_path = "meshproof-scheduler.db", store, tokens, store_token_file;
  app.add_option("--db", db_path, "SQLite database file (created if missing)")
      ->capture_default_str();
  app.add_option("--store", store,
                 "results store HOST:PORT; without it results wait in the outbox");
  app.add_option("--tokens", tokens,
                 "tokens file (YAML: name, roles, sha256 of each token); without it the API "
                 "is open to every caller");
  app.add_option("--store-token-file", store_token_file,
                 "file whose first line is the bearer token sent to the store (role writer)");
  meshproof::PeerTlsFlags store_tls;
  meshproof::AddPeerTlsFlags(app, "store", &store_tls);
  if (auto code = meshproof::ParseServiceFlags(app, argc, argv, common, "scheduler")) return *code;

  ms::SchedulerConfig config;
  if (!common.config.empty()) {
    absl::StatusOr<ms::SchedulerConfig> loaded = ms::LoadSchedulerConfig(common.config);
    if (!loaded.ok()) {
      meshproof::LogError("bad configuration: ", loaded.status().message());
      return meshproof::kExitUsage;
    }
    config = *loaded;
  }
  // A flag given on the command line wins over the file.
  if (tokens.empty()) tokens = config.tokens;
  if (store_token_file.empty()) store_token_file = config.store_token_file;
  auto fill = [](std::string& flag_value, const std::string& key_value) {
    if (flag_value.empty()) flag_value = key_value;
  };
  fill(common.tls.cert_file, config.tls.cert_file);
  fill(common.tls.key_file, config.tls.key_file);
  fill(common.tls.client_ca_file, config.tls.client_ca_file);
  fill(store_tls.tls.ca_file, config.store_tls.ca_file);
  fill(store_tls.tls.server_name, config.store_tls.server_name);
  fill(store_tls.tls.cert_file, config.store_tls.cert_file);
  fill(store_tls.tls.key_file, config.store_tls.key_file);
  absl::StatusOr<meshproof::auth::ServerAuth> auth =
      meshproof::auth::ServerAuthForTokens(tokens, common.tls);
  if (!auth.ok()) {
    meshproof::LogError("bad tokens or TLS files: ", auth.status().message());
    return meshproof::kExitUsage;
  }
  if (auth->authorizer == nullptr) {
    meshproof::LogWarning(
        "team isolation is off: without --tokens every caller sees and changes "
        "every team's scenarios, runs and schedules (lab and development only)");
  }
  std::string store_token;
  if (!store_token_file.empty()) {
    auto token = meshproof::auth::ReadTokenFile(store_token_file, "--store-token-file");
    if (!token.ok()) {
      meshproof::LogError(token.status().message());
      return meshproof::kExitUsage;
    }
    if (!token->warning.empty()) meshproof::LogWarning(token->warning);
    store_token = token->token;
  }
  const meshproof::Clock* clock = meshproof::RealClock::Get();
  absl::StatusOr<std::unique_ptr<ms::Scheduler>> scheduler =
      ms::Scheduler::Open(db_path, config, clock);
  if (!scheduler.ok()) {
    meshproof::LogError("cannot open the database: ", scheduler.status().ToString());
    return meshproof::kExitFailure;
  }

  std::unique_ptr<ms::StoreClient> store_client;
  std::unique_ptr<ms::OutboxForwarder> forwarder;
  if (!store.empty()) {
    ms::DatabaseOptions db_options;
    db_options.synchronous = config.synchronous;
    absl::StatusOr<std::unique_ptr<ms::Database>> forwarder_db =
        ms::Database::Open(db_path, db_options);
    if (!forwarder_db.ok()) {
      meshproof::LogError("cannot open the database: ", forwarder_db.status().ToString());
      return meshproof::kExitFailure;
    }
    meshproof::ClientChannelOptions channel;
    channel.target = store;
    channel.token = store_token;
    channel.tls = store_tls.tls;
    channel.allow_plaintext_token = store_tls.insecure;
    channel.insecure_flag = "--store-insecure";
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
    meshproof::LogInfo("forwarding results to the store at ", store);
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
  meshproof::ServerOptions options;
  options.listen_address = common.listen;
  options.health_listen_address = common.health_listen;
  options.credentials = auth->credentials;
  options.authenticated = auth->authorizer != nullptr;
  options.insecure_open = common.insecure_open;
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
