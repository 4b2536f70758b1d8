// meshproof-agent: the probe agent. Wires flags, the prober and the gRPC service.
#include <string>

#include "services/common/labels.h"
#include "services/common/server_runner.h"
#include "services/common/service_flags.h"

namespace {

int Main(int argc, char** argv) {
  CLI::App app{"meshproof probe agent: runs probes inside the mesh and gathers evidence",
               "meshproof-agent"};
  meshproof::CommonServiceFlags common;
  meshproof::AddCommonServiceFlags(app, &common);
  std::string scheduler, cluster, labels_text;
  app.add_option("--scheduler", scheduler, "scheduler HOST:PORT to dial for assignments");
  app.add_option("--cluster", cluster, "cluster name this agent reports");
  app.add_option("--labels", labels_text, "agent labels as k=v,k2=v2");
  if (auto code = meshproof::ParseServiceFlags(app, argc, argv, common, "agent")) return *code;
  auto labels = meshproof::ParseLabels(labels_text, "--labels");
  if (!labels.ok()) {
    meshproof::LogError(labels.status().message());
    return meshproof::kExitUsage;
  }

  meshproof::ServerOptions options;
  options.listen_address = common.listen;
  return meshproof::RunServer(options, {});
}

}  // namespace

int main(int argc, char** argv) {
  meshproof::BlockTerminationSignals();
  meshproof::ExitProcess(Main(argc, argv));
}
