#include "services/common/client_channel.h"

#include <arpa/inet.h>
#include <grpcpp/support/client_interceptor.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace meshproof {
namespace {

// Adds the bearer token to every call made on the channel. An interceptor rather than
// call credentials: gRPC 1.51's C++ API cannot combine call credentials with a
// plaintext channel (InsecureChannelCredentials is not composable), and loopback
// deployments and the --insecure escape hatch still need the token.
class BearerTokenInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit BearerTokenInterceptor(const std::string* header) : header_(header) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace("authorization", *header_);
    }
    methods->Proceed();
  }

 private:
  const std::string* header_;
};

class BearerTokenInterceptorFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerTokenInterceptorFactory(const std::string& token)
      : header_(absl::StrCat("Bearer ", token)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new BearerTokenInterceptor(&header_);
  }

 private:
  // Owned by the channel, which outlives every call and so every interceptor.
  const std::string header_;
};

// The host part of a target, without scheme, brackets or port.
std::string TargetHost(absl::string_view target) {
  for (absl::string_view scheme : {"dns:///", "dns:", "ipv4:", "ipv6:"}) {
    if (absl::StartsWith(target, scheme)) {
      target.remove_prefix(scheme.size());
      break;
    }
  }
  // A name resolver list ("ipv4:a,b") is loopback only when every entry is; the first
  // one decides here and IsLoopbackTarget checks the rest.
  if (absl::StartsWith(target, "[")) {
    const size_t close = target.find(']');
    return std::string(
        target.substr(1, close == absl::string_view::npos ? target.npos : close - 1));
  }
  const size_t colon = target.find(':');
  if (colon != absl::string_view::npos && target.find(':', colon + 1) == absl::string_view::npos) {
    target = target.substr(0, colon);
  }
  return std::string(target);
}

bool IsLoopbackHost(const std::string& host) {
  if (absl::AsciiStrToLower(host) == "localhost") return true;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) return v6.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace

bool IsLoopbackTarget(absl::string_view target) {
  if (absl::StartsWith(target, "unix:") || absl::StartsWith(target, "unix-abstract:")) return true;
  if (absl::StrContains(target, ',')) {
    // Address lists ("ipv4:127.0.0.1:1,10.0.0.1:2"): conservative, not loopback.
    return false;
  }
  return IsLoopbackHost(TargetHost(target));
}

absl::Status CheckClientChannelOptions(const ClientChannelOptions& options) {
  if (options.target.empty()) return absl::InvalidArgumentError("no address to connect to");
  if (absl::Status s = CheckClientTlsOptions(options.tls); !s.ok()) return s;
  if (!options.token.empty() && !options.tls.enabled() && !options.allow_plaintext_token &&
      !IsLoopbackTarget(options.target)) {
    return absl::InvalidArgumentError(
        absl::StrCat("refusing to send the token in plaintext to ", options.target,
                     " (not a loopback address): turn TLS on with ", options.tls.flag_prefix,
                     "ca (and ", options.tls.flag_prefix,
                     "server-name if needed), or accept the risk with ", options.insecure_flag));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeClientChannel(
    const ClientChannelOptions& options) {
  if (absl::Status s = CheckClientChannelOptions(options); !s.ok()) return s;
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS,
              static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_time)));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
              static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_timeout)));
  // Idle channels (the scheduler's store channel between batches, an agent waiting for
  // work) are exactly the ones whose silent death must be noticed. The servers allow
  // it (ApplyServerKeepalivePolicy).
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  if (options.initial_reconnect_backoff > absl::ZeroDuration()) {
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
                static_cast<int>(absl::ToInt64Milliseconds(options.initial_reconnect_backoff)));
  }
  if (options.max_reconnect_backoff > absl::ZeroDuration()) {
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
                static_cast<int>(absl::ToInt64Milliseconds(options.max_reconnect_backoff)));
  }
  if (options.max_receive_message_bytes > 0)
    args.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  if (!options.tls.server_name.empty()) {
    args.SetString(GRPC_SSL_TARGET_NAME_OVERRIDE_ARG, options.tls.server_name);
  }
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors;
  // The plaintext case was refused above unless it is loopback or explicitly allowed.
  if (!options.token.empty())
    interceptors.push_back(std::make_unique<BearerTokenInterceptorFactory>(options.token));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      options.target, ChannelCredentialsFor(options.tls), args, std::move(interceptors));
}

}  // namespace meshproof
