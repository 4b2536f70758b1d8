// meshproof-store: the results store. Wires its options (store_config.h), the database and
// the gRPC service; everything else lives in the classes it wires.
#include <memory>
#include <optional>
#include <string>

#include "services/common/auth/server_auth.h"
#include "services/common/bootstrap/server_settings.h"
#include "services/common/clock.h"
#include "services/common/log.h"
#include "services/common/server_runner.h"
#include "services/results-store/results_store.h"
#include "services/results-store/retention_loop.h"
#include "services/results-store/store_config.h"
#include "services/results-store/store_metrics.h"
#include "services/results-store/store_service.h"

namespace {

int Main(int argc, char** argv) {
  meshproof::store::StoreConfig config;
  meshproof::bootstrap::OptionTable table;
  meshproof::store::DeclareStoreOptions(&table, &config);
  if (auto code = meshproof::bootstrap::ParseServiceCommandLine(
          table,
          {"meshproof-store", "meshproof results store: the history of every run, in SQLite",
           "store"},
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
        "team isolation is off: without --tokens every caller reads every "
        "team's runs and results (lab and development only)");
  }

  meshproof::store::ResultsStoreOptions options;
  options.max_batch = config.max_batch;
  options.database.synchronous = config.synchronous;
  options.backup_dir = config.backup_dir;
  absl::StatusOr<std::unique_ptr<meshproof::store::ResultsStore>> store =
      meshproof::store::ResultsStore::Open(config.db, options, meshproof::RealClock::Get());
  if (!store.ok()) {
    meshproof::LogError("cannot open the database ", config.db, ": ", store.status().message());
    return meshproof::kExitFailure;
  }
  meshproof::LogInfo("database ", config.db, " ready");

  std::optional<meshproof::store::RetentionLoop> retention;
  if (config.retention_days > 0) {
    retention.emplace(store->get(), meshproof::RealClock::Get(), config.retention_days);
    retention->Start();
  }
  meshproof::metrics::Registry metrics;
  meshproof::store::StoreMetrics store_metrics(&metrics, store->get());
  meshproof::store::StoreService service(store->get(), auth->authorizer, &store_metrics);
  meshproof::ServerOptions server = meshproof::bootstrap::ServerOptionsFor(config.server, *auth);
  server.metrics = &metrics;
  server.on_shutdown = [&] {
    service.StartShutdown();
    if (retention) retention->Stop();
  };
  return meshproof::RunServer(server, {&service});
}

}  // namespace

int main(int argc, char** argv) {
  meshproof::BlockTerminationSignals();
  meshproof::ExitProcess(Main(argc, argv));
}
