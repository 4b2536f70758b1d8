#include "services/scheduler/agent_gateway_service.h"

#include <deque>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/common/grpc_status.h"
#include "services/common/log.h"

namespace meshproof::scheduler {
namespace {

using Stream = grpc::ServerReaderWriter<v1::SchedulerMessage, v1::AgentMessage>;

// Queues messages for one session and writes them from its own thread.
class GrpcAgentSink final : public AgentSink {
 public:
  GrpcAgentSink(grpc::ServerContext* context, Stream* stream)
      : context_(context), stream_(stream), writer_([this] { WriteLoop(); }) {}
  ~GrpcAgentSink() override { Stop(/*cancel=*/true); }

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
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stopped_ || !queue_.empty();
        };
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
  GrpcAgentSink sink(context, stream);
  absl::StatusOr<std::string> session = scheduler_->AgentConnected(first.hello(), &sink);
  if (!session.ok()) {
    // Nothing was queued; stop the writer without cancelling, so the agent gets the status.
    sink.Stop(/*cancel=*/false);
    return ToGrpcStatus(session.status());
  }
  v1::AgentMessage message;
  while (stream->Read(&message)) scheduler_->OnAgentMessage(*session, message);
  scheduler_->AgentDisconnected(*session);
  sink.Stop(/*cancel=*/true);
  return grpc::Status(grpc::StatusCode::UNAVAILABLE, "session ended; reconnect");
}

}  // namespace meshproof::scheduler
