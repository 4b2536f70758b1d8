// The one way a meshproof client dials a peer (the CLI to the scheduler, store and
// agent; the scheduler to the store; the agent to the scheduler): one channel per peer
// with keepalive the servers allow (keepalive_policy.h), TLS when configured
// (tls_credentials.h), and the bearer token added to every call by the channel itself so
// no call site can forget it.
#ifndef MESHPROOF_SERVICES_COMMON_CLIENT_CHANNEL_H_
#define MESHPROOF_SERVICES_COMMON_CLIENT_CHANNEL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/keepalive_policy.h"
#include "services/common/tls_credentials.h"

namespace meshproof {

struct ClientChannelOptions {
  // gRPC target: "HOST:PORT", "[::1]:PORT", "dns:///HOST:PORT", "unix:PATH".
  std::string target;
  // Sent as "authorization: Bearer TOKEN" on every call; empty sends none.
  std::string token;
  ClientTlsOptions tls;
  // Allows a token over plaintext to a non-loopback target (--insecure).
  bool allow_plaintext_token = false;
  // The flag that sets allow_plaintext_token, for the refusal's message.
  std::string insecure_flag = "--insecure";
  absl::Duration keepalive_time = kClientKeepaliveTime;
  absl::Duration keepalive_timeout = kClientKeepaliveTimeout;
  // Reconnect backoff; zero keeps gRPC's defaults (1 s doubling to 120 s).
  absl::Duration initial_reconnect_backoff = absl::ZeroDuration();
  absl::Duration max_reconnect_backoff = absl::ZeroDuration();
  // Largest response accepted; 0 keeps gRPC's 4 MiB.
  int max_receive_message_bytes = 0;
};

// True when `target` can only reach this host: localhost, 127.0.0.0/8, ::1, or a unix
// socket.
bool IsLoopbackTarget(absl::string_view target);

// Checks `options` as MakeClientChannel does, without making a channel: for mains that
// must refuse bad flags before starting anything.
absl::Status CheckClientChannelOptions(const ClientChannelOptions& options);

// Returns a channel for `options` (it connects lazily). INVALID_ARGUMENT when the target
// is empty, when a token would cross a non-loopback connection in plaintext and
// allow_plaintext_token is false (naming the TLS flags and the insecure flag), or as
// CheckClientTlsOptions for the TLS files (NOT_FOUND for an unreadable one).
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeClientChannel(
    const ClientChannelOptions& options);

}  // namespace meshproof

#endif  // MESHPROOF_SERVICES_COMMON_CLIENT_CHANNEL_H_
