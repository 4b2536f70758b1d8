// Small hand-written fakes of SchedulerService and ResultsStoreService for CLI tests:
// real gRPC on a loopback port 0 inside the test process, scripted answers, and a record
// of what the CLI sent (requests, token, whether a deadline was set).
#ifndef MESHPROOF_TESTS_CLI_FAKE_SERVICES_H_
#define MESHPROOF_TESTS_CLI_FAKE_SERVICES_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"
#include "meshproof/store/v1/store.grpc.pb.h"

namespace meshproof::cli::testing {

// What a fake saw of one call.
struct CallRecord {
  std::string method;
  std::string authorization;
  bool had_deadline = false;
};

class Recorder {
 public:
  void Record(const std::string& method, grpc::ServerContext* context) {
    CallRecord record;
    record.method = method;
    auto it = context->client_metadata().find("authorization");
    if (it != context->client_metadata().end())
      record.authorization = std::string(it->second.data(), it->second.size());
    // A call without a deadline arrives with an infinite one (far in the future).
    record.had_deadline =
        context->deadline() < std::chrono::system_clock::now() + std::chrono::hours(24 * 365);
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(record);
  }
  std::vector<CallRecord> calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<CallRecord> calls_;
};

// Scripted scheduler: StartRun answers `start_status` or a run in `initial_state`;
// WatchRun sends `watch_events` then ends with `watch_status`; GetRun returns
// `get_run` (later WatchRun calls follow `later_watches`); ListRuns returns `list_runs`; approvals
// move the run to QUEUED.
class FakeScheduler final : public scheduler::v1::SchedulerService::Service, public Recorder {
 public:
  grpc::Status start_status = grpc::Status::OK;
  scheduler::v1::Run started;
  std::vector<scheduler::v1::RunEvent> watch_events;
  grpc::Status watch_status = grpc::Status::OK;
  // Streams after the first WatchRun (a reconnect), in order; the last one repeats.
  std::vector<std::pair<std::vector<scheduler::v1::RunEvent>, grpc::Status>> later_watches;
  scheduler::v1::Run get_run;
  scheduler::v1::ListRunsResponse list_runs;
  scheduler::v1::StartRunRequest last_start;
  std::vector<scheduler::v1::SubmitScenarioRequest> submitted;
  scheduler::v1::CreateScheduleRequest last_schedule;
  scheduler::v1::ApprovalRequest last_approval;

