#include "services/scheduler/agent_session_reactor.h"

#include <utility>

#include "services/common/auth/caller.h"
#include "services/common/grpc_status.h"
#include "services/common/log.h"
#include "services/scheduler/agent_binding.h"

namespace meshproof::scheduler {

// gRPC may run a reaction inline at the end of a Start*/Finish call made on the same
// thread, so none of those calls is made while holding mu_: each decision is taken under
// the lock and carried out after it.

AgentSessionReactor::AgentSessionReactor(grpc::CallbackServerContext* context, Scheduler* scheduler,
                                         WorkerPool* workers, const auth::Authorizer* authorizer)
    : context_(context), scheduler_(scheduler), workers_(workers), authorizer_(authorizer) {
  StartRead(&read_buffer_);
}

void AgentSessionReactor::OnReadDone(bool ok) {
  if (!hello_read_) {
    hello_read_ = true;
    OnHello(ok);
    return;
  }
  bool schedule = false;
  bool read_more = false;
  {
    absl::MutexLock lock(&mu_);
    if (!ok) {
      reads_ended_ = true;
    } else {
      read_more = inbound_.Push(std::move(read_buffer_));
    }
    schedule = !draining_;
    draining_ = true;
  }
  if (schedule) workers_->Post([this] { Drain(); });
  if (read_more) {
    read_buffer_.Clear();
    StartRead(&read_buffer_);
  }
}

void AgentSessionReactor::OnHello(bool ok) {
  if (!ok) {
    End(grpc::Status(grpc::StatusCode::CANCELLED, "the agent left before its hello"));
    return;
  }
  if (!read_buffer_.has_hello()) {
    End(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                     "message: the first message must be a hello"));
    return;
  }
  absl::StatusOr<std::vector<std::string>> teams =
      CheckAgentHello(read_buffer_.hello(),
                      authorizer_ != nullptr ? auth::Caller(*context_, authorizer_) : nullptr);
  if (!teams.ok()) {
    LogWarning("agent hello refused: ", teams.status().message());
    End(ToGrpcStatus(teams.status()));
    return;
  }
  workers_->Post(
      [this, hello = std::move(*read_buffer_.mutable_hello()),
       teams = *std::move(teams)]() mutable { OpenSession(std::move(hello), std::move(teams)); });
}

void AgentSessionReactor::OpenSession(v1::Hello hello, std::vector<std::string> teams) {
  absl::StatusOr<std::string> session = scheduler_->AgentConnected(hello, this, std::move(teams));
  if (!session.ok()) {
    // Nothing was queued for the agent: it gets the status itself.
    End(ToGrpcStatus(session.status()));
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    session_id_ = *std::move(session);
  }
  read_buffer_.Clear();
  StartRead(&read_buffer_);
}

void AgentSessionReactor::Drain() {
  std::vector<v1::AgentMessage> batch;
  std::string session_id;
  bool disconnect = false;
  {
    absl::MutexLock lock(&mu_);
    session_id = session_id_;
    batch = inbound_.TakeBatch();
    if (batch.empty()) {
      draining_ = false;
      disconnect = reads_ended_;
    }
  }
  if (disconnect) {
    scheduler_->AgentDisconnected(session_id);
    // The agent's side may still be open (the Scheduler closed the session): cancel so
    // it learns at once, as a session that ends always has.
    context_->TryCancel();
    End(grpc::Status(grpc::StatusCode::UNAVAILABLE, "session ended; reconnect"));
    return;
  }
  if (batch.empty()) return;
  scheduler_->OnAgentMessages(session_id, batch);
  bool resume = false;
  {
    absl::MutexLock lock(&mu_);
    resume = inbound_.ResumeAfterBatch();
  }
  if (resume) {
    read_buffer_.Clear();
    StartRead(&read_buffer_);
  }
  // Queued again rather than looping, so other sessions' batches interleave with this
  // one's; whatever arrives meanwhile joins the next batch.
  workers_->Post([this] { Drain(); });
}

void AgentSessionReactor::Send(const v1::SchedulerMessage& message) {
  {
    absl::MutexLock lock(&mu_);
    if (writes_failed_ || end_status_.has_value()) return;
    if (writing_) {
      outbound_.push_back(message);
      return;
    }
    writing_ = true;
    write_buffer_ = message;
  }
  StartWrite(&write_buffer_);
}

void AgentSessionReactor::Close(const absl::Status& status) {
  LogInfo("closing agent session: ", status.ToString());
  context_->TryCancel();
}

void AgentSessionReactor::OnWriteDone(bool ok) {
  bool write = false;
  std::optional<grpc::Status> finish;
  {
    absl::MutexLock lock(&mu_);
    if (!ok) {
      writes_failed_ = true;
      outbound_.clear();
    }
    if (!outbound_.empty() && !end_status_.has_value()) {
      write_buffer_ = std::move(outbound_.front());
      outbound_.pop_front();
      write = true;
    } else {
      writing_ = false;
      if (end_status_.has_value() && !finished_) {
        finished_ = true;
        finish = end_status_;
      }
    }
  }
  if (write) {
    StartWrite(&write_buffer_);
  } else if (finish.has_value()) {
    Finish(*finish);
  }
}

void AgentSessionReactor::End(const grpc::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    if (end_status_.has_value()) return;
    end_status_ = status;
    outbound_.clear();
    if (writing_) return;  // OnWriteDone finishes
    finished_ = true;
  }
  Finish(status);
}

void AgentSessionReactor::OnDone() { delete this; }

}  // namespace meshproof::scheduler
