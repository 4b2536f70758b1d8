#include "services/probe-agent/agent_service.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/common/grpc_status.h"
#include "services/common/log.h"
#include "services/scenario/scenario_validator.h"

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

AgentService::AgentService(ScenarioExecutor* executor, av1::AgentInfo info, int max_scenarios)
    : executor_(executor), info_(std::move(info)), max_scenarios_(max_scenarios) {}

grpc::Status AgentService::GetInfo(grpc::ServerContext*, const av1::GetInfoRequest*, av1::AgentInfo* response) {
  *response = info_;
  return grpc::Status::OK;
}

grpc::Status AgentService::Execute(grpc::ServerContext* context, const av1::ExecuteRequest* request,
                                   grpc::ServerWriter<av1::ExecuteEvent>* writer) {
  if (shutting_down_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the agent is shutting down");
  if (!request->has_scenario()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "scenario: is required");
  }
  if (absl::Status valid = scenario::ValidateScenario(request->scenario()); !valid.ok()) {
    return ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat("scenario ", request->scenario().name(), ": ", valid.message())));
  }
  if (running_.fetch_add(1) >= max_scenarios_) {
    running_.fetch_sub(1);
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        absl::StrCat("the agent already runs ", max_scenarios_, " scenarios; retry later"));
  }
  LogInfo("executing scenario ", request->scenario().name(),
          request->run_id().empty() ? "" : absl::StrCat(" for run ", request->run_id()));
  ExecuteOptions options;
  options.only_tests.assign(request->only_tests().begin(), request->only_tests().end());
  options.approved = request->approved();
  uint64_t sequence = 0;
  EventWriter events(writer);
  CancellationCheck cancelled([&] { return context->IsCancelled() || !events.ok(); });
  const rv1::ScenarioOutcome outcome = executor_->Execute(
      request->scenario(), options,
      // The executor calls this one at a time, so the sequence needs no lock.
      [&](const rv1::TestResult& result) {
        av1::ExecuteEvent event;
        event.set_sequence(++sequence);
        *event.mutable_result() = result;
        events.Push(std::move(event));
      },
      // Draining (SIGTERM) lets a running scenario finish; at the drain deadline gRPC
      // cancels the call, and that aborts the probes in flight.
      [&] { return cancelled.Check(); });
  events.Close();
  running_.fetch_sub(1);
  LogInfo("scenario ", request->scenario().name(), " ended: ", rv1::RunVerdict_Name(outcome.verdict()),
          outcome.reason().empty() ? "" : absl::StrCat(" (", outcome.reason(), ")"));
  if (context->IsCancelled()) {
    if (std::chrono::system_clock::now() >= context->deadline()) {
      return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                          "the call's deadline passed; the results so far were streamed");
    }
    return grpc::Status(grpc::StatusCode::CANCELLED, "the call was cancelled");
  }
  av1::ExecuteEvent last;
  last.set_sequence(++sequence);
  *last.mutable_outcome() = outcome;
  *last.mutable_outcome()->mutable_environment() = [&] {
    rv1::Environment env = outcome.environment();
    env.set_cluster(info_.cluster());
    env.set_namespace_(info_.namespace_());
    env.set_agent_version(info_.version());
    env.set_kind(info_.environment_kind());
    return env;
  }();
  writer->Write(last);
  return grpc::Status::OK;
}

}  // namespace meshproof::agent