  grpc::Status SubmitScenario(grpc::ServerContext* context,
                              const scheduler::v1::SubmitScenarioRequest* request,
                              scheduler::v1::SubmitScenarioResponse* response) override {
    Record("SubmitScenario", context);
    submitted.push_back(*request);
    response->set_created(submitted.size() == 1);
    response->mutable_version()->set_name("scenario-" + std::to_string(submitted.size()));
    response->mutable_version()->set_version("abcdef0123456789");
    response->mutable_version()->set_revision(static_cast<uint32_t>(submitted.size()));
    return grpc::Status::OK;
  }
  grpc::Status CreateSchedule(grpc::ServerContext* context,
                              const scheduler::v1::CreateScheduleRequest* request,
                              scheduler::v1::Schedule* response) override {
    Record("CreateSchedule", context);
    last_schedule = *request;
    response->set_schedule_id(request->schedule_id());
    response->set_scenario(request->scenario());
    if (request->has_interval()) *response->mutable_interval() = request->interval();
    response->set_cron(request->cron());
    return grpc::Status::OK;
  }
  grpc::Status StartRun(grpc::ServerContext* context, const scheduler::v1::StartRunRequest* request,
                        scheduler::v1::Run* response) override {
    Record("StartRun", context);
    last_start = *request;
    if (!start_status.ok()) return start_status;
    *response = started;
    return grpc::Status::OK;
  }
  grpc::Status WatchRun(grpc::ServerContext* context, const scheduler::v1::WatchRunRequest* request,
                        grpc::ServerWriter<scheduler::v1::RunEvent>* writer) override {
    Record("WatchRun", context);
    std::vector<scheduler::v1::RunEvent> events = watch_events;
    grpc::Status status = watch_status;
    {
      std::lock_guard<std::mutex> lock(watch_mu_);
      if (watches_++ > 0 && !later_watches.empty()) {
        std::tie(events, status) = later_watches.front();
        if (later_watches.size() > 1) later_watches.erase(later_watches.begin());
      }
    }
    for (const auto& event : events) writer->Write(event);
    return status;
  }
  grpc::Status GetRun(grpc::ServerContext* context, const scheduler::v1::GetRunRequest* request,
                      scheduler::v1::Run* response) override {
    Record("GetRun", context);
    if (request->run_id() != get_run.run_id()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "run " + request->run_id() + " not found");
    }
    *response = get_run;
    return grpc::Status::OK;
  }
  grpc::Status ListRuns(grpc::ServerContext* context, const scheduler::v1::ListRunsRequest* request,
                        scheduler::v1::ListRunsResponse* response) override {
    Record("ListRuns", context);
    *response = list_runs;
    return grpc::Status::OK;
  }
  grpc::Status ApproveRun(grpc::ServerContext* context,
                          const scheduler::v1::ApprovalRequest* request,
                          scheduler::v1::Run* response) override {
    Record("ApproveRun", context);
    last_approval = *request;
    if (request->run_id() != get_run.run_id()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "run " + request->run_id() + " not found");
    }
    if (get_run.state() != scheduler::v1::RUN_STATE_AWAITING_APPROVAL) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "run " + request->run_id() + " is not awaiting approval");
    }
    *response = get_run;
    response->set_state(scheduler::v1::RUN_STATE_QUEUED);
    return grpc::Status::OK;
  }

 private:
  std::mutex watch_mu_;
  int watches_ = 0;
};

// Scripted results store: GetRun returns `detail` for its run id, CompareRuns
// `comparison`, ListRuns `runs`, GetTestHistory the `history` of the asked test.
class FakeStore final : public store::v1::ResultsStoreService::Service, public Recorder {
 public:
  store::v1::RunDetail detail;
  store::v1::CompareRunsResponse comparison;
  store::v1::ListRunsResponse runs;
  std::map<std::string, std::vector<store::v1::HistoryPoint>> history;
  store::v1::CompareRunsRequest last_compare;
  store::v1::ListRunsRequest last_list;

  grpc::Status GetRun(grpc::ServerContext* context, const store::v1::GetRunRequest* request,
                      store::v1::RunDetail* response) override {
    Record("GetRun", context);
    if (request->run_id() != detail.run().run_id()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "run " + request->run_id() + " not found");
    }
    *response = detail;
    return grpc::Status::OK;
  }
  grpc::Status CompareRuns(grpc::ServerContext* context,
                           const store::v1::CompareRunsRequest* request,
                           store::v1::CompareRunsResponse* response) override {
    Record("CompareRuns", context);
    last_compare = *request;
    *response = comparison;
    return grpc::Status::OK;
  }
  grpc::Status ListRuns(grpc::ServerContext* context, const store::v1::ListRunsRequest* request,
                        store::v1::ListRunsResponse* response) override {
    Record("ListRuns", context);
    last_list = *request;
    *response = runs;
    return grpc::Status::OK;
  }
  grpc::Status GetTestHistory(grpc::ServerContext* context,
                              const store::v1::GetTestHistoryRequest* request,
                              store::v1::GetTestHistoryResponse* response) override {
    Record("GetTestHistory", context);
    auto it = history.find(request->test());
    if (it != history.end()) {
      for (const auto& p : it->second) *response->add_points() = p;
    }
    return grpc::Status::OK;
  }
};

// Serves `service` on 127.0.0.1:0 until destroyed.
class FakeServer {
 public:
  explicit FakeServer(grpc::Service* service) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service);
    server_ = builder.BuildAndStart();
  }
  ~FakeServer() { server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2)); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  bool ok() const { return server_ != nullptr && port_ > 0; }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace meshproof::cli::testing

#endif  // MESHPROOF_TESTS_CLI_FAKE_SERVICES_H_
