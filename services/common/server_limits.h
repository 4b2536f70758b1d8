// The bounds every meshproof gRPC server applies to its callers, in one place: streams
// per connection, message and header sizes, and the threads the synchronous API may
// use, so one client cannot hold a service's memory or every worker thread.
#ifndef MESHPROOF_SERVICES_COMMON_SERVER_LIMITS_H_
#define MESHPROOF_SERVICES_COMMON_SERVER_LIMITS_H_

#include <grpcpp/grpcpp.h>

namespace meshproof {

// Concurrent calls (streams) one connection may have open; more wait in the client
// until one ends. Every call of the synchronous API holds a thread while it runs.
inline constexpr int kMaxConcurrentStreams = 100;
// The largest request message: a 1 MiB scenario with room for its envelope, and the
// results store's batches.
inline constexpr int kMaxReceiveMessageBytes = 4 << 20;
// Request headers (metadata) per call, in bytes.
inline constexpr int kMaxMetadataBytes = 16 << 10;
// Threads the server may run synchronous-API calls on; a call beyond them fails
// RESOURCE_EXHAUSTED. Callback-API streams (the scheduler's agent sessions and watches)
// hold no thread and do not count.
inline constexpr int kMaxServerThreads = 512;

// Applies the bounds above to `builder`.
void ApplyServerLimits(grpc::ServerBuilder* builder);

}  // namespace meshproof

#endif  // MESHPROOF_SERVICES_COMMON_SERVER_LIMITS_H_
