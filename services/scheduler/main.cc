// meshproof-scheduler: scenarios, runs, schedules, approvals; hands work to agents.
#include <string>

#include "services/common/server_runner.h"
#include "services/common/service_flags.h"

namespace {

int Main(int argc, char** argv) {
  CLI::App app{"meshproof scheduler: scenarios, runs, schedules and approvals",
               "meshproof-scheduler"};
  meshproof::CommonServiceFlags common;
  meshproof::AddCommonServiceFlags(app, &common);
  std::string db_path = "meshproof-scheduler.db", store;
  app.add_option("--db", db_path, "SQLite database file (created if missing)")
      ->capture_default_str();
  app.add_option("--store", store, "results store HOST:PORT");
  if (auto code = meshproof::ParseServiceFlags(app, argc, argv, common, "scheduler")) return *code;

  meshproof::ServerOptions options;
  options.listen_address = common.listen;
  return meshproof::RunServer(options, {});
}

}  // namespace

int main(int argc, char** argv) {
  meshproof::BlockTerminationSignals();
  meshproof::ExitProcess(Main(argc, argv));
}
