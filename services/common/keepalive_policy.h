// The keepalive contract between every meshproof client and server, in one place.
//
// A gRPC server's default policy allows a client's keepalive ping at most every five
// minutes, and none at all while no call is open; a client that pings more often is
// sent GOAWAY "too_many_pings" and its channel drops. Clients here ping every
// kClientKeepaliveTime, also when idle (the scheduler's store channel sits idle between
// batches), so every server must allow that. The static_assert keeps the two sides from
// drifting apart.
#ifndef MESHPROOF_SERVICES_COMMON_KEEPALIVE_POLICY_H_
#define MESHPROOF_SERVICES_COMMON_KEEPALIVE_POLICY_H_

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"

namespace meshproof {

// How often a client pings an idle connection, and how long it waits for the answer
// before it calls the connection dead.
inline constexpr absl::Duration kClientKeepaliveTime = absl::Seconds(30);
inline constexpr absl::Duration kClientKeepaliveTimeout = absl::Seconds(10);

// The shortest interval between pings a server accepts (with or without open calls).
inline constexpr absl::Duration kServerMinPingInterval = absl::Seconds(10);

static_assert(kClientKeepaliveTime >= kServerMinPingInterval,
              "clients would ping faster than servers allow and be sent GOAWAY too_many_pings");

struct ServerKeepalivePolicy {
  absl::Duration min_ping_interval = kServerMinPingInterval;
};

// Makes `builder`'s server accept client pings as often as `policy` says, with or
// without calls open. RunServer applies it to every service.
inline void ApplyServerKeepalivePolicy(grpc::ServerBuilder* builder,
                                       const ServerKeepalivePolicy& policy = {}) {
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder->AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      static_cast<int>(absl::ToInt64Milliseconds(policy.min_ping_interval)));
}

}  // namespace meshproof

#endif  // MESHPROOF_SERVICES_COMMON_KEEPALIVE_POLICY_H_
