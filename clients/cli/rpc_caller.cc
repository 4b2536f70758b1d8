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
  return MakeClientChannel(options);
}

void RpcCaller::Prepare(grpc::ClientContext* context, absl::Duration timeout) const {
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
}

}  // namespace meshproof::cli
