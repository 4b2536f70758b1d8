#include "services/probe-agent/scheduler_link.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/reconnect_backoff.h"
#include "services/common/time_util.h"

namespace meshproof::agent {

namespace sv1 = meshproof::scheduler::v1;
namespace rv1 = meshproof::result::v1;

ClientChannelOptions LinkChannelOptions(const SchedulerLinkOptions& options) {
  ClientChannelOptions channel;
  channel.target = options.address;
  channel.token = options.token;
  channel.tls = options.tls;
  channel.allow_plaintext_token = options.allow_plaintext_token;
  channel.insecure_flag = "--scheduler-insecure";
  // The link paces its own retries (ConnectLoop); the channel's backoff stays short so a
  // retry after the scheduler is back does not fail fast on a channel still backing off.
  channel.initial_reconnect_backoff = absl::Milliseconds(100);
  channel.max_reconnect_backoff = absl::Seconds(1);
  return channel;
}

SchedulerLink::SchedulerLink(SchedulerLinkOptions options, AssignmentRunner runner)
    : options_(std::move(options)),
      runner_(std::move(runner)),
      heartbeat_interval_(options_.heartbeat_interval) {
  // One channel to the scheduler, kept alive so a silently dead path is noticed.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      MakeClientChannel(LinkChannelOptions(options_));
  if (!channel.ok()) {
    // main checks the options first (CheckClientChannelOptions); this is the backstop.
    LogError("scheduler link: ", channel.status().message());
    return;
  }
  channel_ = *channel;
  stub_ = sv1::AgentGatewayService::NewStub(channel_);
}

SchedulerLink::~SchedulerLink() { Stop(); }

void SchedulerLink::Start() {
  connect_thread_ = std::thread([this] { ConnectLoop(); });
}

void SchedulerLink::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  if (connect_thread_.joinable()) connect_thread_.join();
  std::map<std::string, std::unique_ptr<Work>> work;
  {
    absl::MutexLock lock(&mu_);
    work.swap(work_);
  }
  for (auto& [id, w] : work) {
    if (w->thread.joinable()) w->thread.join();
  }
}

void SchedulerLink::StopGracefully() {
  {
    absl::MutexLock lock(&mu_);
    handing_back_ = true;
    LogInfo("scheduler link: stopping; handing back ", work_.size(), " assignments");
    auto all_acknowledged = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return work_.empty(); };
    if (!mu_.AwaitWithTimeout(absl::Condition(&all_acknowledged), options_.handback_timeout)) {
      LogWarning("scheduler link: ", work_.size(),
                 " assignments not acknowledged in time; their leases will hand them on");
    }
  }
  Stop();
}

sv1::AgentMessage SchedulerLink::ReleaseOf(const sv1::Assignment& assignment, uint64_t sequence) {
  sv1::AgentMessage m;
  sv1::AssignmentRelease* release = m.mutable_release();
  release->set_assignment_id(assignment.assignment_id());
  release->set_run_id(assignment.run_id());
  release->set_attempt(assignment.attempt());
  release->set_sequence(sequence);
  release->set_reason("the agent is stopping");
  return m;
}

int SchedulerLink::assignments() {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(work_.size());
}

int SchedulerLink::unacked_reports() {
  absl::MutexLock lock(&mu_);
  int n = 0;
  for (const auto& [id, w] : work_) {
    for (const auto& m : w->unacked) n += m.has_result() ? 1 : 0;
  }
  return n;
}

void SchedulerLink::ConnectLoop() {
  if (stub_ == nullptr) return;  // the channel was refused (logged in the constructor)
  ReconnectBackoff backoff(options_.backoff_initial, options_.backoff_max, BackoffSeed());
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    const absl::Time started = absl::Now();
    const bool welcomed = RunSession();
    // Only a session that stayed up resets the delay: a scheduler that welcomes and drops
    // at once must not be hammered every backoff_initial.
    if (welcomed && absl::Now() - started >= options_.healthy_after) backoff.Reset();
    const absl::Duration delay = backoff.Next();
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      LogInfo("scheduler link: reconnecting to ", options_.address, " in ",
              absl::FormatDuration(delay), " (sooner once it is reachable again)");
    }
    SleepBackoff(delay);
  }
}

