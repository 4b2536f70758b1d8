#include "services/common/server_runner.h"

#include <grpcpp/ext/health_check_service_server_builder_option.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/impl/server_builder_plugin.h>
#include <grpcpp/impl/server_initializer.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <set>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/common/keepalive_policy.h"
#include "services/common/listen_policy.h"
#include "services/common/log.h"
#include "services/common/metrics/http_server.h"
#include "services/common/metrics/registry.h"
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

// Records the full names of the services registered on a server once it is built, so
// health can answer for each of them. gRPC keeps that list private to plugins; an option
// is the public way to add a plugin to one builder only.
class ServiceNamesPlugin final : public grpc::ServerBuilderPlugin {
 public:
  explicit ServiceNamesPlugin(std::vector<std::string>* names) : names_(names) {}
  std::string name() override { return "meshproof_service_names"; }
  void InitServer(grpc::ServerInitializer*) override {}
  void Finish(grpc::ServerInitializer* initializer) override {
    *names_ = *initializer->GetServiceList();
  }
  void ChangeArguments(const std::string&, void*) override {}
  bool has_sync_methods() const override { return false; }
  bool has_async_methods() const override { return false; }

 private:
  std::vector<std::string>* names_;
};

class ServiceNamesOption final : public grpc::ServerBuilderOption {
 public:
  explicit ServiceNamesOption(std::vector<std::string>* names) : names_(names) {}
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->push_back(std::make_unique<ServiceNamesPlugin>(names_));
  }

 private:
  std::vector<std::string>* names_;
};

// The services health answers for by name: ours, not gRPC's own (health, reflection).
std::set<std::string> HealthServiceNames(const std::vector<std::string>& registered) {
  std::set<std::string> names;
  for (const std::string& name : registered) {
    if (name.rfind("grpc.", 0) != 0) names.insert(name);
  }
  return names;
}

// The plaintext health listener's only service: answers Check for the whole server ("")
// and for each of its services with the main server's status. Kubernetes' probes call
// Check, never Watch.
class HealthMirror final : public grpc::health::v1::Health::Service {
 public:
  void SetServing(bool serving) { serving_.store(serving); }
  // Called before the listener starts; never changed afterwards.
  void SetServiceNames(std::set<std::string> names) { names_ = std::move(names); }
  grpc::Status Check(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest* request,
                     grpc::health::v1::HealthCheckResponse* response) override {
    if (!request->service().empty() && names_.count(request->service()) == 0)
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service");
    response->set_status(serving_.load() ? grpc::health::v1::HealthCheckResponse::SERVING
                                         : grpc::health::v1::HealthCheckResponse::NOT_SERVING);
    return grpc::Status::OK;
  }

 private:
  std::atomic<bool> serving_{true};
  std::set<std::string> names_;
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
  if (!options.metrics_listen_address.empty()) {
    if (absl::Status exposure = CheckMetricsListenExposure(
            options.metrics_listen_address, options.metrics_open || options.insecure_open);
        !exposure.ok()) {
      LogError(exposure.message());
      return kExitUsage;
    }
    std::string host;
    int port = 0;
    if (absl::Status valid =
            metrics::SplitListenAddress(options.metrics_listen_address, &host, &port);
        !valid.ok()) {
      LogError(valid.message());
      return kExitUsage;
    }
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
  std::vector<std::string> registered;
  builder.SetOption(std::make_unique<ServiceNamesOption>(&registered));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || selected_port == 0) {
    LogError("cannot listen on ", options.listen_address,
             " (address in use, or not a valid HOST:PORT)");
    return kExitListen;
  }
  // Clients and probes may ask for one service by its full name; the default health
  // service knows only "" until told. SetServingStatus(false) below covers them all.
  const std::set<std::string> health_names = HealthServiceNames(registered);
  for (const std::string& name : health_names) {
    server->GetHealthCheckService()->SetServingStatus(name, true);
  }
  std::unique_ptr<grpc::Server> health_server;
  HealthMirror health_mirror;
  health_mirror.SetServiceNames(health_names);
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
  // Started before "listening on" is printed, so whoever waits for that line finds the
  // metrics address already logged; stopped after the drain, with the service.
  metrics::Registry no_metrics;
  metrics::MetricsHttpServer metrics_server(options.metrics ? options.metrics : &no_metrics);
  if (!options.metrics_listen_address.empty()) {
    absl::StatusOr<std::string> bound = metrics_server.Start(options.metrics_listen_address);
    if (!bound.ok()) {
      LogError(bound.status().message());
      server->Shutdown(std::chrono::system_clock::now());
      if (health_server) health_server->Shutdown(std::chrono::system_clock::now());
      return kExitListen;
    }
    LogInfo("metrics on ", *bound);
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
  metrics_server.Stop();
  LogInfo("stopped");
  return kExitOk;
}

}  // namespace meshproof
