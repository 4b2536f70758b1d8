#include "clients/cli/rpc_caller.h"

#include <chrono>

#include "services/common/client_channel.h"

namespace meshproof::cli {

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const std::string& address,
                                                           const std::string& token,
                                                           const ClientTlsOptions& tls,
                                                           bool insecure) {
  ClientChannelOptions options;
  options.target = address;
  options.token = token;
  options.tls = tls;
  options.allow_plaintext_token = insecure;
  options.max_receive_message_bytes = 64 * 1024 * 1024;
  // A follower (run watch) reconnects after a scheduler restart on its own schedule; gRPC's
  // default channel backoff (1 s doubling to 120 s) would keep it failing fast for many
  // seconds after the scheduler is back. Redial at most a second apart instead.
  options.initial_reconnect_backoff = absl::Milliseconds(100);
  options.max_reconnect_backoff = absl::Seconds(1);
  return MakeClientChannel(options);
}

void RpcCaller::Prepare(grpc::ClientContext* context, absl::Duration timeout) const {
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
}

}  // namespace meshproof::cli
