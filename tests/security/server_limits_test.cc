// The gRPC bounds every service applies (services/common/server_limits.h), seen from a
// client of the real scheduler process: one connection cannot hold more than
// kMaxConcurrentStreams calls (each holds server memory, a sync call also a thread; the
// watches here are callback-API streams), a further call waits in the
// client instead of taking another thread, other connections and health are served
// meanwhile, and the connection works again once its streams end.
#include "services/common/server_limits.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"
#include "tests/security/hostile_runner.h"
#include "tests/testing/grpc_polling.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::security {
namespace {

namespace v1 = ::meshproof::scheduler::v1;
using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::Deadline;
using ::meshproof::testing::ServiceProcess;
using ::meshproof::testing::TempDir;

TEST(ServerLimitsTest, OneConnectionHoldsAtMostTheStreamLimit) {
  TempDir dir;
  auto scheduler = ServiceProcess::Start(BinaryPath("meshproof-scheduler"),
                                         {"--listen", "127.0.0.1:0", "--db", dir.File("s.db")},
                                         dir.File("scheduler.log"));
  ASSERT_TRUE(scheduler.ok()) << scheduler.status();
  auto channel = grpc::CreateChannel(scheduler->address(), grpc::InsecureChannelCredentials());
  auto stub = v1::SchedulerService::NewStub(channel);

  // A run that stays QUEUED (no agent), so watching it never ends by itself.
  {
    grpc::ClientContext context;
    Deadline(&context);
    v1::SubmitScenarioRequest req;
    req.mutable_yaml()->set_text(
        "apiVersion: meshproof/v1\nkind: Scenario\nname: w\n"
        "tests: [{name: t1, http: {url: 'http://127.0.0.1:1/'}}]\n");
    v1::SubmitScenarioResponse resp;
    ASSERT_TRUE(stub->SubmitScenario(&context, req, &resp).ok());
  }
  v1::Run run;
  {
    grpc::ClientContext context;
    Deadline(&context);
    v1::StartRunRequest req;
    req.set_scenario("w");
    ASSERT_TRUE(stub->StartRun(&context, req, &run).ok());
  }

  // kMaxConcurrentStreams watchers on one connection, each seen to have started (the
  // first event arrived).
  grpc::CompletionQueue cq;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientAsyncReader<v1::RunEvent>>> readers;
  std::vector<v1::RunEvent> events(kMaxConcurrentStreams);
  v1::WatchRunRequest watch;
  watch.set_run_id(run.run_id());
  for (int i = 0; i < kMaxConcurrentStreams; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    Deadline(contexts.back().get(), absl::Seconds(60));
    readers.push_back(stub->AsyncWatchRun(contexts.back().get(), watch, &cq,
                                          reinterpret_cast<void*>(static_cast<intptr_t>(i))));
  }
  int started = 0;
  void* tag;
  bool ok;
  while (started < kMaxConcurrentStreams && cq.Next(&tag, &ok)) {
    const intptr_t i = reinterpret_cast<intptr_t>(tag);
    ASSERT_TRUE(ok) << "watcher " << i << " did not start";
    ++started;
  }
  int first_events = 0;
  for (int i = 0; i < kMaxConcurrentStreams; ++i) {
    readers[i]->Read(&events[i], reinterpret_cast<void*>(static_cast<intptr_t>(1000 + i)));
  }
  while (first_events < kMaxConcurrentStreams && cq.Next(&tag, &ok)) {
    ASSERT_TRUE(ok) << "watcher " << reinterpret_cast<intptr_t>(tag) - 1000 << " got no event";
    ++first_events;
  }

  // One more call on the same connection waits for a free stream.
  {
    grpc::ClientContext context;
    Deadline(&context, absl::Milliseconds(1500));
    v1::GetRunRequest req;
    req.set_run_id(run.run_id());
    v1::Run got;
    EXPECT_EQ(stub->GetRun(&context, req, &got).error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  // Other connections are served meanwhile.
  // (Channels to one address share a connection unless told not to.)
  grpc::ChannelArguments separate;
  separate.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto other =
      grpc::CreateCustomChannel(scheduler->address(), grpc::InsecureChannelCredentials(), separate);
  EXPECT_TRUE(Serving(other, absl::Seconds(3)));

  for (auto& context : contexts) context->TryCancel();
  std::vector<grpc::Status> statuses(kMaxConcurrentStreams);
  for (int i = 0; i < kMaxConcurrentStreams; ++i) {
    readers[i]->Finish(&statuses[i], reinterpret_cast<void*>(static_cast<intptr_t>(5000 + i)));
  }
  int finished = 0;
  while (finished < kMaxConcurrentStreams && cq.Next(&tag, &ok)) {
    if (reinterpret_cast<intptr_t>(tag) >= 5000) ++finished;
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }

  // The connection is usable again.
  grpc::ClientContext context;
  Deadline(&context, absl::Seconds(5));
  v1::GetRunRequest req;
  req.set_run_id(run.run_id());
  v1::Run got;
  EXPECT_TRUE(stub->GetRun(&context, req, &got).ok());
}

}  // namespace
}  // namespace meshproof::security