void SchedulerLink::SleepBackoff(absl::Duration delay) {
  // The delay paces a scheduler that answers and refuses. One that was away is another
  // matter: the channel redials it at most a second apart (LinkChannelOptions), and the
  // moment it connects again — a transition to READY from any other state — the sleep
  // ends, so the agent is back within about a second of the scheduler however long the
  // outage was and however far the backoff had grown.
  const absl::Time until = absl::Now() + delay;
  bool was_away = false;
  while (absl::Now() < until) {
    {
      absl::MutexLock lock(&mu_);
      auto stopped = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
      if (mu_.AwaitWithTimeout(absl::Condition(&stopped),
                               std::min(absl::Milliseconds(50), until - absl::Now()))) {
        return;
      }
    }
    const grpc_connectivity_state state = channel_->GetState(/*try_to_connect=*/true);
    if (state != GRPC_CHANNEL_READY) {
      was_away = true;
    } else if (was_away) {
      return;
    }
  }
}

void SchedulerLink::SendLocked(const sv1::AgentMessage& message) {
  if (session_live_) outgoing_.push_back(message);
}

bool SchedulerLink::RunSession() {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(options_.stream_max_age));
  std::unique_ptr<grpc::ClientReaderWriter<sv1::AgentMessage, sv1::SchedulerMessage>> stream;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
    context_ = &context;
    stream = stub_->Connect(&context);
    // Hello first, then everything not yet acknowledged, in the order it was produced.
    outgoing_.clear();
    session_live_ = true;
    sv1::AgentMessage hello;
    *hello.mutable_hello()->mutable_info() = options_.info;
    for (const auto& [id, w] : work_) hello.mutable_hello()->add_active_assignments(id);
    outgoing_.push_back(hello);
    for (const auto& [id, w] : work_) {
      for (const auto& m : w->unacked) outgoing_.push_back(m);
    }
  }
  std::thread writer([this, s = stream.get()] { WriteLoop(s); });
  bool welcomed = false;
  sv1::SchedulerMessage message;
  while (stream->Read(&message)) Handle(message, &welcomed);
  // Read ends only once the call is over, so the status is there to take. Take it before
  // cancelling: a cancel first would replace the scheduler's own status (a refused
  // token's UNAUTHENTICATED, say) with CANCELLED.
  const grpc::Status status = stream->Finish();
  {
    absl::MutexLock lock(&mu_);
    session_live_ = false;
    outgoing_.clear();
    context.TryCancel();  // unblocks a Write stuck on flow control
  }
  writer.join();
  {
    absl::MutexLock lock(&mu_);
    context_ = nullptr;
  }
  // A refused token will not fix itself: say which flag to look at.
  const bool refused = status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
                       status.error_code() == grpc::StatusCode::PERMISSION_DENIED;
  LogWarning("scheduler link: stream to ", options_.address, " ended: ", status.error_code(), " ",
             status.error_message(),
             refused ? " (check --scheduler-token-file: the token needs the role agent)" : "");
  return welcomed;
}

void SchedulerLink::WriteLoop(
    grpc::ClientReaderWriter<sv1::AgentMessage, sv1::SchedulerMessage>* stream) {
  // Heartbeats keep the scheduler's leases on this agent's assignments alive, so they
  // follow the interval the scheduler asked for in its welcome — which arrives after this
  // loop has started waiting on the default one.
  absl::Time last_heartbeat = absl::Now();
  while (true) {
    sv1::AgentMessage message;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !session_live_ || !outgoing_.empty() || heartbeat_interval_changed_;
      };
      mu_.AwaitWithDeadline(absl::Condition(&ready), last_heartbeat + heartbeat_interval_);
      if (!session_live_) return;
      heartbeat_interval_changed_ = false;
      if (!outgoing_.empty()) {
        message = std::move(outgoing_.front());
        outgoing_.pop_front();
      } else if (absl::Now() >= last_heartbeat + heartbeat_interval_) {
        for (const auto& [id, w] : work_) {
          if (!w->finished) message.mutable_heartbeat()->add_active_assignments(id);
        }
        message.mutable_heartbeat()->set_in_flight(
            static_cast<uint32_t>(message.heartbeat().active_assignments_size()));
        last_heartbeat = absl::Now();
      } else {
        continue;  // woken by a new interval: wait again, timed by it
      }
    }
    if (!stream->Write(message)) return;
  }
}

