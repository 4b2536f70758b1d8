// Each service's doc holds the reference of its options as generated from the service's
// option table (every flag, configuration key, type, default and meaning), so the docs
// cannot drift from what the binaries accept. On a difference the test prints the block
// the doc should hold; with MESHPROOF_UPDATE_DOCS=1 it writes it into the doc.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "services/common/bootstrap/option_table.h"
#include "services/probe-agent/agent_config.h"
#include "services/results-store/store_config.h"
#include "services/scheduler/scheduler_config.h"

namespace meshproof {
namespace {

constexpr char kBegin[] = "<!-- options: begin (generated from the option table) -->\n";
constexpr char kEnd[] = "<!-- options: end -->";

std::string ReadDoc(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void ExpectReference(const std::string& doc, const bootstrap::OptionTable& table) {
  const std::string path = std::string(MESHPROOF_SOURCE_DIR) + "/docs/" + doc;
  std::string text = ReadDoc(path);
  ASSERT_FALSE(text.empty()) << path;
  const std::string expected = table.MarkdownReference();
  const size_t begin = text.find(kBegin);
  const size_t end = text.find(kEnd);
  ASSERT_NE(begin, std::string::npos) << doc << " has no line " << kBegin;
  ASSERT_NE(end, std::string::npos) << doc << " has no line " << kEnd;
  ASSERT_LT(begin, end);
  const size_t start = begin + std::string(kBegin).size();
  const std::string actual = text.substr(start, end - start);
  if (actual != expected && std::getenv("MESHPROOF_UPDATE_DOCS") != nullptr) {
    text.replace(start, end - start, expected);
    std::ofstream(path) << text;
    return;
  }
  EXPECT_EQ(actual, expected) << doc << ": the options reference differs from the table; "
                              << "run with MESHPROOF_UPDATE_DOCS=1 to rewrite it";
}

TEST(OptionsReferenceTest, StoreDocListsEveryOption) {
  store::StoreConfig config;
  bootstrap::OptionTable table;
  store::DeclareStoreOptions(&table, &config);
  ExpectReference("store.md", table);
}

TEST(OptionsReferenceTest, SchedulerDocListsEveryOption) {
  scheduler::SchedulerConfig config;
  bootstrap::OptionTable table;
  scheduler::DeclareSchedulerOptions(&table, &config);
  ExpectReference("scheduler.md", table);
}

TEST(OptionsReferenceTest, AgentDocListsEveryOption) {
  agent::AgentConfig config;
  bootstrap::OptionTable table;
  agent::DeclareAgentOptions(&table, &config);
  ExpectReference("agent.md", table);
}

}  // namespace
}  // namespace meshproof
