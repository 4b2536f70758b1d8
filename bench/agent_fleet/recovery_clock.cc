// recovery_clock — times a scheduler's recovery from where its clients see it: started
// right after the scheduler is back (recovery.sh starts it the moment the scheduler
// prints its listening line), it starts --runs runs at once — they queue, as runs do
// that arrive before the agents are back — and polls ListAgents and ListRuns every 10 ms
// until --agents agents are connected and no run is queued. Prints both times, from its
// own start, in seconds.
//
//   recovery_clock --scheduler HOST:PORT --agents 5 --runs 20 [--scenario NAME]
//                  [--submit FILE.yaml]
//
// Not a test: recovery.sh uses it for the figures in docs/benchmarks.md.
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "meshproof/scheduler/v1/scheduler.grpc.pb.h"

namespace {

namespace v1 = ::meshproof::scheduler::v1;

void Deadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
}

int Main(int argc, char** argv) {
  CLI::App app{"times agents' return and queued runs' assignment after a scheduler restart",
               "recovery_clock"};
  std::string scheduler, scenario = "recovery", submit;
  int agents = 1, runs = 10;
  double timeout = 30;
  app.add_option("--scheduler", scheduler, "scheduler HOST:PORT (plaintext, loopback)")->required();
  app.add_option("--agents", agents, "agents expected back");
  app.add_option("--runs", runs, "runs started at once");
  app.add_option("--scenario", scenario, "scenario to start (already submitted)");
  app.add_option("--timeout", timeout, "give up after this many seconds");
  app.add_option("--submit", submit, "scenario YAML file to submit first");
  CLI11_PARSE(app, argc, argv);

  const absl::Time start = absl::Now();
  auto stub = v1::SchedulerService::NewStub(
      grpc::CreateChannel(scheduler, grpc::InsecureChannelCredentials()));
  if (!submit.empty()) {
    std::ifstream file(submit);
    std::string yaml((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    grpc::ClientContext context;
    Deadline(&context);
    context.set_wait_for_ready(true);
    v1::SubmitScenarioRequest req;
    req.mutable_yaml()->set_text(yaml);
    v1::SubmitScenarioResponse resp;
    grpc::Status s = stub->SubmitScenario(&context, req, &resp);
    if (!s.ok()) {
      std::fprintf(stderr, "SubmitScenario: %s\n", s.error_message().c_str());
      return 1;
    }
  }
  for (int r = 0; r < runs; ++r) {
    grpc::ClientContext context;
    Deadline(&context);
    context.set_wait_for_ready(true);
    v1::StartRunRequest req;
    req.set_scenario(scenario);
    v1::Run run;
    grpc::Status s = stub->StartRun(&context, req, &run);
    if (!s.ok()) {
      std::fprintf(stderr, "StartRun: %s\n", s.error_message().c_str());
      return 1;
    }
  }
  const absl::Time started = absl::Now();
  absl::Time agents_back = absl::InfiniteFuture(), assigned = absl::InfiniteFuture();
  while (absl::Now() - start < absl::Seconds(timeout)) {
    const absl::Time now = absl::Now();
    if (agents_back == absl::InfiniteFuture()) {
      grpc::ClientContext context;
      Deadline(&context);
      v1::ListAgentsResponse resp;
      if (stub->ListAgents(&context, v1::ListAgentsRequest(), &resp).ok()) {
        int connected = 0;
        for (const v1::AgentStatus& a : resp.agents())
          connected += a.state() == v1::AGENT_STATE_CONNECTED ? 1 : 0;
        if (connected >= agents) agents_back = now;
      }
    }
    if (assigned == absl::InfiniteFuture()) {
      grpc::ClientContext context;
      Deadline(&context);
      v1::ListRunsRequest req;
      req.add_states(v1::RUN_STATE_QUEUED);
      req.set_page_size(1);
      v1::ListRunsResponse resp;
      if (stub->ListRuns(&context, req, &resp).ok() && resp.runs_size() == 0) assigned = now;
    }
    if (agents_back != absl::InfiniteFuture() && assigned != absl::InfiniteFuture()) break;
    absl::SleepFor(absl::Milliseconds(10));  // another process: nothing to wait on
  }
  if (agents_back == absl::InfiniteFuture() || assigned == absl::InfiniteFuture()) {
    std::fprintf(stderr, "not recovered within %.0f s\n", timeout);
    return 1;
  }
  std::printf("runs_started_s %.3f agents_back_s %.3f runs_assigned_s %.3f\n",
              absl::ToDoubleSeconds(started - start), absl::ToDoubleSeconds(agents_back - start),
              absl::ToDoubleSeconds(assigned - start));
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
