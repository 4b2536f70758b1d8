// One agent's AgentGatewayService.Connect stream on gRPC's callback API. It reads the
// hello, checks it, and opens the session on a worker; then it reads messages into a
// queue that a worker hands to the Scheduler in batches (whatever arrived while the
// previous batch was being committed goes in the next one, in order), and writes what the
// Scheduler queued as the session's AgentSink, one write in flight at a time. No thread
// waits on the stream: a session costs memory, not a thread.
#ifndef MESHPROOF_SERVICES_SCHEDULER_AGENT_SESSION_REACTOR_H_
#define MESHPROOF_SERVICES_SCHEDULER_AGENT_SESSION_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "meshproof/scheduler/v1/agent_gateway.grpc.pb.h"
#include "services/common/auth/authorizer.h"
#include "services/scheduler/agent_sink.h"
#include "services/scheduler/inbound_queue.h"
#include "services/scheduler/scheduler.h"
#include "services/scheduler/worker_pool.h"

namespace meshproof::scheduler {

// Deletes itself when gRPC reports the call done (OnDone), which is after the session
// was disconnected from the Scheduler: the Scheduler never holds a sink that is gone.
class AgentSessionReactor final
    : public grpc::ServerBidiReactor<v1::AgentMessage, v1::SchedulerMessage>,
      public AgentSink {
 public:
  AgentSessionReactor(grpc::CallbackServerContext* context, Scheduler* scheduler,
                      WorkerPool* workers, const auth::Authorizer* authorizer);

  // AgentSink: called by the Scheduler, often under its lock, so neither blocks nor calls
  // back into the Scheduler.
  void Send(const v1::SchedulerMessage& message) override;
  void Close(const absl::Status& status) override;

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone() override;

 private:
  // Messages read ahead of the Scheduler; at this many, reading pauses and gRPC's flow
  // control slows the agent instead of memory growing (inbound_queue.h).
  static constexpr size_t kMaxQueued = 4096;
  // Bounds one transaction's length, so other sessions' work interleaves.
  static constexpr size_t kMaxBatch = 512;

  // The first message: checks the hello here (a hash and a lookup) and opens the session
  // on a worker.
  void OnHello(bool ok);
  // On a worker: registers the session with the Scheduler, then starts reading.
  void OpenSession(v1::Hello hello, std::vector<std::string> teams);
  // On a worker: hands one batch to the Scheduler and queues itself again while messages
  // wait; once reading has ended and the queue is empty, disconnects the session.
  void Drain();
  // Ends the call with `status` once no write is in flight (a write and the status are
  // never outstanding together). Later messages for the agent are dropped.
  void End(const grpc::Status& status);

  grpc::CallbackServerContext* const context_;
  Scheduler* const scheduler_;
  WorkerPool* const workers_;
  const auth::Authorizer* const authorizer_;

  // Touched only by the read in flight and its OnReadDone (one at a time).
  v1::AgentMessage read_buffer_;
  bool hello_read_ = false;

  absl::Mutex mu_;
  std::string session_id_ ABSL_GUARDED_BY(mu_);
  InboundQueue inbound_ ABSL_GUARDED_BY(mu_){kMaxQueued, kMaxBatch};
  bool draining_ ABSL_GUARDED_BY(mu_) = false;  // a Drain is queued or running
  bool reads_ended_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<v1::SchedulerMessage> outbound_ ABSL_GUARDED_BY(mu_);
  v1::SchedulerMessage write_buffer_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool writes_failed_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> end_status_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_AGENT_SESSION_REACTOR_H_
