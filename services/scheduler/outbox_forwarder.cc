#include "services/scheduler/outbox_forwarder.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
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
    : db_(std::move(db)), outbox_(db_.get()), store_(store), clock_(clock), options_(options) {}

OutboxForwarder::~OutboxForwarder() { Stop(); }

absl::Status OutboxForwarder::ForwardOnce() {
  while (true) {
    MP_ASSIGN_OR_RETURN(std::vector<OutboxEntry> head, outbox_.Head(options_.max_batch));
    if (head.empty()) return absl::OkStatus();
    // One call: the first entry, plus the appends of the same run attempt right behind it.
    std::vector<int64_t> ids = {head[0].id};
    absl::Status status;
    const OutboxEntry& first = head[0];
    if (first.kind == OutboxKind::kAppend) {
      sv1::AppendResultsRequest request;
      request.set_run_id(first.run_id);
      request.set_attempt(first.attempt);
      for (size_t i = 0; i < head.size(); ++i) {
        const OutboxEntry& e = head[i];
        if (e.kind != OutboxKind::kAppend || e.run_id != first.run_id ||
            e.attempt != first.attempt) {
          break;
        }
        if (i > 0) ids.push_back(e.id);
        if (!request.add_results()->ParseFromString(e.payload)) {
          return absl::InternalError("an outbox result cannot be read");
        }
      }
      status = store_->AppendResults(request);
    } else if (first.kind == OutboxKind::kBegin) {
      sv1::BeginRunRequest request;
      if (!request.ParseFromString(first.payload)) {
        return absl::InternalError("an outbox BeginRun cannot be read");
      }
      status = store_->BeginRun(request);
    } else {
      sv1::FinishRunRequest request;
      if (!request.ParseFromString(first.payload)) {
        return absl::InternalError("an outbox FinishRun cannot be read");
      }
      status = store_->FinishRun(request);
    }
    if (status.ok()) {
      MP_RETURN_IF_ERROR(outbox_.Remove(ids));
      LogDebug("store accepted ", ids.size(), " outbox entr", ids.size() == 1 ? "y" : "ies",
               " of run ", first.run_id);
      continue;
    }
    if (IsRetryableStoreError(status)) {
      (void)outbox_.NoteFailure(first.id, status.ToString());
      return status;
    }
    // A refusal would block every later write forever: set these aside, loudly.
    LogError("results store refused outbox entries of run ", first.run_id, " (kind ",
             static_cast<int>(first.kind), "): ", status.ToString(), "; moved to outbox_dead");
    for (const OutboxEntry& e : head) {
      if (std::find(ids.begin(), ids.end(), e.id) == ids.end()) break;
      MP_RETURN_IF_ERROR(outbox_.MoveToDead(e, status.ToString(), clock_->Now()));
    }
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
