#include "services/common/server_runner.h"

#include <grpcpp/ext/health_check_service_server_builder_option.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/common/keepalive_policy.h"
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

// The plaintext health listener's only service: answers Check for the whole server
// ("") with the main server's status. Kubernetes' probes call Check, never Watch.
class HealthMirror final : public grpc::health::v1::Health::Service {
 public:
  void SetServing(bool serving) { serving_.store(serving); }
  grpc::Status Check(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest* request,
                     grpc::health::v1::HealthCheckResponse* response) override {
    if (!request->service().empty())
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service");
    response->set_status(serving_.load() ? grpc::health::v1::HealthCheckResponse::SERVING
                                         : grpc::health::v1::HealthCheckResponse::NOT_SERVING);
    return grpc::Status::OK;
  }

 private:
  std::atomic<bool> serving_{true};
};

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
  if (absl::Status exposure =
          CheckListenExposure(options.listen_address, options.authenticated, options.insecure_open);
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
  ApplyServerKeepalivePolicy(&builder);
  int selected_port = 0;
  builder.AddListeningPort(
      options.listen_address,
      options.credentials ? options.credentials : grpc::InsecureServerCredentials(),
      &selected_port);
  for (grpc::Service* service : services) builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || selected_port == 0) {
    LogError("cannot listen on ", options.listen_address,
             " (address in use, or not a valid HOST:PORT)");
    return kExitListen;
  }
  std::unique_ptr<grpc::Server> health_server;
  HealthMirror health_mirror;
  if (!options.health_listen_address.empty()) {
    // The mirror alone (plus reflection, which gRPC adds to every server): no default
    // health service, none of the service's own.
    grpc::ServerBuilder health_builder;
    // The same bounds as the main listener: it is as reachable, and has no tokens.
    ApplyServerLimits(&health_builder);
    health_builder.SetOption(
        std::make_unique<grpc::HealthCheckServiceServerBuilderOption>(nullptr));
    health_builder.RegisterService(&health_mirror);
    ApplyServerKeepalivePolicy(&health_builder);
    int health_port = 0;
    health_builder.AddListeningPort(options.health_listen_address,
                                    grpc::InsecureServerCredentials(), &health_port);
    health_server = health_builder.BuildAndStart();
    if (health_server == nullptr || health_port == 0) {
      LogError("cannot listen on ", options.health_listen_address, " (--health-listen)");
      server->Shutdown();
      return kExitListen;
    }
    LogInfo("health (plaintext) on ", WithPort(options.health_listen_address, health_port));
  }
  const std::string chosen = WithPort(options.listen_address, selected_port);
  std::printf("listening on %s\n", chosen.c_str());
  std::fflush(stdout);
  LogInfo("serving on ", chosen);
  if (options.on_started) options.on_started(chosen);

  sigset_t set = TerminationSignals();
  int signal_number = 0;
  sigwait(&set, &signal_number);
  LogInfo("received ", signal_number == SIGTERM ? "SIGTERM" : "SIGINT", ", shutting down");

  // Load balancers and the CLI see NOT_SERVING before any call is refused.
  server->GetHealthCheckService()->SetServingStatus(false);
  health_mirror.SetServing(false);
  if (options.on_shutdown) options.on_shutdown();
  server->Shutdown(std::chrono::system_clock::now() +
                   absl::ToChronoMilliseconds(options.drain_timeout));
  server->Wait();
  if (health_server) health_server->Shutdown(std::chrono::system_clock::now());
  LogInfo("stopped");
  return kExitOk;
}

}  // namespace meshproof
