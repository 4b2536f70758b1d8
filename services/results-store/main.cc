// meshproof-store: the results store. Wires flags, the configuration, the database and
// the gRPC service; everything else lives in the classes it wires.
#include <memory>
#include <optional>
#include <string>

#include "services/common/auth/server_auth.h"
#include "services/common/clock.h"
#include "services/common/log.h"
#include "services/common/server_runner.h"
#include "services/common/service_flags.h"
#include "services/results-store/results_store.h"
#include "services/results-store/retention_loop.h"
#include "services/results-store/store_config.h"
#include "services/results-store/store_service.h"

namespace {

int Main(int argc, char** argv) {
  CLI::App app{"meshproof results store: the history of every run, in SQLite", "meshproof-store"};
  meshproof::CommonServiceFlags common;
  meshproof::AddCommonServiceFlags(app, &common);
  std::string db_path = "meshproof-store.db";
  app.add_option("--db", db_path, "SQLite database file (created if missing)")
      ->capture_default_str();
  std::string tokens;
  app.add_option("--tokens", tokens,
                 "tokens file (YAML: name, roles, sha256 of each token); without it the store "
                 "is open to every caller");
  if (auto code = meshproof::ParseServiceFlags(app, argc, argv, common, "store")) return *code;

  meshproof::store::StoreConfig config;
  if (!common.config.empty()) {
    absl::StatusOr<meshproof::store::StoreConfig> loaded =
        meshproof::store::LoadStoreConfig(common.config);
    if (!loaded.ok()) {
      meshproof::LogError(loaded.status().message());
      return meshproof::kExitUsage;
    }
    config = *loaded;
  }
  // A flag given on the command line wins over the file.
  if (app.count("--db") == 0 && config.db) db_path = *config.db;
  std::string listen = common.listen;
  if (app.count("--listen") == 0 && config.listen) listen = *config.listen;
  if (tokens.empty()) tokens = config.tokens;
  if (common.tls.cert_file.empty()) common.tls.cert_file = config.tls_cert;
  if (common.tls.key_file.empty()) common.tls.key_file = config.tls_key;
  if (common.tls.client_ca_file.empty()) common.tls.client_ca_file = config.tls_client_ca;
  absl::StatusOr<meshproof::auth::ServerAuth> auth =
      meshproof::auth::ServerAuthForTokens(tokens, common.tls);
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
      meshproof::store::ResultsStore::Open(db_path, options, meshproof::RealClock::Get());
  if (!store.ok()) {
    meshproof::LogError("cannot open the database ", db_path, ": ", store.status().message());
    return meshproof::kExitFailure;
  }
  meshproof::LogInfo("database ", db_path, " ready");

  std::optional<meshproof::store::RetentionLoop> retention;
  if (config.retention_days > 0) {
    retention.emplace(store->get(), meshproof::RealClock::Get(), config.retention_days);
    retention->Start();
  }
  meshproof::store::StoreService service(store->get(), auth->authorizer);
  meshproof::ServerOptions server;
  server.listen_address = listen;
  server.health_listen_address = common.health_listen;
  server.credentials = auth->credentials;
  server.authenticated = auth->authorizer != nullptr;
  server.insecure_open = common.insecure_open;
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
