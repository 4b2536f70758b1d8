#include "services/scheduler/outbox_forwarder.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "meshproof/result/v1/result.pb.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"

namespace meshproof::scheduler {

namespace sv1 = meshproof::store::v1;

absl::Duration ForwarderBackoff(int failures, const ForwarderOptions& options) {
  absl::Duration d = options.backoff_initial;
  for (int i = 1; i < failures && d < options.backoff_max; ++i) d *= 2;
  return std::min(d, options.backoff_max);
}

bool IsRetryableStoreError(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kUnimplemented: return false;
    default: return true;
  }
}

OutboxForwarder::OutboxForwarder(std::unique_ptr<Database> db, StoreClient* store,
                                 const Clock* clock, ForwarderOptions options)
    : db_(std::move(db)), outbox_(db_.get()), store_(store), clock_(clock), options_(options) {
  options_.max_in_flight = std::max(1, options_.max_in_flight);
  if (options_.max_in_flight > 1) {
    senders_ = std::make_unique<WorkerPool>(options_.max_in_flight - 1);
  }
}

OutboxForwarder::~OutboxForwarder() { Stop(); }

OutboxForwarder::Call OutboxForwarder::PlanCall(std::vector<OutboxEntry> head) {
  Call call;
  const OutboxEntry& first = head[0];
  size_t n = 1;
  if (first.kind == OutboxKind::kAppend) {
    while (n < head.size() && head[n].kind == OutboxKind::kAppend &&
           head[n].attempt == first.attempt) {
      ++n;
    }
  }
  head.resize(n);
  call.entries = std::move(head);
  return call;
}

void OutboxForwarder::Send(Call* call) const {
  const OutboxEntry& first = call->entries[0];
  if (first.kind == OutboxKind::kAppend) {
    sv1::AppendResultsRequest request;
    request.set_run_id(first.run_id);
    request.set_attempt(first.attempt);
    for (const OutboxEntry& e : call->entries) {
      if (!request.add_results()->ParseFromString(e.payload)) {
        call->status = absl::InternalError("an outbox result cannot be read");
        call->unreadable = true;
        return;
      }
    }
    call->status = store_->AppendResults(request);
  } else if (first.kind == OutboxKind::kBegin) {
    sv1::BeginRunRequest request;
    if (!request.ParseFromString(first.payload)) {
      call->status = absl::InternalError("an outbox BeginRun cannot be read");
      call->unreadable = true;
      return;
    }
    call->status = store_->BeginRun(request);
  } else {
    sv1::FinishRunRequest request;
    if (!request.ParseFromString(first.payload)) {
      call->status = absl::InternalError("an outbox FinishRun cannot be read");
      call->unreadable = true;
      return;
    }
    call->status = store_->FinishRun(request);
  }
}

void OutboxForwarder::SendAll(std::vector<Call>* calls) {
  if (calls->empty()) return;
  // A BlockingCounter may be destroyed once Wait returned, whatever the workers still do.
  absl::BlockingCounter answered(static_cast<int>(calls->size()) - 1);
  for (size_t i = 1; i < calls->size(); ++i) {
    senders_->Post([this, call = &(*calls)[i], &answered] {
      Send(call);
      answered.DecrementCount();
    });
  }
  Send(&(*calls)[0]);
  answered.Wait();
}

absl::Status OutboxForwarder::ForwardOnce() {
  // Runs whose call failed retryably this pass: they wait for the next pass, after the
  // backoff, while the others go on.
  std::set<std::string> waiting;
  absl::Status failure;
  while (true) {
    MP_ASSIGN_OR_RETURN(std::vector<std::string> runs,
                        outbox_.OldestRuns(options_.max_in_flight,
                                           options_.max_in_flight * options_.max_batch, waiting));
    if (runs.empty()) return failure;
    // One call per run: a run's next call is planned only after its last one answered.
    std::vector<Call> calls;
    for (const std::string& run_id : runs) {
      MP_ASSIGN_OR_RETURN(std::vector<OutboxEntry> head,
                          outbox_.HeadOfRun(run_id, options_.max_batch));
      if (head.empty()) continue;
      calls.push_back(PlanCall(std::move(head)));
    }
    SendAll(&calls);
    std::vector<int64_t> delivered;
    for (const Call& call : calls) {
      const OutboxEntry& first = call.entries[0];
      if (call.status.ok()) {
        for (const OutboxEntry& e : call.entries) delivered.push_back(e.id);
        LogDebug("store accepted ", call.entries.size(), " outbox entr",
                 call.entries.size() == 1 ? "y" : "ies", " of run ", first.run_id);
        continue;
      }
      if (call.unreadable) return call.status;  // a row we wrote: a bug, not the store's
      if (IsRetryableStoreError(call.status)) {
        (void)outbox_.NoteFailure(first.id, call.status.ToString());
        waiting.insert(first.run_id);
        if (failure.ok()) failure = call.status;
        continue;
      }
      // A refusal would block every later write of the run forever: set these aside,
      // loudly.
      LogError("results store refused outbox entries of run ", first.run_id, " (kind ",
               static_cast<int>(first.kind), "): ", call.status.ToString(),
               "; moved to outbox_dead");
      for (const OutboxEntry& e : call.entries) {
        MP_RETURN_IF_ERROR(outbox_.MoveToDead(e, call.status.ToString(), clock_->Now()));
      }
    }
    // One transaction for the whole pass's deliveries.
    if (!delivered.empty()) MP_RETURN_IF_ERROR(outbox_.Remove(delivered));
  }
}

void OutboxForwarder::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void OutboxForwarder::Wake() {
  absl::MutexLock lock(&mu_);
  wake_ = true;
}

void OutboxForwarder::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void OutboxForwarder::Loop() {
  int failures = 0;
  while (true) {
    absl::Status status = ForwardOnce();
    absl::Duration wait = options_.idle_poll;
    if (!status.ok()) {
      ++failures;
      wait = ForwarderBackoff(failures, options_);
      if (failures == 1 || failures % 20 == 0) {
        LogWarning("results store unavailable (", status.ToString(), "); retrying in ",
                   absl::FormatDuration(wait), " (failure ", failures, ")");
      }
    } else {
      if (failures > 0) LogInfo("results store reachable again; outbox drained");
      failures = 0;
    }
    absl::MutexLock lock(&mu_);
    auto woken = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stop_ || wake_; };
    // A wake-up during backoff does not shorten it: the store is still down.
    if (status.ok()) {
      mu_.AwaitWithTimeout(absl::Condition(&woken), wait);
    } else {
      auto stopped = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stop_; };
      mu_.AwaitWithTimeout(absl::Condition(&stopped), wait);
    }
    if (stop_) return;
    wake_ = false;
  }
}

}  // namespace meshproof::scheduler
