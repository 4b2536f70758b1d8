#include "services/probe-agent/agent_service.h"

#include <malloc.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/common/grpc_status.h"
#include "services/common/log.h"

namespace meshproof::agent {

namespace av1 = ::meshproof::agent::v1;
namespace rv1 = ::meshproof::result::v1;

namespace {

// ServerContext::IsCancelled polls the call's completion queue, and the executor and
// every transfer in flight ask several times per probe: asked each time, it cost more
// CPU than a plain HTTP probe. This asks it at most every 20 ms per call; once true,
// the answer stays true.
class CancellationCheck {
 public:
  explicit CancellationCheck(std::function<bool()> check) : check_(std::move(check)) {}
  bool Check() {
    if (cancelled_.load(std::memory_order_acquire)) return true;
    const int64_t now = absl::GetCurrentTimeNanos();
    int64_t next = next_ns_.load(std::memory_order_relaxed);
    // One caller per interval asks; the others take the last answer.
    if (now < next || !next_ns_.compare_exchange_strong(next, now + kIntervalNs)) return false;
    if (check_()) cancelled_.store(true, std::memory_order_release);
    return cancelled_.load(std::memory_order_acquire);
  }

 private:
  static constexpr int64_t kIntervalNs = 20'000'000;
  const std::function<bool()> check_;
  std::atomic<int64_t> next_ns_{0};
  std::atomic<bool> cancelled_{false};
};

// Writes a call's events in order from a thread of its own, so that executor threads
// never wait for the stream (a sync Write waits for the transport; under the executor's
// emit lock that serialized every worker). The queue is bounded by the scenario's test
// count. No buffer hints: with the sync API a hinted Write does not complete until a
// later unhinted one, which a slow probe could hold back indefinitely.
class EventWriter {
 public:
  explicit EventWriter(grpc::ServerWriter<av1::ExecuteEvent>* writer)
      : writer_(writer), thread_([this] { Run(); }) {}
  ~EventWriter() { Close(); }

  void Push(av1::ExecuteEvent event) {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(event));
  }
  // False once a write failed: the client is gone or stopped reading.
  bool ok() const { return ok_.load(std::memory_order_acquire); }
  // Writes everything queued, then stops the thread.
  void Close() {
    {
      absl::MutexLock lock(&mu_);
      closing_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !queue_.empty() || closing_; }
  void Run() {
    std::deque<av1::ExecuteEvent> batch;
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &EventWriter::Ready));
        if (queue_.empty()) return;
        batch.swap(queue_);
      }
      for (size_t i = 0; i < batch.size() && ok(); ++i) {
        if (!writer_->Write(batch[i])) ok_.store(false, std::memory_order_release);
      }
      batch.clear();
    }
  }

  grpc::ServerWriter<av1::ExecuteEvent>* const writer_;
  absl::Mutex mu_;
  std::deque<av1::ExecuteEvent> queue_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> ok_{true};
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace

grpc::Status AgentService::GetInfo(grpc::ServerContext*, const av1::GetInfoRequest*,
                                   av1::AgentInfo* response) {
  *response = entrance_->info();
  return grpc::Status::OK;
}

grpc::Status AgentService::Execute(grpc::ServerContext* context, const av1::ExecuteRequest* request,
                                   grpc::ServerWriter<av1::ExecuteEvent>* writer) {
  // Approval is decided by an approver at the scheduler and reaches the agent only inside
  // an assignment; a caller of this API cannot claim it. The field stays in the contract
  // so an old client gets this answer instead of its gated tests silently skipped.
  if (request->approved()) {
    return grpc::Status(
        grpc::StatusCode::PERMISSION_DENIED,
        "approved: a caller cannot assert approval; gated tests run only in a scheduler "
        "assignment for a run an approver approved (meshproof run start, then "
        "meshproof run approve)");
  }
  ExecuteOptions options;
  options.only_tests.assign(request->only_tests().begin(), request->only_tests().end());
  uint64_t sequence = 0;
  EventWriter events(writer);
  CancellationCheck cancelled([&] { return context->IsCancelled() || !events.ok(); });
  absl::StatusOr<rv1::ScenarioOutcome> outcome = entrance_->Execute(
      request->has_scenario() ? &request->scenario() : nullptr, options,
      // The executor calls this one at a time, so the sequence needs no lock.
      [&](const rv1::TestResult& result) {
        av1::ExecuteEvent event;
        event.set_sequence(++sequence);
        *event.mutable_result() = result;
        events.Push(std::move(event));
      },
      // Draining (SIGTERM) lets a running scenario finish; at the drain deadline gRPC
      // cancels the call, and that aborts the probes in flight.
      [&] { return cancelled.Check(); }, request->run_id());
  events.Close();
  // The call's tests ran on threads of their own, and what they freed stays in malloc's
  // arenas: hand the free pages back, so that an idle agent's memory does not stay at
  // its busiest call's peak.
  malloc_trim(0);
  // A refusal comes before any event was written.
  if (!outcome.ok()) return ToGrpcStatus(outcome.status());
  if (context->IsCancelled()) {
    if (std::chrono::system_clock::now() >= context->deadline()) {
      return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                          "the call's deadline passed; the results so far were streamed");
    }
    return grpc::Status(grpc::StatusCode::CANCELLED, "the call was cancelled");
  }
  av1::ExecuteEvent last;
  last.set_sequence(++sequence);
  *last.mutable_outcome() = *std::move(outcome);
  writer->Write(last);
  return grpc::Status::OK;
}

}  // namespace meshproof::agent
