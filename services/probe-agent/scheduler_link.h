// The agent's link to the scheduler: dials AgentGatewayService.Connect (so the agent
// works from behind NAT), says hello, sends heartbeats, runs each assignment through the
// agent's executor (the AssignmentRunner seam), streams every result with a sequence
// number and keeps it until the scheduler acknowledges it, and after any break
// reconnects with backoff and resends what was not acknowledged. Nothing here is
// durable: an agent that restarts has lost its assignments, and the scheduler's lease
// hands them on. A graceful stop (StopGracefully) does not wait for the lease: it hands
// each unfinished assignment back on the stream, so the scheduler moves it at once.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_SCHEDULER_LINK_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_SCHEDULER_LINK_H_

#include <grpcpp/grpcpp.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "meshproof/agent/v1/agent.pb.h"
#include "meshproof/result/v1/result.pb.h"
#include "meshproof/scheduler/v1/agent_gateway.grpc.pb.h"
#include "services/common/client_channel.h"

namespace meshproof::agent {

struct SchedulerLinkOptions {
  // The scheduler's "HOST:PORT".
  std::string address;
  // Sent in every hello.
  meshproof::agent::v1::AgentInfo info;
  // Bearer token sent on every Connect when the scheduler requires one (role agent);
  // empty sends none.
  std::string token;
  // TLS to the scheduler (--scheduler-tls-*), and whether the token may go in plaintext
  // to a non-loopback scheduler (--scheduler-insecure).
  meshproof::ClientTlsOptions tls;
  bool allow_plaintext_token = false;
  // Delay before reconnecting: drawn from [base/2, base] (jitter), the base doubling from
  // initial up to max; back to initial after a welcomed session that lasted healthy_after.
  absl::Duration backoff_initial = absl::Milliseconds(150);
  absl::Duration backoff_max = absl::Seconds(5);
  absl::Duration healthy_after = absl::Seconds(5);
  // Deadline of one Connect call; the link then reconnects (and resends) transparently.
  absl::Duration stream_max_age = absl::Hours(1);
  // Heartbeat period until the scheduler's Welcome says otherwise.
  absl::Duration heartbeat_interval = absl::Seconds(10);
  // How long StopGracefully waits for the scheduler to acknowledge every hand-back and
  // done before it stops anyway (the leases then hand the rest on).
  absl::Duration handback_timeout = absl::Seconds(5);
};

// Returns the channel options the link dials with: `options`' address, token and TLS,
// keepalive from client_channel.h, and a quick reconnect.
meshproof::ClientChannelOptions LinkChannelOptions(const SchedulerLinkOptions& options);

// Executes one assignment: calls `emit` for each result as it is decided (possibly from
// several threads, one at a time) and returns the outcome. Must stop soon after
// `cancelled` returns true (thread-safe).
using AssignmentRunner = std::function<meshproof::result::v1::ScenarioOutcome(
    const meshproof::scheduler::v1::Assignment& assignment,
    const std::function<void(const meshproof::result::v1::TestResult&)>& emit,
    const std::function<bool()>& cancelled)>;

class SchedulerLink {
 public:
  SchedulerLink(SchedulerLinkOptions options, AssignmentRunner runner);
  ~SchedulerLink();
  SchedulerLink(const SchedulerLink&) = delete;
  SchedulerLink& operator=(const SchedulerLink&) = delete;

  // Starts dialing in a background thread.
  void Start();
  // Cancels the stream and every assignment in progress, and joins all threads.
  void Stop();
  // Stops taking assignments, interrupts each one in progress and hands it back to the
  // scheduler (AssignmentRelease; one that finished first is reported done instead),
  // waits until the scheduler acknowledged all of them or handback_timeout passed, then
  // Stop()s. Results decided before the interruption are kept and acknowledged; the
  // tests cut short are not reported, so the next agent runs them.
  void StopGracefully();

  // For tests and logs: assignments held (running, or done but not yet acknowledged),
  // and reports not yet acknowledged.
  int assignments();
  int unacked_reports();

 private:
  struct Work {
    meshproof::scheduler::v1::Assignment assignment;
    // Reports (and, at the end, the done) not yet acknowledged, in order.
    std::deque<meshproof::scheduler::v1::AgentMessage> unacked;
    uint64_t next_sequence = 0;
    bool finished = false;
    bool cancelled = false;
    std::thread thread;
  };

  void ConnectLoop();
  // Waits `delay`, or less: until Stop, or until the channel connects again after being
  // away.
  void SleepBackoff(absl::Duration delay);
  // One Connect call, from hello to the stream's end. Returns whether it was welcomed.
  bool RunSession();
  void WriteLoop(grpc::ClientReaderWriter<meshproof::scheduler::v1::AgentMessage,
                                          meshproof::scheduler::v1::SchedulerMessage>* stream);
  void Handle(const meshproof::scheduler::v1::SchedulerMessage& message, bool* welcomed);
  void RunAssignment(Work* work);
  void SendLocked(const meshproof::scheduler::v1::AgentMessage& message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Returns the release of `assignment` after `sequence` reports.
  static meshproof::scheduler::v1::AgentMessage ReleaseOf(
      const meshproof::scheduler::v1::Assignment& assignment, uint64_t sequence);

  const SchedulerLinkOptions options_;
  const AssignmentRunner runner_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<meshproof::scheduler::v1::AgentGatewayService::Stub> stub_;
  std::thread connect_thread_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Set by StopGracefully: assignments are interrupted and handed back.
  bool handing_back_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, std::unique_ptr<Work>> work_ ABSL_GUARDED_BY(mu_);
  // The live session, if any.
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool session_live_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<meshproof::scheduler::v1::AgentMessage> outgoing_ ABSL_GUARDED_BY(mu_);
  absl::Duration heartbeat_interval_ ABSL_GUARDED_BY(mu_);
  // Set when the welcome changes the interval, so a writer already waiting on the old
  // (default, longer) interval wakes up and re-times its next heartbeat.
  bool heartbeat_interval_changed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_SCHEDULER_LINK_H_
