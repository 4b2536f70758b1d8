#include "services/scheduler/run_watch_reactor.h"

#include <utility>
#include <vector>

#include "services/common/grpc_status.h"
#include "services/scheduler/run_queue.h"

namespace meshproof::scheduler {

// Lock order: this reactor's mu_, then the hub's. The hub tells listeners without its
// lock, and gRPC may run a reaction inline in StartWrite/Finish, so those are called with
// no lock held.

grpc::ServerWriteReactor<v1::RunEvent>* RunWatchReactor::Start(std::string run_id,
                                                               CallerScope scope,
                                                               Scheduler* scheduler,
                                                               WorkerPool* workers) {
  auto reactor = std::make_shared<RunWatchReactor>(std::move(run_id), scheduler);
  reactor->self_ = reactor;
  workers->Post([reactor, scope = std::move(scope)] { reactor->Begin(scope); });
  return reactor.get();
}

void RunWatchReactor::Begin(const CallerScope& scope) {
  // Subscribed (when the run is still going) together with the snapshot, so no event
  // falls between them; events told before mu_ is taken below wait for this Pump.
  absl::StatusOr<Scheduler::Watch> watch =
      scheduler_->BeginWatch(run_id_, scope, shared_from_this());
  {
    absl::MutexLock lock(&mu_);
    // Pump unsubscribes once the watch ends, including a watcher that left meanwhile.
    subscribed_ = watch.ok() && watch->subscribed;
    if (end_status_.has_value()) {
      // The watcher left while the run was being read.
    } else if (!watch.ok()) {
      end_status_ = ToGrpcStatus(watch.status());
    } else {
      pending_.assign(watch->initial.begin(), watch->initial.end());
      cursor_ = watch->cursor;
      if (watch->ended) end_status_ = grpc::Status::OK;
    }
  }
  Pump();
}

void RunWatchReactor::OnRunEvents() { Pump(); }

void RunWatchReactor::Pump() {
  bool write = false;
  std::optional<grpc::Status> finish;
  {
    absl::MutexLock lock(&mu_);
    if (writing_ || finished_) return;
    RunEventHub* hub = scheduler_->events();
    if (pending_.empty() && !end_status_.has_value() && subscribed_) {
      for (v1::RunEvent& event : hub->Take(run_id_, &cursor_)) {
        const bool terminal = event.has_run() && IsTerminal(event.run().state());
        pending_.push_back(std::move(event));
        if (terminal) {
          end_status_ = grpc::Status::OK;
          break;
        }
      }
      if (pending_.empty() && hub->shut_down()) {
        end_status_ =
            grpc::Status(grpc::StatusCode::UNAVAILABLE, "scheduler shutting down; watch again");
      }
    }
    if (!pending_.empty()) {
      write_buffer_ = std::move(pending_.front());
      pending_.pop_front();
      writing_ = true;
      write = true;
    } else if (end_status_.has_value()) {
      finished_ = true;
      finish = end_status_;
      if (subscribed_) {
        hub->Unsubscribe(run_id_, this);
        subscribed_ = false;
      }
    }
  }
  if (write) {
    StartWrite(&write_buffer_);
  } else if (finish.has_value()) {
    Finish(*finish);
  }
}

void RunWatchReactor::OnWriteDone(bool ok) {
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {
      pending_.clear();
      end_status_ = grpc::Status(grpc::StatusCode::CANCELLED, "watcher left");
    }
  }
  Pump();
}

void RunWatchReactor::OnCancel() {
  {
    absl::MutexLock lock(&mu_);
    pending_.clear();
    if (!finished_) end_status_ = grpc::Status(grpc::StatusCode::CANCELLED, "watcher left");
  }
  Pump();
}

void RunWatchReactor::OnDone() {
  std::shared_ptr<RunWatchReactor> self;
  {
    absl::MutexLock lock(&mu_);
    // Finish always comes after Unsubscribe; this is for a call gRPC ended without it.
    if (subscribed_) {
      scheduler_->events()->Unsubscribe(run_id_, this);
      subscribed_ = false;
    }
    finished_ = true;
    self = std::move(self_);
  }
}

}  // namespace meshproof::scheduler
