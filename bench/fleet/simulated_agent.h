// SimulatedAgent: one simulated probe agent on AgentGatewayService.Connect, with gRPC's
// callback API so a fleet of them needs no thread per agent. It says hello with its id
// and cluster, then either holds every assignment it is given (never finishing it: the
// heartbeat bench) or works it at line rate: one passing ResultReport per test of the
// assigned scenario, in the shape the real agent's scheduler link sends, with at most
// `window` reports unacknowledged, then the AssignmentDone, forgetting the assignment
// when the scheduler acknowledges that (Ack.done).
//
// Heartbeat() names the assignments in progress; with `round_trips` set it also names
// one assignment the scheduler cannot hold ("hb.SEQ"), which the scheduler answers with
// a CancelAssignment on the same path that renews the real leases: the time from the
// heartbeat's write to that cancel is the heartbeat's round trip.
#ifndef MESHPROOF_BENCH_FLEET_SIMULATED_AGENT_H_
#define MESHPROOF_BENCH_FLEET_SIMULATED_AGENT_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "meshproof/scheduler/v1/agent_gateway.grpc.pb.h"

namespace meshproof::bench {

// Heartbeat round trips, from every agent, kept only while recording.
class RoundTripSamples {
 public:
  void Add(absl::Duration d);
  void Record(bool on);
  // Returns the samples so far, ascending, and forgets them.
  std::vector<double> Take();

 private:
  absl::Mutex mu_;
  bool recording_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<double> samples_ ABSL_GUARDED_BY(mu_);  // milliseconds
};

struct SimulatedAgentOptions {
  std::string agent_id;
  std::string cluster = "fleet";
  std::string namespace_name = "fleet";
  int max_concurrency = 1;
  // Work each assignment to its end (results, then done); otherwise hold it forever.
  bool finish_assignments = false;
  // Reports of one assignment sent and not yet acknowledged, at most (finishing agents).
  int window = 256;
  // When set, heartbeats carry a round-trip probe and the times land here.
  RoundTripSamples* round_trips = nullptr;
};

class SimulatedAgent final
    : public grpc::ClientBidiReactor<scheduler::v1::AgentMessage, scheduler::v1::SchedulerMessage> {
 public:
  // Opens the stream and sends the hello at once.
  SimulatedAgent(scheduler::v1::AgentGatewayService::Stub* stub, SimulatedAgentOptions options);

  // Sends a heartbeat naming the assignments in progress (no-op before the welcome or
  // after the call ended).
  void Heartbeat();

  // The heartbeat interval the welcome asked for (10 s until then).
  absl::Duration interval();
  bool welcomed();
  // Whether the call ended (refused, cancelled or broken).
  bool finished();
  // Assignments in progress (held, or being worked).
  int held();
  // Assignments the scheduler took back from this live agent (CancelAssignment).
  int lost();
  // Assignments finished and acknowledged as done.
  int done();
  // The status the call ended with, "CODE message".
  std::string ended_status();
  void Cancel();
  // Blocks until the call ended (after Cancel, or the scheduler ended it).
  void WaitDone();

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  struct Work {
    scheduler::v1::Assignment assignment;
    uint64_t next_sequence = 0;  // the last sequence sent
    uint64_t acked = 0;
    bool done_sent = false;
    absl::Time started;
  };
  // Appends to `out` the reports (and the done) that the window allows now.
  void FillLocked(Work* work, std::vector<scheduler::v1::AgentMessage>* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Enqueue(scheduler::v1::AgentMessage message);

  const SimulatedAgentOptions options_;
  grpc::ClientContext context_;
  scheduler::v1::SchedulerMessage incoming_;
  absl::Mutex mu_;
  // Owned by the write in flight (writing_).
  scheduler::v1::AgentMessage current_;
  std::deque<scheduler::v1::AgentMessage> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool welcomed_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  absl::Duration interval_ ABSL_GUARDED_BY(mu_) = absl::Seconds(10);
  std::map<std::string, std::unique_ptr<Work>> work_ ABSL_GUARDED_BY(mu_);
  uint64_t sequence_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<uint64_t, absl::Time> sent_ ABSL_GUARDED_BY(mu_);
  int lost_ ABSL_GUARDED_BY(mu_) = 0;
  int done_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace meshproof::bench

#endif  // MESHPROOF_BENCH_FLEET_SIMULATED_AGENT_H_
