// meshproof-store: the results store. Wires flags, the database and the gRPC service.
#include <string>

#include "services/common/server_runner.h"
#include "services/common/service_flags.h"

namespace {

int Main(int argc, char** argv) {
  CLI::App app{"meshproof results store: the history of every run, in SQLite",
               "meshproof-store"};
  meshproof::CommonServiceFlags common;
  meshproof::AddCommonServiceFlags(app, &common);
  std::string db_path = "meshproof-store.db";
  app.add_option("--db", db_path, "SQLite database file (created if missing)")
      ->capture_default_str();
  if (auto code = meshproof::ParseServiceFlags(app, argc, argv, common, "store")) return *code;

  meshproof::ServerOptions options;
  options.listen_address = common.listen;
  return meshproof::RunServer(options, {});
}

}  // namespace

int main(int argc, char** argv) {
  meshproof::BlockTerminationSignals();
  meshproof::ExitProcess(Main(argc, argv));
}
