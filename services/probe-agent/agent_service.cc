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

// Writes a call's results in order from a thread of its own, so that executor threads
// never wait for the stream (a sync Write waits for the transport; under the executor's
// emit lock that serialized every worker). The queue is bounded by the scenario's test
// count. No buffer hints: with the sync API a hinted Write does not complete until a
// later unhinted one, which a slow probe could hold back indefinitely. When the caller
// asked for batches, the results that queued up while the last event was written go
// out together, in one event of at most kBatchResults results and kBatchBytes bytes.
class EventWriter {
 public:
  EventWriter(grpc::ServerWriter<av1::ExecuteEvent>* writer, bool batch)
      : writer_(writer), batch_(batch), thread_([this] { Run(); }) {}
  ~EventWriter() { Close(); }

  void Push(const rv1::TestResult& result) {
    absl::MutexLock lock(&mu_);
    queue_.push_back(result);
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
  // The sequence number of the next event; read after Close.
  uint64_t next_sequence() const { return sequence_ + 1; }

 private:
  static constexpr int kBatchResults = 256;
  static constexpr size_t kBatchBytes = 1 << 20;  // well under gRPC's 4 MiB message limit

  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !queue_.empty() || closing_; }
  void Write(av1::ExecuteEvent& event) {
    event.set_sequence(++sequence_);
    if (!writer_->Write(event)) ok_.store(false, std::memory_order_release);
  }
  void Run() {
    std::deque<rv1::TestResult> taken;
    av1::ExecuteEvent event;
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &EventWriter::Ready));
        if (queue_.empty()) return;
        taken.swap(queue_);
      }
      if (!batch_) {
        for (size_t i = 0; i < taken.size() && ok(); ++i) {
          event.Clear();
          event.mutable_result()->Swap(&taken[i]);
          Write(event);
        }
      } else {
        size_t i = 0;
        while (i < taken.size() && ok()) {
          event.Clear();
          av1::ResultBatch* batch = event.mutable_results();
          size_t bytes = 0;
          // At least one result per event, however large (the agent caps each result).
          for (; i < taken.size() && batch->results_size() < kBatchResults; ++i) {
            const size_t size = taken[i].ByteSizeLong();
            if (batch->results_size() > 0 && bytes + size > kBatchBytes) break;
            bytes += size;
            batch->add_results()->Swap(&taken[i]);
          }
          Write(event);
        }
      }
      taken.clear();
    }
  }

  grpc::ServerWriter<av1::ExecuteEvent>* const writer_;
  const bool batch_;
  absl::Mutex mu_;
  std::deque<rv1::TestResult> queue_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> ok_{true};
  uint64_t sequence_ = 0;  // the writer thread's, then (after Close) the caller's
  std::thread thread_;     // last: starts once the members above exist
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
  EventWriter events(writer, request->batch_results());
  CancellationCheck cancelled([&] { return context->IsCancelled() || !events.ok(); });
  absl::StatusOr<rv1::ScenarioOutcome> outcome = entrance_->Execute(
      request->has_scenario() ? &request->scenario() : nullptr, options,
      [&](const rv1::TestResult& result) { events.Push(result); },
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
  last.set_sequence(events.next_sequence());
  *last.mutable_outcome() = *std::move(outcome);
  writer->Write(last);
  return grpc::Status::OK;
}

}  // namespace meshproof::agent
