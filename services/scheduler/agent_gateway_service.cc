#include "services/scheduler/agent_gateway_service.h"

#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/common/auth/caller.h"
#include "services/common/grpc_status.h"
#include "services/common/log.h"
#include "services/scheduler/agent_binding.h"

namespace meshproof::scheduler {
namespace {

using Stream = grpc::ServerReaderWriter<v1::SchedulerMessage, v1::AgentMessage>;

// Queues messages for one session and writes them from its own thread.
class GrpcAgentSink final : public AgentSink {
 public:
  GrpcAgentSink(grpc::ServerContext* context, Stream* stream)
      : context_(context), stream_(stream), writer_([this] { WriteLoop(); }) {}
  // Cancels only a sink still running: after Stop(false) the handler's own status (why
  // the hello was refused) must reach the agent, not CANCELLED.
  ~GrpcAgentSink() override {
    bool running;
    {
      absl::MutexLock lock(&mu_);
      running = !stopped_;
    }
    Stop(/*cancel=*/running);
  }

  void Send(const v1::SchedulerMessage& message) override {
    absl::MutexLock lock(&mu_);
    if (!stopped_) queue_.push_back(message);
  }

  void Close(const absl::Status& status) override {
    LogInfo("closing agent session: ", status.ToString());
    context_->TryCancel();
  }

  // Stops the writer and joins it; `cancel` also cancels the call, so a Write blocked on
  // a slow agent returns.
  void Stop(bool cancel) {
    {
      absl::MutexLock lock(&mu_);
      stopped_ = true;
    }
    if (cancel) context_->TryCancel();
    if (writer_.joinable()) writer_.join();
  }

 private:
  void WriteLoop() {
    while (true) {
      v1::SchedulerMessage message;
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this]()
                         ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopped_ || !queue_.empty(); };
        mu_.Await(absl::Condition(&ready));
        if (queue_.empty()) return;
        message = std::move(queue_.front());
        queue_.pop_front();
      }
      if (!stream_->Write(message)) {
        absl::MutexLock lock(&mu_);
        queue_.clear();
        stopped_ = true;
        return;
      }
    }
  }

  grpc::ServerContext* context_;
  Stream* stream_;
  absl::Mutex mu_;
  std::deque<v1::SchedulerMessage> queue_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::thread writer_;
};

// Hands one session's messages to the scheduler in batches. The stream is read on the
// handler's thread and drained on this one, so whatever arrived while the scheduler was
// committing the previous batch goes into the next one together: an agent streaming a
// large run costs one commit per batch instead of one per result. Order is kept.
class InboundBatcher {
 public:
  InboundBatcher(Scheduler* scheduler, std::string session_id)
      : scheduler_(scheduler), session_id_(std::move(session_id)), drainer_([this] { Drain(); }) {}
  ~InboundBatcher() { Finish(); }

  // Blocks while kMaxQueued messages wait: a scheduler that falls behind slows the agent's
  // stream (gRPC flow control) instead of growing memory.
  void Push(v1::AgentMessage message) {
    absl::MutexLock lock(&mu_);
    auto has_room = [this]()
                        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return queue_.size() < kMaxQueued; };
    mu_.Await(absl::Condition(&has_room));
    queue_.push_back(std::move(message));
  }

  // Returns once every pushed message has been handled.
  void Finish() {
    {
      absl::MutexLock lock(&mu_);
      finished_ = true;
    }
    if (drainer_.joinable()) drainer_.join();
  }

 private:
  static constexpr size_t kMaxQueued = 4096;
  // Bounds one transaction's length, so other sessions' work interleaves.
  static constexpr size_t kMaxBatch = 512;

  void Drain() {
    std::vector<v1::AgentMessage> batch;
    while (true) {
      batch.clear();
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return finished_ || !queue_.empty();
        };
        mu_.Await(absl::Condition(&ready));
        if (queue_.empty()) return;
        while (!queue_.empty() && batch.size() < kMaxBatch) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      scheduler_->OnAgentMessages(session_id_, batch);
    }
  }

  Scheduler* scheduler_;
  const std::string session_id_;
  absl::Mutex mu_;
  std::deque<v1::AgentMessage> queue_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::thread drainer_;
};

}  // namespace

grpc::Status AgentGatewayServiceImpl::Connect(grpc::ServerContext* context, Stream* stream) {
  v1::AgentMessage first;
  if (!stream->Read(&first)) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "the agent left before its hello");
  }
  if (!first.has_hello()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "message: the first message must be a hello");
  }
  absl::StatusOr<std::vector<std::string>> teams = CheckAgentHello(
      first.hello(), authorizer_ != nullptr ? auth::Caller(*context, authorizer_.get()) : nullptr);
  if (!teams.ok()) {
    LogWarning("agent hello refused: ", teams.status().message());
    return ToGrpcStatus(teams.status());
  }
  GrpcAgentSink sink(context, stream);
  absl::StatusOr<std::string> session =
      scheduler_->AgentConnected(first.hello(), &sink, *std::move(teams));
  if (!session.ok()) {
    // Nothing was queued; stop the writer without cancelling, so the agent gets the status.
    sink.Stop(/*cancel=*/false);
    return ToGrpcStatus(session.status());
  }
  {
    InboundBatcher inbound(scheduler_, *session);
    v1::AgentMessage message;
    while (stream->Read(&message)) inbound.Push(std::move(message));
    inbound.Finish();
  }
  scheduler_->AgentDisconnected(*session);
  sink.Stop(/*cancel=*/true);
  return grpc::Status(grpc::StatusCode::UNAVAILABLE, "session ended; reconnect");
}

}  // namespace meshproof::scheduler
