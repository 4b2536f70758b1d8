#include "services/common/server_limits.h"

#include <grpcpp/resource_quota.h>

namespace meshproof {

void ApplyServerLimits(grpc::ServerBuilder* builder) {
  builder->SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
  builder->AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, kMaxConcurrentStreams);
  builder->AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, kMaxMetadataBytes);
  grpc::ResourceQuota quota("meshproof-server");
  quota.SetMaxThreads(kMaxServerThreads);
  builder->SetResourceQuota(quota);
}

}  // namespace meshproof
