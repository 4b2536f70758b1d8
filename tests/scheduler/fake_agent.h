// A fake probe agent for integration tests: dials the scheduler's Connect stream like a
// real agent, records what the scheduler sends, and sends whatever the test scripts.
// Vanish() drops the connection without a goodbye, as a killed process would.
#ifndef MESHPROOF_TESTS_SCHEDULER_FAKE_AGENT_H_
#define MESHPROOF_TESTS_SCHEDULER_FAKE_AGENT_H_

#include <grpcpp/grpcpp.h>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "meshproof/scheduler/v1/agent_gateway.grpc.pb.h"

namespace meshproof::scheduler::testing {

class FakeAgent {
 public:
  FakeAgent(const std::string& address, meshproof::agent::v1::AgentInfo info)
      : info_(std::move(info)) {
    stub_ = v1::AgentGatewayService::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  }
  ~FakeAgent() { Vanish(); }

  // Opens the stream and sends the hello (with `active` assignments).
  void Connect(const std::vector<std::string>& active = {}) {
    Vanish();
    context_ = std::make_unique<grpc::ClientContext>();
    context_->set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
    stream_ = stub_->Connect(context_.get());
    v1::AgentMessage hello;
    *hello.mutable_hello()->mutable_info() = info_;
    for (const auto& a : active) hello.mutable_hello()->add_active_assignments(a);
    stream_->Write(hello);
    reader_ = std::thread([this] {
      v1::SchedulerMessage m;
      while (stream_->Read(&m)) {
        absl::MutexLock lock(&mu_);
        received_.push_back(m);
      }
      absl::MutexLock lock(&mu_);
      ended_ = true;
    });
  }

  bool Send(const v1::AgentMessage& message) {
    absl::MutexLock lock(&write_mu_);
    return stream_ != nullptr && stream_->Write(message);
  }

  // Waits up to `timeout` for a message matching `match` and removes it (and everything
  // before it) from the queue.
  std::optional<v1::SchedulerMessage> WaitFor(
      const std::function<bool(const v1::SchedulerMessage&)>& match,
      absl::Duration timeout = absl::Seconds(20)) {
    absl::MutexLock lock(&mu_);
    // The condition must not change anything: Abseil may evaluate it more than once.
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      for (const auto& m : received_) {
        if (match(m)) return true;
      }
      return ended_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
    std::optional<v1::SchedulerMessage> found;
    while (!received_.empty()) {
      v1::SchedulerMessage m = std::move(received_.front());
      received_.pop_front();
      if (match(m)) {
        found = std::move(m);
        break;
      }
    }
    return found;
  }
  std::optional<v1::Assignment> NextAssignment(absl::Duration timeout = absl::Seconds(20)) {
    auto m = WaitFor([](const v1::SchedulerMessage& m) { return m.has_assignment(); }, timeout);
    if (!m) return std::nullopt;
    return m->assignment();
  }
  // Waits for an ack of `assignment_id` covering `sequence` (and `done` when asked).
  bool WaitForAck(const std::string& assignment_id, uint64_t sequence, bool done = false) {
    return WaitFor([&](const v1::SchedulerMessage& m) {
             return m.has_ack() && m.ack().assignment_id() == assignment_id &&
                    m.ack().sequence() >= sequence && (!done || m.ack().done());
           })
        .has_value();
  }

  // Drops the stream without a word, like a killed process.
  void Vanish() {
    if (context_ != nullptr) context_->TryCancel();
    if (reader_.joinable()) reader_.join();
    {
      absl::MutexLock lock(&write_mu_);
      stream_.reset();
    }
    context_.reset();
    absl::MutexLock lock(&mu_);
    received_.clear();
    ended_ = false;
  }

 private:
  meshproof::agent::v1::AgentInfo info_;
  std::unique_ptr<v1::AgentGatewayService::Stub> stub_;
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::AgentMessage, v1::SchedulerMessage>> stream_;
  std::thread reader_;
  absl::Mutex write_mu_;
  absl::Mutex mu_;
  std::deque<v1::SchedulerMessage> received_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace meshproof::scheduler::testing

#endif  // MESHPROOF_TESTS_SCHEDULER_FAKE_AGENT_H_