void SchedulerLink::Handle(const sv1::SchedulerMessage& message, bool* welcomed) {
  std::unique_ptr<Work> forgotten;
  {
    absl::MutexLock lock(&mu_);
    switch (message.message_case()) {
      case sv1::SchedulerMessage::kWelcome:
        *welcomed = true;
        if (message.welcome().has_heartbeat_interval()) {
          heartbeat_interval_ = FromProtoDuration(message.welcome().heartbeat_interval());
          heartbeat_interval_changed_ = true;
        }
        LogInfo("scheduler link: connected to ", options_.address, " (session ",
                message.welcome().session_id(), ", ", work_.size(), " assignments held)");
        break;
      case sv1::SchedulerMessage::kAssignment: {
        const sv1::Assignment& a = message.assignment();
        if (work_.count(a.assignment_id()) > 0 || stopping_) break;  // sent again: already ours
        if (handing_back_) {
          // Crossed our first hand-back: give it straight back rather than let it wait for
          // its lease.
          SendLocked(ReleaseOf(a, 0));
          break;
        }
        LogInfo("scheduler link: assignment ", a.assignment_id(), " (run ", a.run_id(),
                ", attempt ", a.attempt(), ", scenario ", a.scenario().name(), ")");
        auto work = std::make_unique<Work>();
        work->assignment = a;
        Work* w = work.get();
        work_[a.assignment_id()] = std::move(work);
        w->thread = std::thread([this, w] { RunAssignment(w); });
        break;
      }
      case sv1::SchedulerMessage::kAck: {
        auto it = work_.find(message.ack().assignment_id());
        if (it == work_.end()) break;
        Work* w = it->second.get();
        while (!w->unacked.empty() && w->unacked.front().has_result() &&
               w->unacked.front().result().sequence() <= message.ack().sequence()) {
          w->unacked.pop_front();
        }
        if (message.ack().done()) {
          forgotten = std::move(it->second);
          work_.erase(it);
        }
        break;
      }
      case sv1::SchedulerMessage::kCancel: {
        auto it = work_.find(message.cancel().assignment_id());
        if (it == work_.end()) break;
        LogInfo("scheduler link: assignment ", it->first,
                " cancelled: ", message.cancel().reason());
        it->second->cancelled = true;
        break;
      }
      default: break;
    }
  }
  // The done was the thread's last act; join outside the lock it may still be leaving.
  if (forgotten && forgotten->thread.joinable()) forgotten->thread.join();
}

void SchedulerLink::RunAssignment(Work* work) {
  const sv1::Assignment& a = work->assignment;
  const absl::Time deadline =
      a.has_deadline() ? FromProtoTimestamp(a.deadline()) : absl::InfiniteFuture();
  auto emit = [this, work](const rv1::TestResult& result) {
    absl::MutexLock lock(&mu_);
    // Tests cut short by a hand-back are the next agent's to run: not reported here.
    if (handing_back_ && result.verdict() == rv1::TEST_VERDICT_NOT_RUN) return;
    sv1::AgentMessage m;
    sv1::ResultReport* r = m.mutable_result();
    r->set_assignment_id(work->assignment.assignment_id());
    r->set_run_id(work->assignment.run_id());
    r->set_attempt(work->assignment.attempt());
    r->set_sequence(++work->next_sequence);
    *r->mutable_result() = result;
    work->unacked.push_back(m);
    SendLocked(m);
  };
  auto cancelled = [this, work, deadline]() {
    absl::MutexLock lock(&mu_);
    return stopping_ || handing_back_ || work->cancelled || absl::Now() > deadline;
  };
  rv1::ScenarioOutcome outcome = runner_(a, emit, cancelled);
  absl::MutexLock lock(&mu_);
  if (handing_back_ && !work->cancelled && outcome.verdict() == rv1::RUN_VERDICT_CANCELLED) {
    // Interrupted by the stop, not finished: hand it back after the reports sent so far.
    sv1::AgentMessage release = ReleaseOf(a, work->next_sequence);
    work->unacked.push_back(release);
    work->finished = true;
    LogInfo("scheduler link: assignment ", a.assignment_id(), " handed back after ",
            work->next_sequence, " reports");
    SendLocked(release);
    return;
  }
  sv1::AgentMessage m;
  sv1::AssignmentDone* done = m.mutable_done();
  done->set_assignment_id(a.assignment_id());
  done->set_run_id(a.run_id());
  done->set_attempt(a.attempt());
  done->set_sequence(work->next_sequence);
  *done->mutable_outcome() = std::move(outcome);
  work->unacked.push_back(m);
  work->finished = true;
  LogInfo("scheduler link: assignment ", a.assignment_id(),
          " finished: ", rv1::RunVerdict_Name(done->outcome().verdict()));
  SendLocked(m);
}

}  // namespace meshproof::agent
