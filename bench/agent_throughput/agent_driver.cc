// agent_driver — times the probe agent alone: parses the scenario files once, builds
// each ExecuteRequest once, then calls ProbeAgentService.Execute for each scenario in
// turn and times only the result streams (no YAML parsing, no printing, no process
// start inside the measurement). Prints "RATE PASSED SECONDS" on one line.
//
//   agent_driver --agent HOST:PORT [--seconds S] [--streams N] FILE.yaml...
//
// With --seconds the scenarios are run again, in turn, until at least S seconds have
// passed (whole scenarios only), so the agent is timed over as long as wrk drives its
// peers; without, each file runs once. With --streams N (default 1) N Execute calls are
// in flight at once, file i on stream i mod N: how a scheduler's several runs, or
// several users, load one agent.
//
// Not a test: run.sh uses it for the figures in docs/benchmarks.md.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "meshproof/agent/v1/agent.grpc.pb.h"
#include "services/scenario/scenario_parser.h"

namespace {

namespace av1 = ::meshproof::agent::v1;
namespace rv1 = ::meshproof::result::v1;

int Main(int argc, char** argv) {
  CLI::App app{"times ProbeAgentService.Execute streams of pre-parsed scenarios", "agent_driver"};
  std::string agent;
  std::vector<std::string> files;
  app.add_option("--agent", agent, "agent HOST:PORT")->required();
  double min_seconds = 0;
  app.add_option("--seconds", min_seconds, "repeat the scenarios until this much time passed");
  app.add_option("files", files, "scenario files")->required();
  int streams = 1;
  app.add_option("--streams", streams, "Execute calls in flight at once")->check(CLI::Range(1, 64));
  CLI11_PARSE(app, argc, argv);

  std::vector<av1::ExecuteRequest> requests;
  for (const std::string& file : files) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    meshproof::scenario::ParseOptions options;
    options.file_name = file;
    auto parsed = meshproof::scenario::ParseScenario(text.str(), options);
    if (!parsed.ok()) {
      std::fprintf(stderr, "%s\n", std::string(parsed.status().message()).c_str());
      return 2;
    }
    requests.emplace_back();
    *requests.back().mutable_scenario() = *std::move(parsed);
    requests.back().set_batch_results(true);  // as meshproof probe asks
  }

  auto channel = grpc::CreateChannel(agent, grpc::InsecureChannelCredentials());
  auto stub = av1::ProbeAgentService::NewStub(channel);
  // Connect before timing: the first call would otherwise include the channel's set-up.
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
    std::fprintf(stderr, "agent %s is unreachable\n", agent.c_str());
    return 1;
  }

  std::atomic<uint64_t> passed{0}, results{0};
  std::atomic<bool> failed{false};
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  auto run_stream = [&](int stream) {
    do {
      for (size_t i = stream; i < requests.size() && !failed; i += streams) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
        auto reader = stub->Execute(&context, requests[i]);
        av1::ExecuteEvent event;
        while (reader->Read(&event)) {
          auto count = [&](const rv1::TestResult& result) {
            ++results;
            if (result.verdict() == rv1::TEST_VERDICT_PASS) ++passed;
          };
          if (event.has_result()) count(event.result());
          for (const rv1::TestResult& result : event.results().results()) count(result);
        }
        const grpc::Status status = reader->Finish();
        if (!status.ok()) {
          std::fprintf(stderr, "Execute failed: %s\n", status.error_message().c_str());
          failed = true;
        }
      }
    } while (!failed && elapsed() < min_seconds);
  };
  std::vector<std::thread> threads;
  for (int stream = 0; stream < streams; ++stream) threads.emplace_back(run_stream, stream);
  for (std::thread& thread : threads) thread.join();
  if (failed) return 1;
  const double seconds = elapsed();
  if (passed != results)
    std::fprintf(stderr, "%lu of %lu results passed\n", passed.load(), results.load());
  std::printf("%.0f %lu %.3f\n", passed / seconds, passed.load(), seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
