#include "bench/fleet/simulated_agent.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "meshproof/result/v1/result.pb.h"

namespace meshproof::bench {

namespace v1 = ::meshproof::scheduler::v1;
namespace rv1 = ::meshproof::result::v1;

namespace {

void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t nanos = absl::ToUnixNanos(t);
  out->set_seconds(nanos / 1000000000);
  out->set_nanos(static_cast<int32_t>(nanos % 1000000000));
}

// A passing HTTP test's result as the real agent reports it: identity, verdict, the
// observation, timings and the one-line summaries reports show.
rv1::TestResult PassingResult(const std::string& scenario, const scenario::v1::Test& test,
                              absl::Time now) {
  rv1::TestResult r;
  r.set_scenario(scenario);
  r.set_test(test.name());
  r.set_phase(rv1::PHASE_TEST);
  r.set_verdict(rv1::TEST_VERDICT_PASS);
  r.set_attempts(1);
  r.set_proves(test.proves());
  for (const std::string& claim : test.claims()) r.add_claims(claim);
  r.set_expected_summary("status 200");
  r.set_actual_summary("status 200");
  const std::string url = absl::StrCat("http://127.0.0.1:9/", test.name());
  r.set_reproduction(absl::StrCat("curl -sS -o /dev/null -w '%{http_code}\\n' '", url, "'"));
  rv1::ProbeOutcome* outcome = r.mutable_outcome();
  outcome->mutable_http()->set_status_code(200);
  outcome->mutable_http()->set_http_version("HTTP/1.1");
  outcome->mutable_http()->set_remote_address("127.0.0.1:9");
  outcome->mutable_http()->set_local_address("127.0.0.1:40000");
  outcome->mutable_http()->set_effective_url(url);
  outcome->mutable_http()->set_body_bytes(512);
  outcome->mutable_timings()->mutable_connect()->set_nanos(120000);
  outcome->mutable_timings()->mutable_first_byte()->set_nanos(450000);
  outcome->mutable_timings()->mutable_total()->set_nanos(500000);
  SetTime(now, outcome->mutable_started_at());
  SetTime(now, r.mutable_started_at());
  SetTime(now, r.mutable_finished_at());
  return r;
}

}  // namespace

void RoundTripSamples::Add(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  if (recording_) samples_.push_back(absl::ToDoubleMilliseconds(d));
}

void RoundTripSamples::Record(bool on) {
  absl::MutexLock lock(&mu_);
  recording_ = on;
}

std::vector<double> RoundTripSamples::Take() {
  absl::MutexLock lock(&mu_);
  std::vector<double> out = std::move(samples_);
  samples_.clear();
  std::sort(out.begin(), out.end());
  return out;
}

SimulatedAgent::SimulatedAgent(v1::AgentGatewayService::Stub* stub, SimulatedAgentOptions options)
    : options_(std::move(options)) {
  stub->async()->Connect(&context_, this);
  v1::AgentMessage hello;
  agent::v1::AgentInfo* info = hello.mutable_hello()->mutable_info();
  info->set_agent_id(options_.agent_id);
  info->set_cluster(options_.cluster);
  info->set_namespace_(options_.namespace_name);
  info->set_version("bench");
  info->set_max_concurrency(options_.max_concurrency);
  Enqueue(std::move(hello));
  StartRead(&incoming_);
  StartCall();
}

void SimulatedAgent::Heartbeat() {
  v1::AgentMessage beat;
  {
    absl::MutexLock lock(&mu_);
    if (finished_ || !welcomed_) return;
    beat.mutable_heartbeat()->set_in_flight(static_cast<uint32_t>(work_.size()));
    for (const auto& [id, work] : work_) beat.mutable_heartbeat()->add_active_assignments(id);
    if (options_.round_trips != nullptr) {
      ++sequence_;
      beat.mutable_heartbeat()->add_active_assignments(absl::StrCat("hb.", sequence_));
      sent_[sequence_] = absl::Now();
    }
  }
  Enqueue(std::move(beat));
}

absl::Duration SimulatedAgent::interval() {
  absl::MutexLock lock(&mu_);
  return interval_;
}

bool SimulatedAgent::welcomed() {
  absl::MutexLock lock(&mu_);
  return welcomed_;
}

bool SimulatedAgent::finished() {
  absl::MutexLock lock(&mu_);
  return finished_;
}

int SimulatedAgent::held() {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(work_.size());
}

int SimulatedAgent::lost() {
  absl::MutexLock lock(&mu_);
  return lost_;
}

int SimulatedAgent::done() {
  absl::MutexLock lock(&mu_);
  return done_;
}

std::string SimulatedAgent::ended_status() {
  absl::MutexLock lock(&mu_);
  return absl::StrCat(status_.error_code(), " ", status_.error_message());
}

void SimulatedAgent::Cancel() { context_.TryCancel(); }

