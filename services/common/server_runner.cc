#include "services/common/server_runner.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/str_cat.h"
#include "services/common/listen_policy.h"
#include "services/common/log.h"
#include "services/common/server_limits.h"

namespace meshproof {
namespace {

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A peer closing a socket must never kill the process.
  signal(SIGPIPE, SIG_IGN);
}

void ExitProcess(int code) {
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(code);
}

std::string WithPort(const std::string& address, int port) {
  const size_t colon = address.rfind(':');
  const std::string host = colon == std::string::npos ? address : address.substr(0, colon);
  return absl::StrCat(host, ":", port);
}

int RunServer(const ServerOptions& options, const std::vector<grpc::Service*>& services) {
  if (absl::Status exposure = CheckListenExposure(options.listen_address, options.authenticated,
                                                  options.insecure_open);
      !exposure.ok()) {
    LogError(exposure.message());
    return kExitUsage;
  }
  if (!options.authenticated && !IsLoopbackListenAddress(options.listen_address)) {
    LogWarning("--insecure-open: serving ", options.listen_address,
               " without authentication; every host that reaches it may call every method");
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  ApplyServerLimits(&builder);
  int selected_port = 0;
  builder.AddListeningPort(options.listen_address,
                           options.credentials ? options.credentials
                                               : grpc::InsecureServerCredentials(),
                           &selected_port);
  for (grpc::Service* service : services) builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || selected_port == 0) {
    LogError("cannot listen on ", options.listen_address,
             " (address in use, or not a valid HOST:PORT)");
    return kExitListen;
  }
  const std::string chosen = WithPort(options.listen_address, selected_port);
  std::printf("listening on %s\n", chosen.c_str());
  std::fflush(stdout);
  LogInfo("serving on ", chosen);
  if (options.on_started) options.on_started(chosen);

  sigset_t set = TerminationSignals();
  int signal_number = 0;
  sigwait(&set, &signal_number);
  LogInfo("received ", signal_number == SIGTERM ? "SIGTERM" : "SIGINT",
          ", shutting down");

  // Load balancers and the CLI see NOT_SERVING before any call is refused.
  server->GetHealthCheckService()->SetServingStatus(false);
  if (options.on_shutdown) options.on_shutdown();
  server->Shutdown(std::chrono::system_clock::now() +
                   absl::ToChronoMilliseconds(options.drain_timeout));
  server->Wait();
  LogInfo("stopped");
  return kExitOk;
}

}  // namespace meshproof
