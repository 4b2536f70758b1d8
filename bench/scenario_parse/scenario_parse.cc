// scenario_parse — what reading a scenario file costs, per test, split in the layers it
// goes through, on one thread:
//   tokens:   yaml-cpp's scanner and parser alone, with an event handler that does
//             nothing (the floor of any reader built on yaml-cpp);
//   tree:     LoadCheckedYaml: the same events, checked and built into yaml-cpp's nodes;
//   scenario: ParseScenario: the tree read into the Scenario message, variables
//             substituted, every rule checked (what `meshproof probe` does per file).
// Each file is read from disk once; each layer runs over all files ROUNDS times and the
// best round is printed, in µs of CPU time per test.
//
//   scenario_parse [--rounds N] FILE.yaml...
//
// Not a test: the figures go to docs/benchmarks.md.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "services/common/text_file.h"
#include "services/scenario/checked_yaml.h"
#include "services/scenario/scenario_parser.h"

namespace {

class NullHandler : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

double CpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

int Main(int argc, char** argv) {
  CLI::App app{"CPU per test of reading scenario files, layer by layer", "scenario_parse"};
  std::vector<std::string> files;
  int rounds = 5;
  app.add_option("--rounds", rounds, "rounds per layer; the best is printed")
      ->check(CLI::Range(1, 100));
  app.add_option("files", files, "scenario files")->required();
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> texts;
  for (const std::string& file : files) {
    auto text = meshproof::ReadTextFile(file, "files");
    if (!text.ok()) {
      std::fprintf(stderr, "%s\n", std::string(text.status().message()).c_str());
      return 2;
    }
    texts.push_back(*std::move(text));
  }
  size_t tests = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    meshproof::scenario::ParseOptions options;
    options.file_name = files[i];
    auto parsed = meshproof::scenario::ParseScenario(texts[i], options);
    if (!parsed.ok()) {
      std::fprintf(stderr, "%s\n", std::string(parsed.status().message()).c_str());
      return 2;
    }
    tests += static_cast<size_t>(parsed->tests_size());
  }
  if (tests == 0) {
    std::fprintf(stderr, "no tests in the files\n");
    return 2;
  }

  auto best = [&](const std::function<void(size_t)>& layer) {
    double fastest = std::numeric_limits<double>::max();
    for (int round = 0; round < rounds; ++round) {
      const double start = CpuSeconds();
      for (size_t i = 0; i < texts.size(); ++i) layer(i);
      fastest = std::min(fastest, CpuSeconds() - start);
    }
    return fastest * 1e6 / static_cast<double>(tests);
  };
  const double tokens = best([&](size_t i) {
    std::stringstream stream(texts[i]);
    YAML::Parser parser(stream);
    NullHandler handler;
    while (parser.HandleNextDocument(handler)) {
    }
  });
  const double tree = best([&](size_t i) { (void)meshproof::scenario::LoadCheckedYaml(texts[i]); });
  const double scenario = best([&](size_t i) {
    meshproof::scenario::ParseOptions options;
    options.file_name = files[i];
    (void)meshproof::scenario::ParseScenario(texts[i], options);
  });
  std::printf("%zu tests in %zu files, best of %d rounds, CPU µs per test\n", tests, files.size(),
              rounds);
  std::printf("tokens (yaml-cpp, no nodes)   %8.1f\n", tokens);
  std::printf("tree (LoadCheckedYaml)        %8.1f\n", tree);
  std::printf("scenario (ParseScenario)      %8.1f\n", scenario);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