void SimulatedAgent::WaitDone() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&finished_));
}

void SimulatedAgent::FillLocked(Work* work, std::vector<v1::AgentMessage>* out) {
  const v1::Assignment& a = work->assignment;
  const uint64_t tests = static_cast<uint64_t>(a.scenario().tests_size());
  const absl::Time now = absl::Now();
  while (work->next_sequence < tests &&
         work->next_sequence - work->acked < static_cast<uint64_t>(options_.window)) {
    v1::AgentMessage m;
    v1::ResultReport* r = m.mutable_result();
    r->set_assignment_id(a.assignment_id());
    r->set_run_id(a.run_id());
    r->set_attempt(a.attempt());
    *r->mutable_result() =
        PassingResult(a.scenario().name(), a.scenario().tests(work->next_sequence), now);
    r->set_sequence(++work->next_sequence);
    out->push_back(std::move(m));
  }
  if (work->next_sequence < tests || work->done_sent) return;
  // Every report sent: the done follows them at once, as the real agent's does.
  work->done_sent = true;
  v1::AgentMessage m;
  v1::AssignmentDone* done = m.mutable_done();
  done->set_assignment_id(a.assignment_id());
  done->set_run_id(a.run_id());
  done->set_attempt(a.attempt());
  done->set_sequence(work->next_sequence);
  rv1::ScenarioOutcome* outcome = done->mutable_outcome();
  outcome->set_scenario(a.scenario().name());
  outcome->set_verdict(rv1::RUN_VERDICT_PASSED);
  outcome->mutable_counts()->set_total(static_cast<uint32_t>(tests));
  outcome->mutable_counts()->set_passed(static_cast<uint32_t>(tests));
  outcome->mutable_environment()->set_cluster(options_.cluster);
  SetTime(work->started, outcome->mutable_started_at());
  SetTime(now, outcome->mutable_finished_at());
  out->push_back(std::move(m));
}

void SimulatedAgent::OnReadDone(bool ok) {
  if (!ok) return;
  std::vector<v1::AgentMessage> out;
  {
    absl::MutexLock lock(&mu_);
    switch (incoming_.message_case()) {
      case v1::SchedulerMessage::kWelcome:
        welcomed_ = true;
        if (incoming_.welcome().has_heartbeat_interval()) {
          interval_ = absl::Seconds(incoming_.welcome().heartbeat_interval().seconds()) +
                      absl::Nanoseconds(incoming_.welcome().heartbeat_interval().nanos());
        }
        break;
      case v1::SchedulerMessage::kAssignment: {
        auto work = std::make_unique<Work>();
        work->assignment = std::move(*incoming_.mutable_assignment());
        work->started = absl::Now();
        Work* w = work.get();
        work_[w->assignment.assignment_id()] = std::move(work);
        if (options_.finish_assignments) FillLocked(w, &out);
        break;
      }
      case v1::SchedulerMessage::kAck: {
        auto it = work_.find(incoming_.ack().assignment_id());
        if (it == work_.end()) break;
        if (incoming_.ack().done()) {
          work_.erase(it);
          ++done_;
          break;
        }
        it->second->acked = std::max(it->second->acked, incoming_.ack().sequence());
        if (options_.finish_assignments) FillLocked(it->second.get(), &out);
        break;
      }
      case v1::SchedulerMessage::kCancel: {
        const std::string& a = incoming_.cancel().assignment_id();
        if (a.rfind("hb.", 0) == 0) {
          auto it = sent_.find(std::stoull(a.substr(3)));
          if (it != sent_.end()) {
            if (options_.round_trips != nullptr)
              options_.round_trips->Add(absl::Now() - it->second);
            sent_.erase(it);
          }
        } else if (work_.erase(a) > 0) {
          // A live agent heartbeating its runs should never lose one.
          ++lost_;
        }
        break;
      }
      default: break;
    }
  }
  for (v1::AgentMessage& m : out) Enqueue(std::move(m));
  StartRead(&incoming_);
}

// One write in flight at a time; StartWrite is called outside the lock (a reaction may
// run on the calling thread).
void SimulatedAgent::OnWriteDone(bool ok) {
  {
    absl::MutexLock lock(&mu_);
    if (!ok || queue_.empty()) {
      writing_ = false;
      if (!ok) queue_.clear();
      return;
    }
    current_ = std::move(queue_.front());
    queue_.pop_front();
  }
  StartWrite(&current_);
}

void SimulatedAgent::OnDone(const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  finished_ = true;
  status_ = status;
}

void SimulatedAgent::Enqueue(v1::AgentMessage message) {
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    if (writing_) {
      queue_.push_back(std::move(message));
      return;
    }
    writing_ = true;
    current_ = std::move(message);
  }
  StartWrite(&current_);
}

}  // namespace meshproof::bench
